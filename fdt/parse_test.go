package fdt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// khoRoot builds the 152-byte KHO root of docs/abi/fdt-layout.md §2.4.
func khoRoot(t testing.TB) []byte {
	t.Helper()
	w := NewSeqWriter(4096)
	w.BeginNode("")
	w.PropertyString("compatible", "kho-v1")
	w.PropertyU64LE("preserved-memory-map", 0x116be4000)
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nested builds a tree with children, a reserve entry and a string list.
func nested(t testing.TB) []byte {
	t.Helper()
	w := NewSeqWriter(0)
	w.AddReserve(0x1000, 0x2000)
	w.BeginNode("")
	w.PropertyString("compatible", "luo-v1")
	w.PropertyU64LE("liveupdate-number", 7)
	w.BeginNode("luo-session")
	w.PropertyStrings("compatible", "luo-session-v2", "x")
	w.PropertyU64LE("luo-session-header", 0xabc000)
	w.EndNode()
	w.BeginNode("memory@0")
	w.Property("empty", nil)
	w.PropertyU32BE("cell", 0x12345678)
	w.EndNode()
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseWorkedExample(t *testing.T) {
	b := khoRoot(t)
	if len(b) != 152 {
		t.Fatalf("len = %d, want 152", len(b))
	}
	tr, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	h := tr.Header
	want := Header{Magic, 152, 0x40, 0x78, 0x30, 17, 16, 0, 32, 56}
	if h != want {
		t.Fatalf("header = %+v, want %+v", h, want)
	}
	root := tr.Root()
	p, ok := root.Property("preserved-memory-map")
	if !ok {
		t.Fatal("no preserved-memory-map")
	}
	if p.Offset != 0x5c || p.ValueOffset() != 0x68 || p.NameOffset != 0 {
		t.Errorf("offsets = %#x/%#x/%#x", p.Offset, p.ValueOffset(), p.NameOffset)
	}
	if v, _ := p.U64LE(); v != 0x116be4000 {
		t.Errorf("U64LE = %#x", v)
	}
	if v, _ := p.U64BE(); v != 0x0040be1601000000 {
		t.Errorf("U64BE = %#x", v)
	}
	c, _ := root.Property("compatible")
	if s, err := c.String(); s != "kho-v1" || err != nil || c.NameOffset != 0x15 {
		t.Errorf("compatible = %q, %v, nameoff %#x", s, err, c.NameOffset)
	}
	if len(tr.Notices) != 0 {
		t.Errorf("notices: %v", tr.Notices)
	}
}

func TestTreeNavigation(t *testing.T) {
	tr, err := Parse(nested(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Reserve) != 1 || tr.Reserve[0] != (ReserveEntry{0x1000, 0x2000, 0x30}) {
		t.Fatalf("reserve = %+v", tr.Reserve)
	}
	var paths []string
	for n := range tr.Nodes() {
		paths = append(paths, n.Path())
	}
	if got := fmtList(paths); got != "/ /luo-session /memory@0" {
		t.Errorf("paths = %s", got)
	}
	n, ok := tr.Lookup("/memory")
	if !ok || n.Name() != "memory@0" || n.Depth() != 1 || n.Parent().Path() != "/" {
		t.Fatalf("lookup /memory = %v %q", ok, n.Name())
	}
	if _, ok := tr.Lookup("/nope"); ok {
		t.Error("lookup /nope succeeded")
	}
	s, _ := tr.Lookup("/luo-session")
	p, _ := s.Property("compatible")
	list, err := p.Strings()
	if err != nil || fmtList(list) != "luo-session-v2 x" {
		t.Errorf("Strings = %v, %v", list, err)
	}
	if _, err := p.String(); !errors.Is(err, ErrBadValue) {
		t.Errorf("String on a list: %v", err)
	}
	e, _ := n.Property("empty")
	if len(e.Value) != 0 {
		t.Error("empty property has a value")
	}
	cell, _ := n.Property("cell")
	if v, err := cell.U32BE(); v != 0x12345678 || err != nil {
		t.Errorf("U32BE = %#x %v", v, err)
	}
	if _, err := cell.U64LE(); !errors.Is(err, ErrBadValue) {
		t.Errorf("U64LE on 4 bytes: %v", err)
	}
	var kinds []string
	for _, tok := range tr.Tokens() {
		kinds = append(kinds, tok.Kind.String())
	}
	if len(kinds) != 1+2+1+2+1+2+1+1+1+1 {
		t.Errorf("tokens = %v", kinds)
	}
}

func fmtList(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

func put32(b []byte, off int, v uint32) []byte {
	c := bytes.Clone(b)
	binary.BigEndian.PutUint32(c[off:], v)
	return c
}

func TestParseRejects(t *testing.T) {
	base := khoRoot(t) // struct at 0x40, strings at 0x78, prop compat at 0x48, pmm at 0x5c
	tests := []struct {
		name string
		blob []byte
		code Code
		off  int
	}{
		{"short", base[:20], ErrTruncated, 0},
		{"magic", put32(base, 0, 0x2ff20112), ErrBadMagic, 0},
		{"version 1", put32(base, 0x14, 1), ErrBadVersion, 0x14},
		{"last comp 18", put32(base, 0x18, 18), ErrBadVersion, 0x18},
		{"version below last comp", put32(put32(base, 0x14, 15), 0x18, 16), ErrBadVersion, 0x14},
		{"totalsize past data", put32(base, 4, 4096), ErrTruncated, 4},
		{"totalsize below header", put32(base, 4, 20), ErrTruncated, 4},
		{"rsvmap outside", put32(base, 0x10, 0x1000), ErrBadLayout, 0x10},
		{"rsvmap in header", put32(base, 0x10, 8), ErrBadLayout, 0x10},
		{"struct past end", put32(base, 0x24, 0x100), ErrBadLayout, 0x08},
		{"strings past end", put32(base, 0x20, 0x40), ErrBadLayout, 0x0c},
		{"rsvmap misaligned", put32(base, 0x10, 0x2c), ErrBadLayout, 0x10},
		{"struct misaligned", put32(put32(base, 0x08, 0x42), 0x24, 0x36), ErrBadLayout, 0x08},
		{"overlap", put32(base, 0x0c, 0x70), ErrBadLayout, 0x70},
		{"unknown token", put32(base, 0x40, 7), ErrBadStructure, 0x40},
		{"prop at top", put32(base, 0x40, TokenNOP), ErrBadStructure, 0x44},
		{"name offset outside", put32(base, 0x50, 0x40), ErrBadString, 0x50},
		{"value too long", put32(base, 0x4c, 0x100), ErrTruncated, 0x4c},
		{"root named", nodeNamed(t, "x"), ErrBadStructure, 0x40},
		{"end inside node", put32(base, 0x70, TokenNOP), ErrBadStructure, 0x74},
		{"unbalanced end node", put32(base, 0x74, TokenEndNode), ErrBadStructure, 0x74},
		{"no end", put32(put32(base, 0x74, TokenNOP), 0x24, 0x38), ErrTruncated, 0x78},
		{"bytes after end", put32(put32(base, 0x70, TokenEnd), 0x74, 0), ErrBadStructure, 0x70},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.blob)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !errors.Is(err, tc.code) || fe.Offset != tc.off {
				t.Fatalf("err = %v (code %v, off %#x), want %v at %#x", err, fe.Code, fe.Offset, tc.code, tc.off)
			}
			if _, problems := ParseLenient(tc.blob); len(problems) == 0 {
				t.Error("lenient parse found no problem")
			}
		})
	}
}

func nodeNamed(t *testing.T, name string) []byte {
	w := NewSeqWriter(0)
	w.BeginNode(name)
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseLenientReportsAll(t *testing.T) {
	w := NewSeqWriter(0)
	w.BeginNode("")
	w.BeginNode("a")
	w.EndNode()
	w.PropertyString("late", "x") // property after a subnode
	w.EndNode()
	b, _ := w.Finish()
	b = put32(b, 0x18, 18) // and a bad last_comp_version
	if _, err := Parse(b); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("strict: %v", err)
	}
	tr, problems := ParseLenient(b)
	if len(problems) != 2 || !errors.Is(problems[0], ErrBadVersion) || !errors.Is(problems[1], ErrBadStructure) {
		t.Fatalf("problems = %v", problems)
	}
	if p, ok := tr.Root().Property("late"); !ok || p.Name != "late" {
		t.Fatal("late property lost")
	}
}

func TestNotices(t *testing.T) {
	b := khoRoot(t)
	b[0x2a] = 1    // gap between header and reserve map
	b[0x5b] = 0xee // padding after "kho-v1\0"
	tr, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Notices) != 2 || !errors.Is(tr.Notices[0], NoticePadding) || !errors.Is(tr.Notices[1], NoticeGap) {
		t.Fatalf("notices = %v", tr.Notices)
	}
}

func TestEncodeVerbatim(t *testing.T) {
	for name, b := range map[string][]byte{"kho": khoRoot(t), "nested": nested(t), "nop": withNOP(t)} {
		tr, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tr.Encode()
		if err != nil || !bytes.Equal(out, b) {
			t.Errorf("%s: Encode differs (%v)\n got % x\nwant % x", name, err, out, b)
		}
	}
}

// withNOP replaces the first property of a blob with NOP tokens, as a
// boot loader's fdt_nop_property would.
func withNOP(t *testing.T) []byte {
	b := khoRoot(t)
	for off := 0x48; off < 0x5c; off += 4 {
		binary.BigEndian.PutUint32(b[off:], TokenNOP)
	}
	return b
}

// deepJunk is a blob of n nested nodes whose name padding is not zero.
func deepJunk(n int) []byte {
	w := NewSeqWriter(0)
	for i := 0; i < n; i++ {
		w.BeginNode("")
	}
	for i := 0; i < n; i++ {
		w.EndNode()
	}
	b, _ := w.Finish()
	for off := 0x44; off < 0x40+8*n; off += 8 {
		b[off+1] = 1
	}
	return b
}

func TestProblemsAreCapped(t *testing.T) {
	b := deepJunk(100000)
	tr, problems := ParseLenient(b)
	if len(tr.Notices) != maxListed+1 || tr.Notices[maxListed].Suppressed != 100000-maxListed-1 {
		t.Fatalf("%d notices, last %v", len(tr.Notices), tr.Notices[len(tr.Notices)-1])
	}
	if len(problems) != 0 {
		t.Fatalf("empty names below the root are legal, got %v", problems[0])
	}
	w := NewSeqWriter(0)
	w.BeginNode("")
	w.Property("x", make([]byte, 4*1000))
	w.EndNode()
	b, _ = w.Finish()
	for off := 0x50; off < 0x50+4*1000; off += 4 {
		binary.BigEndian.PutUint32(b[off:], TokenEndNode)
	}
	binary.BigEndian.PutUint32(b[0x48:], TokenNOP) // the property's tag and length;
	binary.BigEndian.PutUint32(b[0x4c:], TokenNOP) // its nameoff and value are END_NODEs
	_, problems = ParseLenient(b)
	if len(problems) != maxListed+1 || problems[maxListed].Suppressed != 1000-maxListed-1 {
		t.Fatalf("%d problems, last %v", len(problems), problems[len(problems)-1])
	}
}

// TestParseLenientPastTotalsize: a lenient parse reads what the blob holds
// whatever its magic and totalsize say, and never past the blob.
func TestParseLenientPastTotalsize(t *testing.T) {
	b := khoRoot(t) // strings "preserved-memory-map\0compatible\0" at 0x78
	tests := []struct {
		name  string
		blob  []byte
		code  Code
		names []string
		data  int // len(Tree.Data)
	}{
		{"bad magic", put32(b, 0, 0xfeedd00d), ErrBadMagic, []string{"compatible", "preserved-memory-map"}, len(b)},
		{"totalsize 20 short", put32(b, 4, uint32(len(b)-20)), ErrBadLayout, []string{"compatible", "preserved-memory-map"}, len(b)},
		{"strings past totalsize", put32(b, 4, 0x70), ErrBadLayout, []string{"compatible", "preserved-memory-map"}, len(b)},
		{"blob cut by 10", b[:len(b)-10], ErrTruncated, []string{"", "preserved-memory-map"}, len(b) - 10},
		{"totalsize 20 short, blob cut by 10", put32(b, 4, uint32(len(b)-20))[:len(b)-10], ErrBadLayout, []string{"", "preserved-memory-map"}, len(b) - 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.blob); !errors.Is(err, tc.code) {
				t.Errorf("strict: %v, want %v", err, tc.code)
			}
			tr, problems := ParseLenient(tc.blob)
			if len(problems) == 0 || !errors.Is(problems[0], tc.code) {
				t.Errorf("lenient problems %v, want %v first", problems, tc.code)
			}
			var names []string
			for _, p := range tr.Root().Properties() {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, tc.names) || len(tr.Data) != tc.data {
				t.Errorf("properties %q, %d bytes of data; want %q, %d", names, len(tr.Data), tc.names, tc.data)
			}
		})
	}
}
