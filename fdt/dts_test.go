package fdt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

// dtsRunDTC runs dtc with input in a file and returns the output file's bytes.
func dtsRunDTC(t *testing.T, dtc, inFmt, outFmt string, input []byte) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in."+inFmt)
	out := filepath.Join(dir, "out."+outFmt)
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dtc, "-I", inFmt, "-O", outFmt, "-o", out, in)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("dtc -I %s -O %s: %v\n%s", inFmt, outFmt, err, msg)
	}
	return os.ReadFile(out)
}

func dtsBuild(t *testing.T, f func(w *SeqWriter)) []byte {
	t.Helper()
	w := NewSeqWriter(0)
	f(w)
	b, err := w.Finish()
	if err != nil {
		t.Fatalf("SeqWriter: %v", err)
	}
	return b
}

type dtsCase struct {
	name  string
	build func(w *SeqWriter)
}

func dtsCases() []dtsCase {
	u64le := func(w *SeqWriter, name string, v uint64) { w.PropertyU64LE(name, v) }
	return []dtsCase{
		{"kho-root", func(w *SeqWriter) {
			w.BeginNode("")
			w.PropertyString("compatible", "kho-v1")
			u64le(w, "preserved-memory-map", 0x116be4000)
			w.BeginNode("memblock")
			w.PropertyString("compatible", "memblock-v1")
			w.BeginNode("reserve_mem")
			u64le(w, "start", 0x1f0000000)
			u64le(w, "size", 0x100000)
			w.EndNode()
			w.EndNode()
			w.BeginNode("LUO")
			u64le(w, "fdt", 0x10a3c5000)
			w.EndNode()
			w.EndNode()
		}},
		{"luo-fdt", func(w *SeqWriter) {
			w.BeginNode("")
			w.PropertyString("compatible", "luo-v1")
			u64le(w, "liveupdate-number", 3)
			w.BeginNode("luo-session")
			w.PropertyString("compatible", "luo-session-v1")
			u64le(w, "luo-session-header", 0x1234567000)
			w.EndNode()
			w.BeginNode("luo-flb")
			w.PropertyString("compatible", "luo-flb-v1")
			u64le(w, "luo-flb-header", 0)
			u64le(w, "count", 0xffffffffffffffff)
			w.EndNode()
			w.EndNode()
		}},
		{"strings", func(w *SeqWriter) {
			w.BeginNode("")
			w.PropertyString("quote", `say "hi"`)
			w.PropertyString("backslash", `C:\dir\`)
			w.PropertyStrings("list", "a", "b c", "d,e")
			w.PropertyString("comment-like", "/* not a comment */ // nor this")
			w.PropertyString("punct", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~")
			w.PropertyString("one-char", "x")
			w.PropertyString("eight", "abcdefg") // 8 bytes, printed as a string
			w.PropertyString("tab", "a\tb")      // not printable for dtc: bytes
			w.PropertyString("high", "caf\xe9")  // not printable for dtc: bytes
			w.Property("empty-string", []byte{0})
			w.Property("double-nul", []byte("a\x00\x00"))
			w.Property("no-nul", []byte("abcd"))
			w.EndNode()
		}},
		{"bytes", func(w *SeqWriter) {
			w.BeginNode("")
			w.Property("b1", []byte{0x00})
			w.Property("b2", []byte{0xff, 0x01})
			w.Property("b3", []byte{1, 2, 3})
			w.Property("b5", []byte{0, 0x10, 0x20, 0x30, 0x40})
			w.Property("b7", []byte{9, 8, 7, 6, 5, 4, 3})
			w.Property("c1", []byte{0xde, 0xad, 0xbe, 0xef})
			w.Property("c3", []byte{0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff})
			w.Property("zeros", make([]byte, 16))
			w.PropertyU32BE("#address-cells", 2)
			w.Property("b4k", bytes.Repeat([]byte{0xa5, 0x5a, 0x00}, 11))
			w.EndNode()
		}},
		{"empty", func(w *SeqWriter) {
			w.BeginNode("")
			w.Property("flag", nil)
			w.BeginNode("node@0")
			w.Property("ranges", nil)
			w.Property("dma-coherent", nil)
			w.EndNode()
			w.BeginNode("leaf")
			w.EndNode()
			w.EndNode()
		}},
		{"root-only", func(w *SeqWriter) {
			w.BeginNode("")
			w.EndNode()
		}},
		{"reserve", func(w *SeqWriter) {
			w.AddReserve(0x1000, 0x2000)
			w.AddReserve(0xffffffff00000000, 0xffffffffffffffff)
			w.AddReserve(0, 1)
			w.BeginNode("")
			w.PropertyU32BE("#size-cells", 1)
			w.EndNode()
		}},
		{"deep", func(w *SeqWriter) {
			w.BeginNode("")
			const depth = 40
			for i := range depth {
				w.BeginNode(fmt.Sprintf("level%d@%x", i, i))
				w.PropertyU32BE("depth", uint32(i))
				if i%7 == 0 {
					w.BeginNode("side")
					w.EndNode()
				}
			}
			for range depth {
				w.EndNode()
			}
			w.BeginNode("after")
			w.EndNode()
			w.EndNode()
		}},
		{"names", func(w *SeqWriter) {
			w.BeginNode("")
			w.Property("#address-cells", []byte{0, 0, 0, 1})
			w.Property("?*#,._+-", []byte{1})
			w.Property("0", []byte{2})
			w.Property("0x10", []byte{3})
			w.Property("linux,phandle", []byte{0, 0, 0, 7})
			w.Property("phandle", []byte{0, 0, 0, 7})
			w.BeginNode("A,B.c_d+e-f@1,2")
			w.Property("phandle", []byte("abc\x00")) // a printable 4-byte phandle
			w.EndNode()
			w.BeginNode("@unit-only")
			w.EndNode()
			w.BeginNode("trailing-at@")
			w.EndNode()
			w.BeginNode("0x20")
			w.EndNode()
			w.BeginNode("memory@0")
			w.EndNode()
			w.BeginNode("memory") // no exact duplicate of memory@0
			w.EndNode()
			w.EndNode()
		}},
		{"one-char-names", func(w *SeqWriter) {
			w.BeginNode("")
			for i, n := range []string{"#", "?", "*", ",", "-", ".", "_", "+", "9"} {
				w.Property(n, []byte{byte(i)})
			}
			for _, n := range []string{"@", "-", ".", "+", ",", "_", "9"} {
				w.BeginNode(n)
				w.EndNode()
			}
			w.EndNode()
		}},
	}
}

// dtsSemProp and dtsSemNode hold a tree in a form both our parser and the DTS reader
// below produce, for semantic comparison.
type dtsSemProp struct {
	name  string
	value []byte
}

type dtsSemNode struct {
	name  string
	props []dtsSemProp
	kids  []*dtsSemNode
}

type dtsSemTree struct {
	reserve [][2]uint64
	root    *dtsSemNode
}

func dtsSem(t *Tree) *dtsSemTree {
	st := &dtsSemTree{}
	for _, r := range t.Reserve {
		st.reserve = append(st.reserve, [2]uint64{r.Address, r.Size})
	}
	var conv func(n Node) *dtsSemNode
	conv = func(n Node) *dtsSemNode {
		s := &dtsSemNode{name: n.Name()}
		for _, p := range n.Properties() {
			s.props = append(s.props, dtsSemProp{p.Name, bytes.Clone(p.Value)})
		}
		for c := range n.Children() {
			s.kids = append(s.kids, conv(c))
		}
		return s
	}
	st.root = conv(t.Root())
	return st
}

// dtsDiff returns a description of the first difference, or "".
func dtsDiff(a, b *dtsSemTree) string {
	if fmt.Sprint(a.reserve) != fmt.Sprint(b.reserve) {
		return fmt.Sprintf("reserve entries %x vs %x", a.reserve, b.reserve)
	}
	var walk func(x, y *dtsSemNode, path string) string
	walk = func(x, y *dtsSemNode, path string) string {
		if x.name != y.name {
			return fmt.Sprintf("%s: node name %q vs %q", path, x.name, y.name)
		}
		if len(x.props) != len(y.props) {
			return fmt.Sprintf("%s: %d properties vs %d", path, len(x.props), len(y.props))
		}
		for i := range x.props {
			if x.props[i].name != y.props[i].name || !bytes.Equal(x.props[i].value, y.props[i].value) {
				return fmt.Sprintf("%s: property %d: %q=% x vs %q=% x", path, i,
					x.props[i].name, x.props[i].value, y.props[i].name, y.props[i].value)
			}
		}
		if len(x.kids) != len(y.kids) {
			return fmt.Sprintf("%s: %d subnodes vs %d", path, len(x.kids), len(y.kids))
		}
		for i := range x.kids {
			if d := walk(x.kids[i], y.kids[i], strings.TrimSuffix(path, "/")+"/"+x.kids[i].name); d != "" {
				return d
			}
		}
		return ""
	}
	return walk(a.root, b.root, "/")
}

func TestWriteDTSGolden(t *testing.T) {
	type variant struct {
		suffix string
		opts   DTSOptions
	}
	variants := map[string][]variant{
		"kho-root": {
			{".offsets", DTSOptions{Offsets: true}},
			{".no-u64", DTSOptions{DecodeU64LE: func(string, string) bool { return false }}},
		},
		"luo-fdt": {
			{".session-only", DTSOptions{DecodeU64LE: func(path, prop string) bool {
				return path == "/luo-session"
			}}},
		},
	}
	for _, c := range dtsCases() {
		tree, err := Parse(dtsBuild(t, c.build))
		if err != nil {
			t.Fatalf("%s: Parse: %v", c.name, err)
		}
		for _, v := range append([]variant{{"", DTSOptions{}}}, variants[c.name]...) {
			var b bytes.Buffer
			if err := tree.WriteDTS(&b, v.opts); err != nil {
				t.Fatalf("%s%s: WriteDTS: %v", c.name, v.suffix, err)
			}
			testutil.Golden(t, filepath.Join("testdata", "dts"), c.name+v.suffix+".dts", b.Bytes())
		}
	}
}

func TestWriteDTSKHOAnnotation(t *testing.T) {
	tree, err := Parse(dtsBuild(t, dtsCases()[0].build))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tree.WriteDTS(&b, DTSOptions{}); err != nil {
		t.Fatal(err)
	}
	// docs/abi/fdt-layout.md §6: stored 0x116be4000 is shown by dtc as <0x40be16 0x1000000>.
	want := "\tpreserved-memory-map = <0x40be16 0x1000000>; /* u64 LE: 0x116be4000 */\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("missing %q in\n%s", want, b.String())
	}
	if strings.Contains(b.String(), "compatible = \"kho-v1\"; /*") {
		t.Errorf("string property annotated:\n%s", b.String())
	}
}

func TestWriteDTSForcedU64(t *testing.T) {
	// An 8-byte value that happens to be a printable string: as a string by
	// default, as cells with the decoded value when the caller says u64.
	blob := dtsBuild(t, func(w *SeqWriter) {
		w.BeginNode("")
		w.PropertyU64LE("pos", 0x0041414141414141)
		w.EndNode()
	})
	tree, err := Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	var plain, forced bytes.Buffer
	if err := tree.WriteDTS(&plain, DTSOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plain.String(), "\tpos = \"AAAAAAA\";\n") {
		t.Errorf("default output:\n%s", plain.String())
	}
	isPos := func(path, prop string) bool { return path == "/" && prop == "pos" }
	if err := tree.WriteDTS(&forced, DTSOptions{DecodeU64LE: isPos}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(forced.String(), "\tpos = <0x41414141 0x41414100>; /* u64 LE: 0x41414141414141 */\n") {
		t.Errorf("forced output:\n%s", forced.String())
	}
}

func TestWriteDTSNoRoot(t *testing.T) {
	tree := &Tree{}
	var b bytes.Buffer
	if err := tree.WriteDTS(&b, DTSOptions{}); err == nil {
		t.Fatal("no error for a tree without a root")
	}
}

// TestWriteDTSRoundTrip compiles our source with dtc and checks that the
// blob it makes holds the same tree, then checks our source against dtc's
// own decompilation, read by a small DTS reader (semantically, not as text).
func TestWriteDTSRoundTrip(t *testing.T) {
	dtc := testutil.OraclePath(t, "dtc")
	for _, c := range dtsCases() {
		t.Run(c.name, func(t *testing.T) {
			blob := dtsBuild(t, c.build)
			tree, err := Parse(blob)
			if err != nil {
				t.Fatal(err)
			}
			want := dtsSem(tree)
			for _, opts := range []DTSOptions{{}, {Offsets: true}} {
				var src bytes.Buffer
				if err := tree.WriteDTS(&src, opts); err != nil {
					t.Fatal(err)
				}
				dtb, err := dtsRunDTC(t, dtc, "dts", "dtb", src.Bytes())
				if err != nil {
					t.Fatalf("%v\nsource:\n%s", err, src.Bytes())
				}
				back, err := Parse(dtb)
				if err != nil {
					t.Fatalf("Parse(dtc output): %v", err)
				}
				if d := dtsDiff(want, dtsSem(back)); d != "" {
					t.Errorf("dtc -I dts -O dtb of our source differs: %s\nsource:\n%s", d, src.Bytes())
				}
				ours, err := dtsRead(src.String())
				if err != nil {
					t.Fatalf("reading our source: %v\n%s", err, src.Bytes())
				}
				if d := dtsDiff(want, ours); d != "" {
					t.Errorf("our source read back differs: %s", d)
				}
			}

			theirs, err := dtsRunDTC(t, dtc, "dtb", "dts", blob)
			if err != nil {
				t.Fatal(err)
			}
			st, err := dtsRead(string(theirs))
			if err != nil {
				t.Fatalf("reading dtc's source: %v\n%s", err, theirs)
			}
			if d := dtsDiff(want, st); d != "" {
				t.Errorf("dtc -I dtb -O dts differs from ours: %s\ndtc:\n%s", d, theirs)
			}
		})
	}
}

// TestQuoteDTSStringDTC checks every byte value through dtc's lexer.
func TestQuoteDTSStringDTC(t *testing.T) {
	dtc := testutil.OraclePath(t, "dtc")
	var all []byte
	for c := 1; c < 256; c++ {
		all = append(all, byte(c))
	}
	inputs := []string{string(all), `\x41"\\`, "\\", "\"", "x\x01y", "\x7f\x80\xff", "\\x", "*/", "/*"}
	var src strings.Builder
	src.WriteString("/dts-v1/;\n/ {\n")
	for i, s := range inputs {
		fmt.Fprintf(&src, "\ts%d = %s;\n", i, quoteDTSString(s))
	}
	src.WriteString("};\n")
	dtb, err := dtsRunDTC(t, dtc, "dts", "dtb", []byte(src.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, src.String())
	}
	tree, err := Parse(dtb)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range inputs {
		p, ok := tree.Root().Property(fmt.Sprintf("s%d", i))
		if !ok {
			t.Fatalf("s%d missing", i)
		}
		if want := append([]byte(s), 0); !bytes.Equal(p.Value, want) {
			t.Errorf("s%d: %s compiled to % x, want % x", i, quoteDTSString(s), p.Value, want)
		}
	}
}

type dtsRejectCase struct {
	name  string
	build func(w *SeqWriter)
}

func dtsRejectCases() []dtsRejectCase {
	root := func(f func(w *SeqWriter)) func(w *SeqWriter) {
		return func(w *SeqWriter) {
			w.BeginNode("")
			f(w)
			w.EndNode()
		}
	}
	node := func(name string) func(w *SeqWriter) {
		return root(func(w *SeqWriter) { w.BeginNode(name); w.EndNode() })
	}
	prop := func(name string, v []byte) func(w *SeqWriter) {
		return root(func(w *SeqWriter) { w.Property(name, v) })
	}
	return []dtsRejectCase{
		{"empty node name", node("")},
		{"space in node name", node("a b")},
		{"hash in node name", node("n#x")},
		{"star in node name", node("n*x")},
		{"two @", node("a@b@c")},
		{"non-ASCII node name", node("caf\xe9")},
		{"slash in node name", node("a/b")},
		{"empty property name", prop("", []byte{1})},
		{"@ in property name", prop("a@b", []byte{1})},
		{"space in property name", prop("a b", nil)},
		{"brace in property name", prop("a{", nil)},
		{"duplicate node", root(func(w *SeqWriter) {
			w.BeginNode("x")
			w.EndNode()
			w.BeginNode("x")
			w.EndNode()
		})},
		{"duplicate property", root(func(w *SeqWriter) {
			w.PropertyU32BE("a", 1)
			w.PropertyU32BE("a", 2)
		})},
		{"matching name property", root(func(w *SeqWriter) {
			w.BeginNode("x@1")
			w.PropertyString("name", "x")
			w.EndNode()
		})},
		{"other name property", root(func(w *SeqWriter) {
			w.BeginNode("x")
			w.PropertyString("name", "y")
			w.EndNode()
		})},
		{"phandle zero", prop("phandle", []byte{0, 0, 0, 0})},
		{"phandle -1", prop("linux,phandle", []byte{0xff, 0xff, 0xff, 0xff})},
		{"phandle short", prop("phandle", []byte{1})},
		{"phandle long", prop("phandle", make([]byte, 8))},
		{"phandle mismatch", root(func(w *SeqWriter) {
			w.PropertyU32BE("phandle", 1)
			w.PropertyU32BE("linux,phandle", 2)
		})},
		{"phandle duplicate", root(func(w *SeqWriter) {
			w.BeginNode("x")
			w.PropertyU32BE("phandle", 5)
			w.EndNode()
			w.BeginNode("y")
			w.PropertyU32BE("linux,phandle", 5)
			w.EndNode()
		})},
	}
}

// TestWriteDTSRejects checks that trees dtc cannot express, refuses or
// changes give an error and no output.
func TestWriteDTSRejects(t *testing.T) {
	for _, c := range dtsRejectCases() {
		tree, err := Parse(dtsBuild(t, c.build))
		if err != nil {
			t.Fatalf("%s: Parse: %v", c.name, err)
		}
		var b bytes.Buffer
		err = tree.WriteDTS(&b, DTSOptions{})
		if !errors.Is(err, ErrBadValue) {
			t.Errorf("%s: WriteDTS error %v, want ErrBadValue", c.name, err)
		}
		if b.Len() != 0 {
			t.Errorf("%s: wrote output despite the error:\n%s", c.name, b.String())
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// TestWriteDTSRejectsAgreeWithDTC shows that each rejection is needed:
// the source printed without the check does not compile with dtc, or
// compiles to a different tree.
func TestWriteDTSRejectsAgreeWithDTC(t *testing.T) {
	dtc := testutil.OraclePath(t, "dtc")
	for _, c := range dtsRejectCases() {
		tree, err := Parse(dtsBuild(t, c.build))
		if err != nil {
			t.Fatal(err)
		}
		var src bytes.Buffer
		tree.renderDTS(&src, DTSOptions{})
		out, err := dtsRunDTC(t, dtc, "dts", "dtb", src.Bytes())
		if err != nil {
			t.Logf("%s: dtc refuses the unchecked source: %s", c.name, dtsFirstLine(err.Error()))
			continue
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("%s: Parse(dtc output): %v", c.name, err)
		}
		d := dtsDiff(dtsSem(tree), dtsSem(back))
		if d == "" {
			t.Errorf("%s: dtc compiles the unchecked source to the same tree; the rejection is unneeded\n%s", c.name, src.Bytes())
			continue
		}
		t.Logf("%s: dtc changes the tree: %s", c.name, d)
	}
}

func dtsFirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// dtsRead reads the subset of DTS that WriteDTS and dtc -O dts produce:
// /dts-v1/, /memreserve/, nodes, properties whose values are strings,
// <cells> and [bytes] lists, and comments.
func dtsRead(src string) (*dtsSemTree, error) {
	toks, err := dtsLex(src)
	if err != nil {
		return nil, err
	}
	i := 0
	peek := func() string {
		if i < len(toks) {
			return toks[i]
		}
		return ""
	}
	next := func() string { s := peek(); i++; return s }
	expect := func(s string) error {
		if got := next(); got != s {
			return fmt.Errorf("token %d: got %q, want %q", i-1, got, s)
		}
		return nil
	}
	st := &dtsSemTree{}
	if err := expect("/dts-v1/"); err != nil {
		return nil, err
	}
	if err := expect(";"); err != nil {
		return nil, err
	}
	for peek() == "/memreserve/" {
		next()
		a, err1 := strconv.ParseUint(next(), 0, 64)
		s, err2 := strconv.ParseUint(next(), 0, 64)
		if err := errors.Join(err1, err2, expect(";")); err != nil {
			return nil, err
		}
		st.reserve = append(st.reserve, [2]uint64{a, s})
	}
	var node func(name string) (*dtsSemNode, error)
	node = func(name string) (*dtsSemNode, error) {
		n := &dtsSemNode{name: name}
		if err := expect("{"); err != nil {
			return nil, err
		}
		for peek() != "}" {
			name := next()
			if name == "" {
				return nil, errors.New("unexpected end of source")
			}
			switch next() {
			case ";":
				n.props = append(n.props, dtsSemProp{name, []byte{}})
			case "=":
				v, err := dtsReadValue(&i, toks)
				if err != nil {
					return nil, fmt.Errorf("property %s: %w", name, err)
				}
				n.props = append(n.props, dtsSemProp{name, v})
			case "{":
				i--
				k, err := node(name)
				if err != nil {
					return nil, err
				}
				n.kids = append(n.kids, k)
			default:
				return nil, fmt.Errorf("token %d: unexpected %q after %q", i-1, toks[i-1], name)
			}
		}
		next()
		return n, expect(";")
	}
	if err := expect("/"); err != nil {
		return nil, err
	}
	root, err := node("")
	if err != nil {
		return nil, err
	}
	st.root = root
	if i != len(toks) {
		return nil, fmt.Errorf("%d tokens after the root node", len(toks)-i)
	}
	return st, nil
}

// dtsReadValue reads a comma-separated list of strings, <cells> and [bytes]
// up to the closing ';'.
func dtsReadValue(i *int, toks []string) ([]byte, error) {
	v := []byte{}
	for {
		if *i >= len(toks) {
			return nil, errors.New("unexpected end of source")
		}
		tok := toks[*i]
		*i++
		switch {
		case strings.HasPrefix(tok, "\""):
			s, err := dtsUnquote(tok)
			if err != nil {
				return nil, err
			}
			v = append(append(v, s...), 0)
		case tok == "<":
			for ; *i < len(toks) && toks[*i] != ">"; *i++ {
				c, err := strconv.ParseUint(toks[*i], 0, 32)
				if err != nil {
					return nil, err
				}
				v = append(v, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
			}
			*i++
		case tok == "[":
			for ; *i < len(toks) && toks[*i] != "]"; *i++ {
				h := toks[*i]
				if len(h)%2 != 0 {
					return nil, fmt.Errorf("odd byte string %q", h)
				}
				for j := 0; j < len(h); j += 2 {
					c, err := strconv.ParseUint(h[j:j+2], 16, 8)
					if err != nil {
						return nil, err
					}
					v = append(v, byte(c))
				}
			}
			*i++
		default:
			return nil, fmt.Errorf("unexpected value token %q", tok)
		}
		if *i >= len(toks) {
			return nil, errors.New("unexpected end of source")
		}
		sep := toks[*i]
		*i++
		switch sep {
		case ";":
			return v, nil
		case ",":
		default:
			return nil, fmt.Errorf("unexpected %q in value", sep)
		}
	}
}

const dtsWordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?@-"

func dtsLex(src string) ([]string, error) {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "/*"):
			e := strings.Index(src[i+2:], "*/")
			if e < 0 {
				return nil, errors.New("unterminated comment")
			}
			i += e + 4
		case strings.HasPrefix(src[i:], "//"):
			e := strings.IndexByte(src[i:], '\n')
			if e < 0 {
				e = len(src) - i
			}
			i += e
		case strings.HasPrefix(src[i:], "/dts-v1/"):
			toks = append(toks, "/dts-v1/")
			i += len("/dts-v1/")
		case strings.HasPrefix(src[i:], "/memreserve/"):
			toks = append(toks, "/memreserve/")
			i += len("/memreserve/")
		case c == '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return nil, errors.New("unterminated string")
			}
			toks = append(toks, src[i:j+1])
			i = j + 1
		case strings.IndexByte("{}<>[];=,/", c) >= 0:
			toks = append(toks, string(c))
			i++
		case c == '\\' || strings.IndexByte(dtsWordChars, c) >= 0:
			if c == '\\' {
				i++ // dtc's escape for names that look like keywords
			}
			j := i
			for j < len(src) && strings.IndexByte(dtsWordChars, src[j]) >= 0 {
				j++
			}
			toks = append(toks, src[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, i)
		}
	}
	return toks, nil
}

// dtsUnquote decodes a dtc string literal (quotes included).
func dtsUnquote(q string) ([]byte, error) {
	s := q[1 : len(q)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("trailing backslash in %s", q)
		}
		switch c := s[i]; c {
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'v':
			out = append(out, '\v')
		case 'f':
			out = append(out, '\f')
		case 'r':
			out = append(out, '\r')
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			v, err := strconv.ParseUint(s[i+1:j], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad \\x escape in %s", q)
			}
			out = append(out, byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, err := strconv.ParseUint(s[i:j], 8, 8)
			if err != nil {
				return nil, fmt.Errorf("bad octal escape in %s", q)
			}
			out = append(out, byte(v))
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func TestReadDTSSelf(t *testing.T) {
	// The reader used for semantic comparison must itself read what it is
	// given; check it on a hand-written source covering each form.
	src := `/dts-v1/;
/memreserve/	0x0000000000001000 0x0000000000002000;
/ {
	a = "x\0y", "q\"\\\x41\101";
	b = <0x01 0x2>, [0a0B 0c];
	// line comment
	c; /* block
	comment */
	n@1 {
	};
};
`
	got, err := dtsRead(src)
	if err != nil {
		t.Fatal(err)
	}
	want := &dtsSemTree{
		reserve: [][2]uint64{{0x1000, 0x2000}},
		root: &dtsSemNode{props: []dtsSemProp{
			{"a", []byte("x\x00y\x00q\"\\AA\x00")},
			{"b", []byte{0, 0, 0, 1, 0, 0, 0, 2, 0x0a, 0x0b, 0x0c}},
			{"c", []byte{}},
		}, kids: []*dtsSemNode{{name: "n@1"}}},
	}
	if d := dtsDiff(want, got); d != "" {
		t.Error(d)
	}
}
