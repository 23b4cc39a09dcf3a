package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/handover"
)

// TestCaptureSIGINT interrupts a capture while it writes and requires that
// the command fail and leave neither the output nor a temporary file. The
// source is a sparse raw image holding a state with a 1 GiB memfd whose
// folio pages (holes, read as zeros) --with-data copies: long enough to be
// caught mid-write.
func TestCaptureSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and writes up to 1 GiB")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "luoinspect")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	spec := &handover.Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", Sessions: []handover.SessionSpec{
		{Name: "vm0", Files: []handover.FileSpec{{Token: 1, Memfd: &handover.MemfdSpec{Size: 1 << 30}}}},
	}}
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "mem.raw")
	f, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	var end uint64
	for _, r := range enc.Image.Ranges() {
		b, _ := enc.Image.View(r.Start, r.Size)
		if _, err := f.WriteAt(b, int64(r.Start-handover.DefaultBase)); err != nil {
			t.Fatal(err)
		}
		end = max(end, r.End())
	}
	for _, b := range enc.Preserved {
		end = max(end, b.Addr+b.Size())
	}
	if err := f.Truncate(int64(end - handover.DefaultBase)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "capture", fmt.Sprintf("raw:%s@%#x", raw, uint64(handover.DefaultBase)), "--with-data", "--out", filepath.Join(outDir, "state.core"))
	stderr := &limitedBuffer{max: 4096}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Interrupt as soon as the temporary file exists: the write has begun.
	deadline := time.Now().Add(2 * time.Minute)
	signalled := false
	for !signalled && time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("capture ended before it was interrupted (%v): %s", err, stderr)
		default:
		}
		if ents, _ := os.ReadDir(outDir); len(ents) > 0 {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
		time.Sleep(time.Millisecond)
	}
	if !signalled {
		_ = cmd.Process.Kill()
		t.Fatal("no temporary file appeared")
	}
	err = <-done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("interrupted capture: %v (want exit %d); stderr: %s", err, exitError, stderr)
	}
	ents, _ := os.ReadDir(outDir)
	for _, e := range ents {
		t.Errorf("left behind: %s", e.Name())
	}
	t.Logf("stderr: %s", stderr)
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	max int
	b   []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.b = append(l.b, p[:min(len(p), max(0, l.max-len(l.b)))]...)
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
