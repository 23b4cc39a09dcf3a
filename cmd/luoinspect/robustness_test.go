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
	"github.com/luoinspect/luoinspect/internal/cmdutil"
)

// TestCaptureSIGINT interrupts a capture while it writes and requires that
// the command exit 130 (128+SIGINT) and leave neither the output nor a
// temporary file. The
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
	// Interrupt as soon as the temporary file exists: the write has begun.
	stderr, err := interruptWhen(t, cmd, func() bool {
		ents, _ := os.ReadDir(outDir)
		return len(ents) > 0
	})
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != cmdutil.ExitSignal+int(syscall.SIGINT) {
		t.Fatalf("interrupted capture: %v (want exit 130); stderr: %s", err, stderr)
	}
	if got := stderr.String(); got != "luoinspect: interrupted by SIGINT\n" {
		t.Errorf("stderr %q, want one line saying SIGINT", got)
	}
	ents, _ := os.ReadDir(outDir)
	for _, e := range ents {
		t.Errorf("left behind: %s", e.Name())
	}
	t.Logf("stderr: %s", stderr)
}

// interruptWhen starts cmd, sends it SIGINT as soon as ready reports
// true, and returns how it ended and what it wrote on stderr. The test
// fails when cmd ends first or ready never holds within two minutes.
func interruptWhen(t *testing.T, cmd *exec.Cmd, ready func() bool) (*limitedBuffer, error) {
	t.Helper()
	stderr := &limitedBuffer{max: 4096}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("%s ended before it was interrupted (%v): %s", cmd.Args[1], err, stderr)
		default:
		}
		if ready() {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			return stderr, <-done
		}
	}
	_ = cmd.Process.Kill()
	t.Fatalf("%s: the moment to interrupt never came", cmd.Args[1])
	return nil, nil
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
