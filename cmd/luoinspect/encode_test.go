package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
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

// TestWriteDirAtomicInterrupted cancels the context while the temporary
// directory is being filled: nothing may be left, and an old directory
// being replaced must stay as it was.
func TestWriteDirAtomicInterrupted(t *testing.T) {
	for _, existing := range []bool{false, true} {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		if existing {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "old"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		err := writeDirAtomic(ctx, dir, true, func(tmp string) error {
			if err := os.WriteFile(filepath.Join(tmp, "half"), []byte("x"), 0o644); err != nil {
				return err
			}
			cancel(signalled{syscall.SIGINT})
			return nil
		})
		var sig signalled
		if !errors.As(err, &sig) {
			t.Fatalf("existing %v: err %v, want the signal", existing, err)
		}
		want := []string(nil)
		if existing {
			want = []string{"out"}
			if got := names(t, dir); !slices.Equal(got, []string{"old"}) {
				t.Errorf("old directory now holds %v", got)
			}
		}
		if got := names(t, parent); !slices.Equal(got, want) {
			t.Errorf("existing %v: left %v, want %v", existing, got, want)
		}
	}
}

// TestWriteDirAtomicParents removes the parent directories it created when
// the fill fails, and keeps them when it succeeds.
func TestWriteDirAtomicParents(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "a", "b", "out")
	err := writeDirAtomic(context.Background(), dir, false, func(string) error { return errors.New("full disk") })
	if err == nil || len(names(t, top)) != 0 {
		t.Fatalf("failed fill: err %v, left %v", err, names(t, top))
	}
	err = writeDirAtomic(context.Background(), dir, false, func(tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "f"), nil, 0o644)
	})
	if err != nil || !slices.Equal(names(t, dir), []string{"f"}) || !slices.Equal(names(t, filepath.Dir(dir)), []string{"out"}) {
		t.Fatalf("err %v; %s holds %v", err, filepath.Dir(dir), names(t, filepath.Dir(dir)))
	}
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
