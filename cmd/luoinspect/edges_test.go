package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/coretest"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// The edges of issue 15: inputs a user meets in the wild. Each must give
// one clear line (or a report plus one warning), the right exit code,
// under 200 MiB of peak RSS and under 15 s, and never a stack trace. The
// inputs are made in a temporary directory: sparse files cost no disk.

const (
	edgeMaxRSS  = 200 << 20
	edgeMaxTime = 15 * time.Second
)

var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "luoinspect-edges")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "luoinspect")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out}
	}
	return bin, nil
})

type buildError struct{ out []byte }

func (e *buildError) Error() string { return "go build: " + string(e.out) }

// edgeRun is one command's outcome with its cost.
type edgeRun struct {
	stdout, stderr string
	code           int
	rss            int64 // bytes
	took           time.Duration
}

// gnuTime measures peak RSS. A child that Go starts shares the test
// process's memory until it execs (vfork), and Linux keeps that high-water
// mark as the child's own; GNU time forks, so its child's peak is its own.
const gnuTime = "/usr/bin/time"

// runEdge runs the built command with stdin under GNU time, bounded by
// edgeMaxTime.
func runEdge(t *testing.T, stdin []byte, args ...string) edgeRun {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(gnuTime)
	testutil.RequireOracle(t, gnuTime+" (Debian time), which measures the peak RSS,", err)
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.Command(gnuTime, append([]string{"-q", "-f", "%M", "-o", rssFile, bin}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(edgeMaxTime, func() { cmd.Process.Kill() })
	cmd.Wait()
	timer.Stop()
	r := edgeRun{stdout: out.String(), stderr: errb.String(), took: time.Since(start), code: cmd.ProcessState.ExitCode()}
	if b, err := os.ReadFile(rssFile); err == nil {
		kb, _ := strconv.ParseInt(strings.TrimSpace(lastLine(string(b))), 10, 64)
		r.rss = kb * 1024
	}
	if r.took >= edgeMaxTime {
		t.Fatalf("luoinspect %s: killed after %v", strings.Join(args, " "), r.took)
	}
	return r
}

// lastLine is the last non-empty line of s (GNU time writes a status line
// before the figure when the command fails).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// check holds what every edge input must give.
func (r edgeRun) check(t *testing.T, args string, code int, line string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, code, r.stdout, r.stderr)
	}
	if r.rss > edgeMaxRSS {
		t.Errorf("%s: peak RSS %d MiB", args, r.rss>>20)
	}
	all := r.stdout + r.stderr
	if strings.Contains(all, "goroutine ") || strings.Contains(all, "panic:") {
		t.Errorf("%s: a stack trace:\n%s", args, all)
	}
	if line != "" && !strings.Contains(all, line) {
		t.Errorf("%s: no %q in\nstdout: %s\nstderr: %s", args, line, r.stdout, r.stderr)
	}
	t.Logf("%s: exit %d, %v, peak RSS %d MiB", args, r.code, r.took.Round(time.Millisecond), r.rss>>20)
}

// oneLine requires the error output to be exactly one line.
func (r edgeRun) oneLine(t *testing.T, args string) {
	t.Helper()
	if n := strings.Count(strings.TrimRight(r.stdout+r.stderr, "\n"), "\n"); n != 0 {
		t.Errorf("%s: %d lines, want one:\n%s%s", args, n+1, r.stdout, r.stderr)
	}
}

// sparseFile makes a file of size bytes holding data at offset off.
func sparseFile(t *testing.T, name string, size int64, off int64, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if data != nil {
		if _, err := f.WriteAt(data, off); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestEdgeBlobFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	huge := sparseFile(t, "huge.bin", 64<<30, 0, nil)
	big := sparseFile(t, "big.bin", 2<<30, 0, nil)
	for _, path := range []string{huge, big, "/dev/zero"} {
		for _, cmd := range [][]string{{"fdt", "check"}, {"fdt", "dts"}, {"hexdump", "--fdt"}} {
			args := append(append([]string{}, cmd...), path)
			r := runEdge(t, nil, args...)
			r.check(t, strings.Join(args, " "), cmdutil.ExitFindings, "not an FDT blob")
			r.oneLine(t, strings.Join(args, " "))
		}
	}
	// Without --fdt, hexdump shows the first bytes raw and says how many
	// more there are; a stream without an end is refused at 64 MiB.
	for path, want := range map[string]struct {
		code int
		line string
	}{huge: {cmdutil.ExitOK, "more bytes"}, big: {cmdutil.ExitOK, "more bytes"}, "/dev/zero": {cmdutil.ExitFindings, "larger than 64 MiB"}} {
		r := runEdge(t, nil, "hexdump", path)
		r.check(t, "hexdump "+path, want.code, want.line)
	}
}

func TestEdgeStdinAndPipes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	enc, err := handover.Encode(mustSample(t, "k1b-l619-m1"))
	if err != nil {
		t.Fatal(err)
	}
	r := runEdge(t, enc.Root, "fdt", "check", "-")
	r.check(t, "fdt check -", cmdutil.ExitOK, "standard input: ok:")
	r = runEdge(t, enc.Root, "dump", "-")
	r.check(t, "dump -", cmdutil.ExitOK, "KHO kho-v1")
	r = runEdge(t, enc.Root, "hexdump", "-")
	r.check(t, "hexdump -", cmdutil.ExitOK, "magic")
	// A pipe path, as the shell's <(cat root.dtb) gives.
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "dump", "/dev/fd/3")
	cmd.ExtraFiles = []*os.File{pr}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	pw.Write(enc.Root)
	pw.Close()
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "KHO kho-v1") {
		t.Errorf("dump /dev/fd/3 from a pipe: %v\n%s", err, out.String())
	}
}

func TestEdgeSparseRawImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	page := bytes.Repeat([]byte{0x5a}, 4096)
	img := sparseFile(t, "mem.raw", 64<<30, 40<<30, page)
	spec := "raw:" + img + "@0x0"
	for _, cmd := range []string{"dump", "validate"} {
		r := runEdge(t, nil, cmd, spec)
		r.check(t, cmd+" "+spec, cmdutil.ExitError, "no KHO root")
		r.oneLine(t, cmd+" "+spec)
		if r.took > 5*time.Second {
			t.Errorf("%s of a 64 GiB sparse image took %v: holes are not skipped", cmd, r.took)
		}
	}
}

func TestEdgeCores(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	enc, err := handover.Encode(mustSample(t, "k4-luov5-m2b"))
	if err != nil {
		t.Fatal(err)
	}
	// Guest RAM as QEMU dumps it: the state's pages, then 1 GiB more RAM
	// the file is cut in (at 300 MB), as a dump interrupted by a full disk.
	var segs []coretest.Segment
	for _, r := range enc.Image.Ranges() {
		b, _ := enc.Image.View(r.Start, r.Size)
		segs = append(segs, coretest.Segment{Addr: r.Start, Size: r.Size, Data: b})
	}
	segs = append(segs, coretest.Segment{Addr: 0x400000000, Size: 1 << 30})
	dir := t.TempDir()
	core := filepath.Join(dir, "cut.core")
	if _, err := coretest.Write(core, segs); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(core, 300<<20); err != nil {
		t.Fatal(err)
	}
	r := runEdge(t, nil, "dump", core)
	r.check(t, "dump cut.core", cmdutil.ExitOK, "truncated")
	if !strings.Contains(r.stdout, `session "big"`) || strings.Count(strings.TrimRight(r.stderr, "\n"), "\n") != 0 {
		t.Errorf("dump of a cut core: the state and one warning line expected\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
	// Cut inside the program headers: one line, and not called a snapshot.
	tiny := filepath.Join(dir, "tiny.core")
	if err := copyPrefix(core, tiny, 100); err != nil {
		t.Fatal(err)
	}
	r = runEdge(t, nil, "dump", tiny)
	r.check(t, "dump tiny.core", cmdutil.ExitError, "truncated")
	r.oneLine(t, "dump tiny.core")
	if strings.Contains(r.stderr, "snapshot") {
		t.Errorf("a cut ELF core is called a snapshot: %s", r.stderr)
	}
	// makedumpfile's kdump-compressed format is named, with what to do.
	kdump := filepath.Join(dir, "vmcore")
	if err := os.WriteFile(kdump, append([]byte("KDUMP   "), make([]byte, 4088)...), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runEdge(t, nil, "dump", kdump)
	r.check(t, "dump vmcore (kdump-compressed)", cmdutil.ExitError, "makedumpfile -E")
	r.oneLine(t, "dump vmcore")
	if strings.Contains(r.stderr, "raw:") {
		t.Errorf("kdump-compressed file: advice to say raw: %s", r.stderr)
	}
}

func mustSample(t *testing.T, name string) *handover.Spec {
	t.Helper()
	s, err := handover.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// copyPrefix writes the first n bytes of src to dst.
func copyPrefix(src, dst string, n int64) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, 0); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
