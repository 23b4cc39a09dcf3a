package fdt

// Helpers for oracle_test.go: the libfdt oracle (internal/libfdtoracle),
// an interpreter that runs the same op scripts through SeqWriter, Editor
// and Parse, and the Go side of the comparisons.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	ora "github.com/luoinspect/luoinspect/internal/libfdtoracle"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// oracle is the libfdt oracle; dtc is optional except where a test calls
// NeedDTC.
type oracle struct{ *ora.Oracle }

// buildOracle returns the oracle (built once per test binary). Without
// dtc the dtc-made cases and round trips are left out, unless
// LUOINSPECT_REQUIRE_ORACLES=1 demands them.
func buildOracle(t testing.TB) *oracle {
	t.Helper()
	o := ora.Get(t)
	if o.DTC == "" {
		if testutil.OraclesRequired() {
			t.Fatalf("%s=1 but dtc not found", testutil.RequireOraclesEnv)
		}
		t.Log("dtc not found: the dtc-made cases and dtc round trips are left out")
	}
	return &oracle{o}
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
	r := o.Run(t, script)
	c := &oracleCResult{log: r.Log, checks: r.Checks, total: r.TotalSize, buffer: r.Buffer}
	if r.Err != nil {
		c.errLine, c.errName, c.errText = r.Err.Line, r.Err.Name, r.Err.Text
	}
	return c
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
			err = w.Property(arg(0), ora.Unhex(arg(1)))
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
			cur, w, e = ora.Unhex(arg(0)), nil, nil
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
			edit(func(e *Editor) error { return e.SetProp(arg(0), arg(1), ora.Unhex(arg(2))) })
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
			out = append(out, fmt.Sprintf("prop %s %d %s", p.Name, len(p.Value), ora.Hex(p.Value)))
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
