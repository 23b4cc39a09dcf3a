package fdt

// Helpers for oracle_test.go: building and running the libfdt oracle
// (testdata/oracle/libfdt_ops.c), an interpreter that runs the same op
// scripts through SeqWriter, Editor and Parse, and script builders.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// oracle runs the C program and, when available, dtc.
type oracle struct {
	bin string // compiled libfdt_ops
	dtc string // path of dtc, or "" when it is missing
}

// oracleUnavailable skips the test, or fails it when
// LUOINSPECT_REQUIRE_ORACLES=1 demands that the oracles run.
func oracleUnavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("LUOINSPECT_REQUIRE_ORACLES") == "1" {
		t.Fatalf("LUOINSPECT_REQUIRE_ORACLES=1 but %s", msg)
	}
	t.Skipf("libfdt oracle unavailable: %s (install gcc, libfdt-dev and device-tree-compiler)", msg)
}

// buildOracle compiles libfdt_ops.c into dir.
func buildOracle(t testing.TB, dir string) *oracle {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		oracleUnavailable(t, "gcc not found")
	}
	src, err := filepath.Abs(filepath.Join("..", "testdata", "oracle", "libfdt_ops.c"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("oracle source: %v", err)
	}
	bin := filepath.Join(dir, "libfdt_ops")
	out, err := exec.Command(gcc, "-O2", "-Wall", "-o", bin, src, "-lfdt").CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("libfdt.h")) || bytes.Contains(out, []byte("-lfdt")) {
			oracleUnavailable(t, "libfdt headers or library missing: %s", bytes.TrimSpace(out))
		}
		t.Fatalf("gcc %s: %v\n%s", src, err, out)
	}
	o := &oracle{bin: bin}
	if p, err := exec.LookPath("dtc"); err == nil {
		o.dtc = p
	} else if os.Getenv("LUOINSPECT_REQUIRE_ORACLES") == "1" {
		t.Fatalf("LUOINSPECT_REQUIRE_ORACLES=1 but dtc not found")
	} else {
		t.Log("dtc not found: the dtc-made cases and dtc round trips are left out")
	}
	return o
}

// needDTC skips a test that cannot do without dtc when it is missing.
func (o *oracle) needDTC(t testing.TB) {
	t.Helper()
	if o.dtc == "" {
		oracleUnavailable(t, "dtc not found")
	}
}

// oracleCResult is what the C program reported for a script.
type oracleCResult struct {
	errLine int    // line of the failing op, 0 when every op succeeded
	errName string // FDT_ERR_... of the failing op
	errText string
	log     []string // "check OK|FAIL" and walk lines, in order
	checks  []string // raw check results ("OK" or FDT_ERR_...)
	total   int      // totalsize of the last dump
	buffer  []byte   // whole buffer of the last dump
}

// run feeds script to the C program.
func (o *oracle) run(t testing.TB, script string) *oracleCResult {
	t.Helper()
	cmd := exec.Command(o.bin)
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s: %v", o.bin, err)
	}
	r := &oracleCResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		line := sc.Text()
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "error":
			r.errText = line
			name, after, _ := strings.Cut(rest, " line ")
			r.errName = name
			n, _, _ := strings.Cut(after, ":")
			r.errLine, _ = strconv.Atoi(n)
		case "check":
			r.checks = append(r.checks, rest)
			if rest == "OK" {
				r.log = append(r.log, "check OK")
			} else {
				r.log = append(r.log, "check FAIL")
			}
		case "node", "prop", "walk", "lookup":
			r.log = append(r.log, line)
		case "totalsize":
			r.total, _ = strconv.Atoi(rest)
		case "buffer":
			r.buffer = oracleUnhex(rest)
		default:
			t.Fatalf("oracle printed %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err != nil && r.errLine == 0 {
		t.Fatalf("oracle failed without an error line: %v\n%s", err, stderr.Bytes())
	}
	return r
}

// dtcRoundTrip passes blob through "dtc -I dtb -O dtb". -f keeps dtc from
// refusing blobs that libfdt writes happily (duplicate names).
func (o *oracle) dtcRoundTrip(t testing.TB, blob []byte, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-I", "dtb", "-O", "dtb", "-q", "-f"}, extra...)
	cmd := exec.Command(o.dtc, append(args, "-o", "-", "-")...)
	cmd.Stdin = bytes.NewReader(blob)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dtc -I dtb: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// dtcCompile compiles DTS source with dtc.
func (o *oracle) dtcCompile(t testing.TB, dts string, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-I", "dts", "-O", "dtb", "-q"}, extra...)
	cmd := exec.Command(o.dtc, append(args, "-o", "-", "-")...)
	cmd.Stdin = strings.NewReader(dts)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dtc -I dts: %v\n%s\n%s", err, stderr.Bytes(), dts)
	}
	return out
}

// oracleGoResult is what our package did with a script.
type oracleGoResult struct {
	errLine int
	err     error
	log     []string
	total   int
	buffer  []byte // whole working buffer
	blob    []byte // the blob as the API returns it (Finish, Editor.Blob)
	editing bool   // the failing op was an Editor edit (buffer comparable)
}

var errOracleNoEditor = errors.New("edit op before open_into")

// runGo interprets an op script with SeqWriter, Editor and Parse.
func runGoScript(script string) *oracleGoResult {
	r := &oracleGoResult{}
	var (
		w    *SeqWriter
		e    *Editor
		cur  []byte
		blob func() []byte
	)
	for i, line := range strings.Split(script, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		f := strings.Split(rest, " ") // single spaces, as the C program splits
		arg := func(k int) string {
			if k < len(f) {
				return f[k]
			}
			return ""
		}
		var err error
		edit := func(fn func(*Editor) error) {
			r.editing = true
			if e == nil {
				err = errOracleNoEditor
				return
			}
			err = fn(e)
		}
		switch op {
		case "create":
			w, e = NewSeqWriter(oracleAtoi(arg(0))), nil
			cur = w.Buffer()
			if cur == nil {
				err = ErrNoSpace // NewSeqWriter has no error result
			}
		case "rsv":
			err = w.AddReserve(oracleAtou64(arg(0)), oracleAtou64(arg(1)))
		case "finish_rsv":
			err = w.FinishReserveMap()
		case "begin":
			name := arg(0)
			if name == "-" {
				name = ""
			}
			err = w.BeginNode(name)
		case "prop":
			err = w.Property(arg(0), oracleUnhex(arg(1)))
		case "prop_str":
			_, s, _ := strings.Cut(rest, " ")
			err = w.PropertyString(arg(0), s)
		case "prop_strs":
			_, list, _ := strings.Cut(rest, " ")
			err = w.PropertyStrings(arg(0), strings.Split(list, " ")...)
		case "prop_u32":
			err = w.PropertyU32BE(arg(0), uint32(oracleAtou64(arg(1))))
		case "prop_u64le":
			err = w.PropertyU64LE(arg(0), oracleAtou64(arg(1)))
		case "end":
			err = w.EndNode()
		case "finish":
			var b []byte
			b, err = w.Finish()
			cur = w.Buffer()
			blob = func() []byte { return b }
		case "load":
			cur, w, e = oracleUnhex(arg(0)), nil, nil
			c := cur
			blob = func() []byte { return c[:min(len(c), int(oracleWord(c, 4)))] }
		case "open_into":
			e, err = OpenInto(cur, oracleAtoi(arg(0)))
			if err == nil {
				cur, blob = e.Buffer(), e.Blob
			}
		case "reopen":
			edit(func(e *Editor) error { e.Reopen(); return nil })
		case "add_subnode":
			edit(func(e *Editor) error { return e.AddSubnode(arg(0), arg(1)) })
		case "setprop":
			edit(func(e *Editor) error { return e.SetProp(arg(0), arg(1), oracleUnhex(arg(2))) })
		case "setprop_u64le":
			edit(func(e *Editor) error { return e.SetPropU64LE(arg(0), arg(1), oracleAtou64(arg(2))) })
		case "delprop":
			edit(func(e *Editor) error { return e.DelProp(arg(0), arg(1)) })
		case "del_node":
			edit(func(e *Editor) error { return e.DelNode(arg(0)) })
		case "pack":
			edit(func(e *Editor) error { e.Pack(); return nil })
		case "check":
			if _, perr := Parse(cur); perr != nil {
				r.log = append(r.log, "check FAIL")
			} else {
				r.log = append(r.log, "check OK")
			}
		case "walk":
			r.log = append(r.log, oracleGoWalk(cur)...)
		case "lookup":
			r.log = append(r.log, oracleGoLookup(cur, arg(0)))
		case "dump":
		default:
			err = fmt.Errorf("unknown op %q", op)
		}
		if err != nil {
			r.errLine, r.err = i+1, err
			r.buffer = cur
			return r
		}
		r.editing = false
	}
	r.buffer = cur
	r.total = int(oracleWord(cur, 4))
	if blob != nil {
		r.blob = blob()
	}
	return r
}

// goWalk lists the tree the way the C program's walk op does.
func oracleGoWalk(data []byte) []string {
	t, err := Parse(data)
	if err != nil {
		return []string{"walk FAIL " + err.Error()}
	}
	var out []string
	for n := range t.Nodes() {
		out = append(out, "node "+n.Path())
		for _, p := range n.Properties() {
			out = append(out, fmt.Sprintf("prop %s %d %s", p.Name, len(p.Value), oracleHex(p.Value)))
		}
	}
	return append(out, "walk OK")
}

// goLookup resolves path with Tree.Lookup the way the lookup op does.
func oracleGoLookup(data []byte, path string) string {
	t, err := Parse(data)
	if err != nil {
		return "lookup " + path + " " + oracleErrName(err)
	}
	n, ok := t.Lookup(path)
	if !ok {
		return "lookup " + path + " FDT_ERR_NOTFOUND"
	}
	return "lookup " + path + " " + n.Path()
}

// fdtErrName maps an error of this package to the libfdt error it imitates.
func oracleErrName(err error) string {
	for code, name := range map[Code]string{
		ErrTruncated: "FDT_ERR_TRUNCATED", ErrBadMagic: "FDT_ERR_BADMAGIC",
		ErrBadVersion: "FDT_ERR_BADVERSION", ErrBadLayout: "FDT_ERR_BADLAYOUT",
		ErrBadStructure: "FDT_ERR_BADSTRUCTURE", ErrBadString: "FDT_ERR_BADOFFSET",
		ErrNoSpace: "FDT_ERR_NOSPACE", ErrNotFound: "FDT_ERR_NOTFOUND",
		ErrExists: "FDT_ERR_EXISTS", ErrBadValue: "FDT_ERR_BADVALUE",
	} {
		if errors.Is(err, code) {
			return name
		}
	}
	return "?"
}

func oracleWord(b []byte, off int) uint32 {
	if len(b) < off+4 {
		return 0
	}
	return binary.BigEndian.Uint32(b[off:])
}

func oracleAtoi(s string) int {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		panic(err)
	}
	return int(n)
}

func oracleAtou64(s string) uint64 {
	n, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func oracleUnhex(s string) []byte {
	if s == "-" || s == "" {
		return []byte{}
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func oracleHex(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

// firstDiff describes where a and b first differ, with some context.
func oracleFirstDiff(a, b []byte) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n && len(a) == len(b) {
		return "equal"
	}
	lo, hi := max(0, i-8), i+24
	win := func(x []byte) string { return hex.EncodeToString(x[min(lo, len(x)):min(hi, len(x))]) }
	return fmt.Sprintf("lengths %d/%d, first difference at 0x%x:\n  libfdt [0x%x:] %s\n  ours   [0x%x:] %s",
		len(a), len(b), i, lo, win(a), lo, win(b))
}

// Script builders. Each returns op lines; script joins them.

func opScript(parts ...any) string {
	var b strings.Builder
	for _, l := range opLines(parts...) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func opLines(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		case []any:
			out = append(out, opLines(v...)...)
		default:
			panic(fmt.Sprintf("flat: %T", p))
		}
	}
	return out
}

// seqOps wraps body in create/finish_rsv … finish.
func seqOps(size int, body ...any) []string {
	return opLines(fmt.Sprintf("create %d", size), "finish_rsv", opLines(body...), "finish")
}

// nodeOps wraps body in begin/end; name "-" is the root.
func nodeOps(name string, body ...any) []string {
	return opLines("begin "+name, opLines(body...), "end")
}

func propOp(name string, v []byte) string    { return "prop " + name + " " + oracleHex(v) }
func propStrOp(name, s string) string        { return "prop_str " + name + " " + s }
func propU64Op(name string, v uint64) string { return fmt.Sprintf("prop_u64le %s %#x", name, v) }
func setpropOp(path, name string, v []byte) string {
	return "setprop " + path + " " + name + " " + oracleHex(v)
}
func setpropU64Op(path, name string, v uint64) string {
	return fmt.Sprintf("setprop_u64le %s %s %#x", path, name, v)
}
func loadOp(blob []byte) string { return "load " + oracleHex(blob) }

func oracleLE64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// seqBytes returns n bytes counting up from start.
func countingBytes(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
