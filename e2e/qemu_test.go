package e2e

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// The guest the tests dump: a paused (-S) TCG pc machine with no devices,
// whose RAM holds the encoded state from guestBase on.
const (
	qemuBinary = "qemu-system-x86_64"
	guestRAM   = "64M"
	guestBase  = 0x1000000 // 16 MiB, inside guestRAM and clear of the BIOS areas
	// vmTimeout bounds one VM's whole life: start, QMP, dumps, quit.
	vmTimeout = 30 * time.Second
)

// requireQEMU returns the path of qemu-system-x86_64, skipping the test
// when it is missing (failing under LUOINSPECT_REQUIRE_ORACLES=1).
func requireQEMU(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath(qemuBinary)
	testutil.RequireOracle(t, qemuBinary+" (Debian qemu-system-x86)", err)
	return p
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// vm is a running QEMU with its QMP connection.
type vm struct {
	cmd    *exec.Cmd
	qmp    *QMP
	out    *lockedBuffer
	exited chan struct{}
	err    error // Wait's result, set before exited closes
}

// loader is one -device loader: a raw file placed at a guest physical
// address before the (paused) CPU would run.
type loader struct {
	file string
	addr uint64
}

// startVM starts a paused guest with the loaders' files in RAM and
// connects to its QMP socket. The process is killed when ctx ends and in
// t.Cleanup.
func startVM(ctx context.Context, t *testing.T, qemu string, loaders []loader) *vm {
	t.Helper()
	// A short directory: a unix socket path is limited to 107 bytes.
	sockDir, err := os.MkdirTemp("", "luoqmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "qmp.sock")
	args := []string{
		"-machine", "pc", "-accel", "tcg", "-m", guestRAM,
		"-nodefaults", "-no-user-config", "-nographic", "-display", "none", "-S",
		"-qmp", "unix:" + sock + ",server=on,wait=off",
	}
	for _, l := range loaders {
		// QEMU option values escape a comma by doubling it.
		args = append(args, "-device", fmt.Sprintf("loader,file=%s,addr=0x%x,force-raw=on", strings.ReplaceAll(l.file, ",", ",,"), l.addr))
	}
	v := &vm{out: &lockedBuffer{}, exited: make(chan struct{})}
	v.cmd = exec.CommandContext(ctx, qemu, args...)
	v.cmd.Stdin = nil
	v.cmd.Stdout = v.out
	v.cmd.Stderr = v.out
	v.cmd.WaitDelay = 5 * time.Second
	if err := v.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", qemu, err)
	}
	go func() {
		v.err = v.cmd.Wait()
		close(v.exited)
	}()
	t.Cleanup(func() {
		if v.qmp != nil {
			v.qmp.Close()
		}
		select {
		case <-v.exited:
		default:
			v.cmd.Process.Kill()
			<-v.exited
		}
	})
	v.qmp, err = DialQMP(ctx, sock, v.exited)
	if err != nil {
		t.Fatalf("%v\n%s %s\noutput:\n%s", err, qemu, strings.Join(args, " "), v.out.String())
	}
	return v
}

// execute runs a QMP command, failing the test on an error reply.
func (v *vm) execute(ctx context.Context, t *testing.T, command string, args any) {
	t.Helper()
	start := time.Now()
	if _, err := v.qmp.Execute(ctx, command, args); err != nil {
		t.Fatalf("%v\nqemu output:\n%s", err, v.out.String())
	}
	t.Logf("qmp %s: %v", command, time.Since(start).Round(time.Millisecond))
}

// quit asks QEMU to exit and waits for it.
func (v *vm) quit(ctx context.Context, t *testing.T) {
	t.Helper()
	// QEMU may close the socket before the reply gets out.
	if _, err := v.qmp.Execute(ctx, "quit", nil); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Errorf("qmp quit: %v", err)
	}
	select {
	case <-v.exited:
		if v.err != nil {
			t.Errorf("qemu exited with %v; output:\n%s", v.err, v.out.String())
		}
	case <-ctx.Done():
		t.Fatalf("qemu did not exit after quit: %v", ctx.Err())
	}
}

// flatten returns the image as one buffer covering [lo, hi), the holes
// between its ranges zero-filled.
func flatten(t *testing.T, img *phys.Image) (lo, hi uint64, buf []byte) {
	t.Helper()
	rs := img.Ranges()
	lo, hi = rs[0].Start, rs[len(rs)-1].End()
	buf = make([]byte, hi-lo)
	for _, r := range rs {
		b, ok := img.View(r.Start, r.Size)
		if !ok {
			t.Fatalf("image range 0x%x+0x%x has no view", r.Start, r.Size)
		}
		copy(buf[r.Start-lo:], b)
	}
	return lo, hi, buf
}

// sampleSpec returns a sample's spec based at guestBase, normalized.
func sampleSpec(t *testing.T, name string) *handover.Spec {
	t.Helper()
	spec, err := handover.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	spec.Base = guestBase
	spec.Normalize()
	return spec
}

// wantFromRAM is the spec a state decoded from guest RAM describes: the
// same as the input, except that every memfd has data. The encoder leaves
// folio pages without WithData out of the image, but in a guest they are
// RAM (zeroed), so a dump holds them and the decoder reports them.
func wantFromRAM(t *testing.T, name string) *handover.Spec {
	spec := sampleSpec(t, name)
	for i := range spec.Sessions {
		for j := range spec.Sessions[i].Files {
			if m := spec.Sessions[i].Files[j].Memfd; m != nil && m.Folios > 0 {
				m.WithData = true
			}
		}
	}
	return spec
}

// TestQEMUDump places every sample state into a paused QEMU guest's RAM
// with -device loader, takes a real ELF core with QMP dump-guest-memory
// and a raw image with QMP pmemsave, and requires each to read back as the
// state encoded: the same bytes, one KHO root found by scanning memory
// alone, and a walk that decodes to the input spec with no problems and
// every generation detected as the spec names it.
func TestQEMUDump(t *testing.T) {
	qemu := requireQEMU(t)
	cli := buildCLI(t)
	names := handover.SampleNames()
	if len(names) < 3 {
		t.Fatalf("only %d samples", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			spec := sampleSpec(t, name)
			enc, err := handover.Encode(spec)
			if err != nil {
				t.Fatal(err)
			}
			core, raw, lo := dumpGuest(t, qemu, enc)

			want := wantFromRAM(t, name)
			rawSpec := fmt.Sprintf("raw:%s@0x%x", raw, lo)

			c, err := source.OpenCore(core, source.CoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// The CPU is paused at reset, in real mode: QEMU writes
			// EM_386 unless long mode is active.
			if m := c.Machine(); m != elf.EM_386 && m != elf.EM_X86_64 {
				t.Errorf("core machine %v", m)
			}
			checkMemory(t, c, enc, want)

			r, err := source.Open(rawSpec)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			checkMemory(t, r, enc, want)

			// The CLI reads the same dumps to a spec that encodes back
			// into the same state (contents included: the guest's zeroed
			// pages are embedded or referenced), and finds nothing to
			// warn about.
			bin := cli(t)
			for i, src := range []string{core, rawSpec} {
				out := runCLI(t, bin, 0, "dump", src, "-o", "spec")
				if _, err := handover.ParseSpec(out); err != nil {
					t.Fatalf("dump %s -o spec: %v\n%s", src, err, out)
				}
				dir := t.TempDir()
				specFile := filepath.Join(dir, fmt.Sprintf("dumped-%d.yaml", i))
				if err := os.WriteFile(specFile, out, 0o644); err != nil {
					t.Fatal(err)
				}
				runCLI(t, bin, 0, "encode", specFile, "--out", filepath.Join(dir, "enc"))
				runCLI(t, bin, 0, "diff", src, filepath.Join(dir, "enc", "state.core"))
				runCLI(t, bin, 0, "validate", src)
			}
		})
	}
}

// dumpGuest runs a guest holding enc's image and returns the paths of its
// dump-guest-memory core and of a pmemsave image of the state's span,
// which starts at lo.
func dumpGuest(t *testing.T, qemu string, enc *handover.Encoded) (core, raw string, lo uint64) {
	t.Helper()
	dir := t.TempDir()
	lo, hi, buf := flatten(t, enc.Image)
	img := filepath.Join(dir, "state.raw")
	if err := os.WriteFile(img, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), vmTimeout)
	defer cancel()
	start := time.Now()
	v := startVM(ctx, t, qemu, []loader{{img, lo}})
	t.Logf("qemu started, QMP ready: %v", time.Since(start).Round(time.Millisecond))
	if ver, err := v.qmp.Execute(ctx, "query-version", nil); err == nil {
		t.Logf("query-version: %s", ver)
	}
	core = filepath.Join(dir, "core.elf")
	raw = filepath.Join(dir, "pmem.raw")
	// Without detach the dump is synchronous: the reply comes when the
	// file is complete.
	v.execute(ctx, t, "dump-guest-memory", map[string]any{"paging": false, "protocol": "file:" + core})
	v.execute(ctx, t, "pmemsave", map[string]any{"val": lo, "size": hi - lo, "filename": raw})
	v.quit(ctx, t)
	if out := v.out.String(); out != "" {
		t.Logf("qemu output:\n%s", out)
	}
	t.Logf("qemu total: %v (events %v)", time.Since(start).Round(time.Millisecond), v.qmp.Events)
	logLoads(t, core)
	return core, raw, lo
}

// logLoads logs the core's PT_LOAD segments, and fails when none carries
// the physical address it maps.
func logLoads(t *testing.T, core string) {
	t.Helper()
	f, err := elf.Open(core)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var loads []string
	paddr := false
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		loads = append(loads, fmt.Sprintf("paddr 0x%x vaddr 0x%x filesz 0x%x memsz 0x%x", p.Paddr, p.Vaddr, p.Filesz, p.Memsz))
		paddr = paddr || p.Paddr != 0
	}
	t.Logf("core %s: ELF%s %v, %d PT_LOADs:\n  %s", filepath.Base(core), map[elf.Class]string{elf.ELFCLASS32: "32", elf.ELFCLASS64: "64"}[f.Class], f.Type, len(loads), strings.Join(loads, "\n  "))
	if !paddr {
		t.Error("no PT_LOAD has a p_paddr")
	}
}

// checkMemory requires mem (a dump of the guest) to hold enc's image byte
// for byte, finds the KHO root by scanning mem alone, walks it, and
// requires the decoded state to be want.
func checkMemory(t *testing.T, mem source.Source, enc *handover.Encoded, want *handover.Spec) {
	t.Helper()
	t.Logf("source: %s", mem.Describe())
	for _, r := range enc.Image.Ranges() {
		exp, _ := enc.Image.View(r.Start, r.Size)
		got, err := phys.Read(mem, r.Start, r.Size, "image range")
		if err != nil {
			t.Fatalf("range 0x%x+0x%x: %v", r.Start, r.Size, err)
		}
		if !bytes.Equal(got, exp) {
			t.Fatalf("range 0x%x+0x%x differs from the image loaded", r.Start, r.Size)
		}
	}

	start := time.Now()
	refs, err := source.Scan(context.Background(), mem, source.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scanned := time.Since(start)
	if len(refs) != 1 || refs[0].Addr != enc.RootAddr {
		t.Fatalf("scan found %+v, want one root at 0x%x", refs, enc.RootAddr)
	}
	if _, err := mem.Blobs(); !errors.Is(err, source.ErrNoBlobs) {
		t.Errorf("Blobs() = %v, want ErrNoBlobs for a memory-only source", err)
	}
	blobs, err := source.BlobsFromMemory(mem, refs[0], "")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range blobs.Warnings {
		t.Errorf("blobs warning: %s", w)
	}
	if !bytes.Equal(blobs.Root, enc.Root) {
		t.Fatal("root read from memory differs from the root encoded")
	}
	for _, b := range blobs.Subs {
		if !bytes.Equal(b.Data, enc.Blobs[b.Name]) {
			t.Errorf("client %q blob read from memory differs from the one encoded", b.Name)
		}
	}
	if len(blobs.Subs) != len(enc.Blobs) {
		t.Errorf("%d client blobs read from memory, %d encoded", len(blobs.Subs), len(enc.Blobs))
	}

	// Memory only: the walk reads every client blob from mem too.
	st, err := handover.Walk(blobs.Root, mem, handover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scan %v, walk+scan %v", scanned.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	for _, p := range st.Problems {
		t.Errorf("problem: %v", p)
	}
	got := st.Spec(mem)
	got.Name, got.Description, got.Base = want.Name, want.Description, want.Base
	if !reflect.DeepEqual(got, want) {
		a, _ := got.JSON()
		b, _ := want.JSON()
		t.Fatalf("decoded spec differs:\n%s\nwant\n%s", a, b)
	}
	d := st.Detection
	if d.KHO.Tag != want.KHO || d.LUO.Tag != want.LUO || d.Memfd.Tag != want.Memfd {
		t.Errorf("detected %s/%s/%s (%v / %v / %v)", d.KHO.Tag, d.LUO.Tag, d.Memfd.Tag, d.KHO.Evidence, d.LUO.Evidence, d.Memfd.Evidence)
	}
	if st.Preserved == nil || st.Preserved.Len() != len(enc.Preserved) {
		t.Errorf("preserved map: %v, want %d blocks", st.Preserved, len(enc.Preserved))
	}
}

// buildCLI starts building the luoinspect command into a temporary
// directory, in the background so that it overlaps the guests' runs, and
// returns a function that waits for the build and gives the binary's path
// (failing the test it is called with when the build failed).
func buildCLI(t *testing.T) func(*testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "luoinspect")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/luoinspect")
	cmd.Dir = ".." // the module root
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("go build: %v", err)
	}
	done := make(chan error, 1)
	var took time.Duration
	go func() {
		err := cmd.Wait()
		took = time.Since(start)
		cancel()
		done <- err
	}()
	wait := sync.OnceValues(func() (string, error) {
		if err := <-done; err != nil {
			return "", fmt.Errorf("go build ./cmd/luoinspect: %v\n%s", err, out.String())
		}
		return bin, nil
	})
	t.Cleanup(func() { cancel(); wait() })
	var logged sync.Once
	return func(t *testing.T) string {
		t.Helper()
		bin, err := wait()
		if err != nil {
			t.Fatal(err)
		}
		logged.Do(func() { t.Logf("go build ./cmd/luoinspect took %v (in the background)", took.Round(time.Millisecond)) })
		return bin
	}
}

// buildTimeout bounds the CLI build; a warm build cache needs seconds.
const buildTimeout = 3 * time.Minute

// runCLI runs the luoinspect binary and requires exit status code; it
// returns the standard output.
func runCLI(t *testing.T, bin string, code int, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil && code == 0:
	case errors.As(err, &exit) && exit.ExitCode() == code:
	default:
		t.Errorf("luoinspect %s: %v, want exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, code, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}
