package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// names lists the entries of dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestEncodeSIGINT interrupts a real encode while it writes its files,
// first into a new DIR, then with --force over a DIR it would replace:
// exit 130, no temporary directory, no half DIR, and the old DIR intact.
// The state holds a 256 MiB memfd with data, so the write takes a while.
func TestEncodeSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and writes up to 256 MiB")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "luoinspect")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	spec := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(spec, []byte("kho: K4\nluo: L-luo-v5\nmemfd: M2b\nsessions:\n  - name: vm0\n    files:\n"+
		"      - token: 1\n        memfd: {size: 268435456, with_data: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(dir, "parent")
	out := filepath.Join(parent, "state")
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		args := []string{"encode", spec, "--out", out}
		want := []string(nil)
		if force {
			args = append(args, "--force")
			want = []string{"state"}
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "old"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Interrupt as soon as the temporary directory exists.
		stderr, err := interruptWhen(t, exec.Command(bin, args...), func() bool { return len(names(t, parent)) > len(want) })
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || stderr.String() != "luoinspect: interrupted by SIGINT\n" {
			t.Fatalf("force %v: interrupted encode: %v, stderr %q; want exit 130 and one line", force, err, stderr)
		}
		if got := names(t, parent); !slices.Equal(got, want) {
			t.Errorf("force %v: left %v, want %v", force, got, want)
		}
		if force {
			if got := names(t, out); !slices.Equal(got, []string{"old"}) {
				t.Errorf("the old DIR now holds %v", got)
			}
		}
	}
}
