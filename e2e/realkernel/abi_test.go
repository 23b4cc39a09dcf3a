package realkernel

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sourceTree unpacks (or reuses) Debian's linux-source-SERIES tree.
func sourceTree(t *testing.T, series string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(repoRoot(t), "scripts", "kernel.sh"), series, "--source-only").Output()
	if err != nil {
		t.Fatalf("scripts/kernel.sh %s --source-only: %v", series, err)
	}
	return strings.TrimSpace(string(out))
}

// cliRun runs luoinspect and returns stdout, stderr and the exit code.
func cliRun(t *testing.T, cli string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(cli, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestABIOfRealTrees reads the ABI headers of the real 7.2 and 7.3 trees:
// no warning, no breaking change and no removed struct against the
// registry's K4+L-luo-v5+M2b, and 7.2 → 7.3 changes nothing (7.3 moved
// struct kho_scratch to asm-generic/kexec_handover.h; it is read there).
func TestABIOfRealTrees(t *testing.T) {
	requireRealKernels(t)
	_, cli := binaries(t)
	t72, t73 := sourceTree(t, "7.2"), sourceTree(t, "7.3")
	for _, tree := range []string{t72, t73} {
		if _, stderr, code := cliRun(t, cli, "abi", "extract", tree); code != 0 || stderr != "" {
			t.Errorf("abi extract %s: exit %d, stderr:\n%s", tree, code, stderr)
		}
	}
	for _, tree := range []string{t72, t73} {
		out, stderr, code := cliRun(t, cli, "abi", "diff", "K4+L-luo-v5+M2b", tree, "-o", "json")
		if stderr != "" || code&^4 != 0 {
			t.Errorf("abi diff registry → %s: exit %d, stderr:\n%s", tree, code, stderr)
		}
		var d struct {
			Findings []struct{ Kind, Class, Message string }
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("abi diff JSON: %v", err)
		}
		for _, f := range d.Findings {
			if f.Class == "breaking" || f.Kind == "struct-removed" {
				t.Errorf("registry → %s: %s %s: %s", tree, f.Class, f.Kind, f.Message)
			}
		}
	}
	if out, stderr, code := cliRun(t, cli, "abi", "diff", t72, t73); code != 0 || stderr != "" {
		t.Errorf("abi diff 7.2 → 7.3: exit %d\n%s%s", code, out, stderr)
	}
}
