// Package libfdtoracle runs op scripts through the real libfdt, for tests
// that compare this module's FDT writers with libfdt byte for byte.
//
// The oracle is a small C program (csrc/libfdt_ops.c, embedded here) linked
// with the system libfdt (Debian libfdt-dev). It reads an op script, one op
// per line (create, finish_rsv, begin, prop, prop_str, prop_u64le, end,
// finish, open_into, add_subnode, setprop, setprop_u64le, pack, …; the C
// file documents every op), runs each op with libfdt and prints the whole
// buffer. Get builds the program at most once per test binary; Run feeds
// it a script and parses what it printed. Script and the *Op functions
// build scripts.
//
// Without gcc or libfdt, Get skips the calling test, unless the environment
// sets LUOINSPECT_REQUIRE_ORACLES=1, in which case it fails it.
//
// This is a test helper: only _test.go files should import it.
package libfdtoracle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

//go:embed csrc/libfdt_ops.c
var source []byte

// Source returns the C source of the oracle program.
func Source() []byte { return bytes.Clone(source) }

// RequireEnv is the environment variable that turns a missing oracle from a
// skip into a failure when set to "1".
const RequireEnv = "LUOINSPECT_REQUIRE_ORACLES"

// Required reports whether RequireEnv demands that the oracles run.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Unavailable skips the test because an oracle tool is missing, or fails
// it when Required.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s=1 but %s", RequireEnv, msg)
	}
	t.Skipf("libfdt oracle unavailable: %s (install gcc, libfdt-dev and device-tree-compiler)", msg)
}

// Oracle is a built oracle program.
type Oracle struct {
	// Bin is the path of the compiled libfdt_ops program.
	Bin string
	// DTC is the path of dtc, or "" when it is not installed. Get does not
	// require dtc; tests that need it call NeedDTC.
	DTC string
}

var (
	once     sync.Once
	built    *Oracle
	buildErr error // set when the build failed for a reason other than a missing tool
	missing  string
)

// Get returns the oracle, building it on first use. The program is
// compiled once per test binary into a directory under os.TempDir named
// after a hash of the source and the compiler, so that concurrent test
// binaries and later runs share it (the build goes to a private file
// first and is renamed into place). When gcc or libfdt is missing, Get
// calls Unavailable.
func Get(t testing.TB) *Oracle {
	t.Helper()
	once.Do(build)
	switch {
	case missing != "":
		Unavailable(t, "%s", missing)
	case buildErr != nil:
		t.Fatalf("libfdt oracle: %v", buildErr)
	}
	return built
}

func build() {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		missing = "gcc not found"
		return
	}
	version, _ := exec.Command(gcc, "-dumpfullversion", "-dumpversion").Output()
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", gcc, bytes.TrimSpace(version))
	h.Write(source)
	dir := filepath.Join(os.TempDir(), "luoinspect-libfdtoracle-"+hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, "libfdt_ops")
	o := &Oracle{Bin: bin}
	if p, err := exec.LookPath("dtc"); err == nil {
		o.DTC = p
	}
	// A cached program that no longer runs (libfdt removed since) is
	// rebuilt, which then reports what is missing.
	if exec.Command(bin).Run() == nil {
		built = o
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		buildErr = err
		return
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		buildErr = err
		return
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "libfdt_ops.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		buildErr = err
		return
	}
	out, err := exec.Command(gcc, "-O2", "-Wall", "-o", filepath.Join(tmp, "libfdt_ops"), src, "-lfdt").CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("libfdt.h")) || bytes.Contains(out, []byte("-lfdt")) {
			missing = fmt.Sprintf("libfdt headers or library missing: %s", bytes.TrimSpace(out))
			return
		}
		buildErr = fmt.Errorf("gcc libfdt_ops.c: %v\n%s", err, out)
		return
	}
	if err := os.Rename(filepath.Join(tmp, "libfdt_ops"), bin); err != nil {
		buildErr = err
		return
	}
	built = o
}

// NeedDTC skips a test that cannot do without dtc when it is missing (or
// fails it when Required).
func (o *Oracle) NeedDTC(t testing.TB) {
	t.Helper()
	if o.DTC == "" {
		Unavailable(t, "dtc not found")
	}
}

// OpError is a libfdt call of a script that failed.
type OpError struct {
	Line int    // 1-based script line of the failing op
	Name string // libfdt's error name, e.g. "FDT_ERR_NOSPACE"
	Text string // the whole line the program printed
}

func (e *OpError) Error() string { return "libfdt: " + e.Text }

// Result is what the oracle printed for a script.
type Result struct {
	// Buffer is the whole working buffer at the last dump: the exact blob
	// and, behind its totalsize, whatever libfdt left in the buffer.
	Buffer []byte
	// TotalSize is the header's totalsize at the last dump.
	TotalSize int
	// Err is the failing op, nil when every op succeeded. The program stops
	// at the first failure; Buffer is then the buffer that op left.
	Err *OpError
	// Log holds "check OK", "check FAIL", walk and lookup lines in order.
	Log []string
	// Checks holds the raw fdt_check_full results ("OK" or FDT_ERR_...).
	Checks []string
}

// Blob returns the exact blob, Buffer[:TotalSize] (all of Buffer when
// TotalSize is out of range).
func (r *Result) Blob() []byte {
	if r.TotalSize < 0 || r.TotalSize > len(r.Buffer) {
		return r.Buffer
	}
	return r.Buffer[:r.TotalSize]
}

// Run feeds script to the oracle program and parses its output. A failing
// libfdt call is reported in Result.Err, not as a test failure; output the
// program should never print fails the test.
func (o *Oracle) Run(t testing.TB, script string) *Result {
	t.Helper()
	cmd := exec.Command(o.Bin)
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s: %v", o.Bin, err)
	}
	r := &Result{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<27)
	for sc.Scan() {
		line := sc.Text()
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "error":
			name, after, _ := strings.Cut(rest, " line ")
			n, _, _ := strings.Cut(after, ":")
			e := &OpError{Name: name, Text: line}
			e.Line, _ = strconv.Atoi(n)
			r.Err = e
		case "check":
			r.Checks = append(r.Checks, rest)
			if rest == "OK" {
				r.Log = append(r.Log, "check OK")
			} else {
				r.Log = append(r.Log, "check FAIL")
			}
		case "node", "prop", "walk", "lookup":
			r.Log = append(r.Log, line)
		case "totalsize":
			r.TotalSize, _ = strconv.Atoi(rest)
		case "buffer":
			r.Buffer = Unhex(rest)
		default:
			t.Fatalf("oracle printed %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err != nil && r.Err == nil {
		t.Fatalf("oracle failed without an error line: %v\n%s", err, stderr.Bytes())
	}
	return r
}

// MustRun is Run for scripts that must succeed: a failing op fails the
// test.
func (o *Oracle) MustRun(t testing.TB, script string) *Result {
	t.Helper()
	r := o.Run(t, script)
	if r.Err != nil {
		t.Fatalf("libfdt script failed: %v\n%s", r.Err, script)
	}
	return r
}

// DTCRoundTrip passes blob through "dtc -I dtb -O dtb". -f keeps dtc from
// refusing blobs that libfdt writes happily (duplicate names). Call
// NeedDTC first.
func (o *Oracle) DTCRoundTrip(t testing.TB, blob []byte, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-I", "dtb", "-O", "dtb", "-q", "-f"}, extra...)
	cmd := exec.Command(o.DTC, append(args, "-o", "-", "-")...)
	cmd.Stdin = bytes.NewReader(blob)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dtc -I dtb: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// DTCCompile compiles DTS source with dtc. Call NeedDTC first.
func (o *Oracle) DTCCompile(t testing.TB, dts string, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-I", "dts", "-O", "dtb", "-q"}, extra...)
	cmd := exec.Command(o.DTC, append(args, "-o", "-", "-")...)
	cmd.Stdin = strings.NewReader(dts)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dtc -I dts: %v\n%s\n%s", err, stderr.Bytes(), dts)
	}
	return out
}

// Hex encodes b as the scripts and the program do: lowercase hex, "-" for
// no bytes.
func Hex(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

// Unhex decodes Hex's encoding; it panics on bad input (test data).
func Unhex(s string) []byte {
	if s == "-" || s == "" {
		return []byte{}
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// FirstDiff describes where libfdt's bytes want and ours got first differ,
// with some context; "equal" when they do not.
func FirstDiff(want, got []byte) string {
	n := min(len(want), len(got))
	i := 0
	for i < n && want[i] == got[i] {
		i++
	}
	if i == n && len(want) == len(got) {
		return "equal"
	}
	lo, hi := max(0, i-8), i+24
	win := func(x []byte) string { return hex.EncodeToString(x[min(lo, len(x)):min(hi, len(x))]) }
	return fmt.Sprintf("lengths %d/%d, first difference at 0x%x:\n  libfdt [0x%x:] %s\n  ours   [0x%x:] %s",
		len(want), len(got), i, lo, win(want), lo, win(got))
}

// Compare reports an error on t unless ours equals libfdt's bytes, naming
// what was compared and where the bytes first differ.
func Compare(t testing.TB, what string, libfdt, ours []byte) bool {
	t.Helper()
	if bytes.Equal(libfdt, ours) {
		return true
	}
	t.Errorf("%s differs from libfdt: %s", what, FirstDiff(libfdt, ours))
	return false
}
