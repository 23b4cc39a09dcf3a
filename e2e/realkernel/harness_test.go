package realkernel

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/e2e/realkernel/guestproto"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// The guest's kernel command line; luoguest.phase tells the guest what to
// do and is rewritten for the kexec.
const baseCmdline = "console=ttyS0 kho=on liveupdate=on nokaslr panic=-1 reserve_mem=2M:4096:luotest luoguest.phase=" + guestproto.PhaseBefore

// requireRealKernels skips the test unless the real-kernel suite can run:
// QEMU installed and kernels buildable. Under LUOINSPECT_REQUIRE_ORACLES=1
// a missing piece fails instead. LUOINSPECT_REAL_KERNEL=0 skips always.
func requireRealKernels(t *testing.T) string {
	t.Helper()
	if testing.Short() || os.Getenv("LUOINSPECT_REAL_KERNEL") == "0" {
		t.Skip("real-kernel suite skipped (-short or LUOINSPECT_REAL_KERNEL=0)")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the real-kernel suite builds x86_64 guests on a linux/amd64 host")
	}
	return testutil.OraclePath(t, "qemu-system-x86_64")
}

func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

var (
	kernelsMu sync.Mutex
	kernels   = map[string]*Kernel{}
)

// kernel returns the built kernel of series (7.2 or 7.3), building it on
// first use.
func kernel(t *testing.T, series string) *Kernel {
	t.Helper()
	kernelsMu.Lock()
	defer kernelsMu.Unlock()
	if k, ok := kernels[series]; ok {
		return k
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	start := time.Now()
	k, err := BuildKernel(ctx, repoRoot(t), series)
	testutil.RequireOracle(t, "real kernel "+series, err)
	t.Logf("kernel %s: %s (Debian %s) ready in %v", series, k.Release, k.Package, time.Since(start).Round(time.Second))
	kernels[series] = k
	return k
}

var (
	binsOnce         sync.Once
	guestBin, cliBin string
	binsErr          error
)

// binaries builds the guest program and luoinspect, static.
func binaries(t *testing.T) (guest, cli string) {
	t.Helper()
	binsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "luoreal-bin")
		if err != nil {
			binsErr = err
			return
		}
		guestBin, cliBin = filepath.Join(dir, "init"), filepath.Join(dir, "luoinspect")
		for _, b := range []struct{ out, pkg string }{{guestBin, "./e2e/realkernel/guest"}, {cliBin, "./cmd/luoinspect"}} {
			cmd := exec.Command("go", "build", "-trimpath", "-o", b.out, b.pkg)
			cmd.Dir = repoRoot(t)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
			if out, err := cmd.CombinedOutput(); err != nil {
				binsErr = err
				t.Logf("go build %s: %s", b.pkg, out)
				return
			}
		}
	})
	if binsErr != nil {
		t.Fatalf("build guest binaries: %v", binsErr)
	}
	return guestBin, cliBin
}

// initrds writes the two archives of an update to next: the inner one the
// kexec'd kernel boots with, and the outer one that carries the inner one
// and next's kernel image for the kexec.
func initrds(t *testing.T, dir string, next *Kernel) (outer string) {
	t.Helper()
	guest, cli := binaries(t)
	inner := NewInitramfs()
	if err := inner.AddFile("init", guest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := inner.AddFile("bin/luoinspect", cli, 0o755); err != nil {
		t.Fatal(err)
	}
	innerPath := filepath.Join(dir, "inner.cpio")
	writeArchive(t, innerPath, inner)
	if err := inner.AddFile("boot/next", next.BzImage(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := inner.AddFile("boot/initrd", innerPath, 0o644); err != nil {
		t.Fatal(err)
	}
	outer = filepath.Join(dir, "outer.cpio")
	writeArchive(t, outer, inner)
	return outer
}

func writeArchive(t *testing.T, path string, r *Initramfs) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// shortDir is a temporary directory with a short path: unix socket paths
// are limited to 107 bytes.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "luoreal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("LUOINSPECT_KEEP") == "" {
			os.RemoveAll(d)
		} else {
			t.Logf("kept %s (LUOINSPECT_KEEP)", d)
		}
	})
	return d
}
