package fdt

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

// nestedBlob is n nested empty-named nodes, properly closed or (open)
// with every END_NODE left out, so the blob ends inside the deepest node.
func nestedBlob(t testing.TB, n int, open bool) []byte {
	w := NewSeqWriter(0)
	for range n {
		w.BeginNode("")
	}
	for range n {
		w.EndNode()
	}
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if open {
		// Turn every END_NODE into a NOP: the tree never closes.
		for off := 0x40 + 8*n; off < 0x40+8*n+4*n; off += 4 {
			binary.BigEndian.PutUint32(b[off:], TokenNOP)
		}
	}
	return b
}

// TestBoundsMillionNested parses a million nested nodes, closed and
// unclosed, strictly and leniently: no stack overflow, an answer, and
// allocations within a small multiple of the 12 MB blob.
func TestBoundsMillionNested(t *testing.T) {
	const n = 1_000_000
	for _, open := range []bool{false, true} {
		b := nestedBlob(t, n, open)
		var err error
		got := testutil.Allocated(func() { _, err = Parse(b) })
		if open != (err != nil) {
			t.Errorf("open=%v: strict parse: %v", open, err)
		}
		if err != nil && (len(err.Error()) > 512 || !strings.Contains(err.Error(), "/...(999968 levels)/")) {
			t.Errorf("the error names a path of %d bytes: %.200s", len(err.Error()), err)
		}
		if got > testutil.AllocBound(len(b)) {
			t.Errorf("open=%v: Parse allocated %d bytes for %d", open, got, len(b))
		}
		t.Logf("open=%v: Parse allocated %d bytes for a %d-byte blob (%.1fx)", open, got, len(b), float64(got)/float64(len(b)))
		var problems []*Error
		got = testutil.Allocated(func() { _, problems = ParseLenient(b) })
		if open != (len(problems) > 0) {
			t.Errorf("open=%v: %d lenient problems", open, len(problems))
		}
		if got > testutil.AllocBound(len(b)) {
			t.Errorf("open=%v: ParseLenient allocated %d bytes for %d", open, got, len(b))
		}
	}
}

// TestBoundsHugeHeader: header fields claiming 4 GiB blocks, a property
// claiming a 4 GiB value and a string offset of 2^32-1 cost nothing.
func TestBoundsHugeHeader(t *testing.T) {
	base := benchBlob(t, 4)
	for _, tc := range []struct {
		name string
		off  int
		v    uint32
	}{
		{"totalsize", 4, 0xffffffff},
		{"off_dt_struct", 8, 0xfffffff0},
		{"size_dt_struct", 36, 0xfffffff0},
		{"size_dt_strings", 32, 0xfffffff0},
		{"property length", 0x48 + 4, 0xffffffff},
		{"property nameoff", 0x48 + 8, 0xffffffff},
	} {
		b := append([]byte(nil), base...)
		binary.BigEndian.PutUint32(b[tc.off:], tc.v)
		var err error
		got := testutil.Allocated(func() { _, err = Parse(b) })
		if err == nil {
			t.Errorf("%s: parsed", tc.name)
		}
		if got > testutil.AllocBound(len(b)) {
			t.Errorf("%s: allocated %d bytes", tc.name, got)
		}
		got = testutil.Allocated(func() { ParseLenient(b) })
		if got > testutil.AllocBound(len(b)) {
			t.Errorf("%s: lenient parse allocated %d bytes", tc.name, got)
		}
	}
}

// BenchmarkAdversarialNested parses a 1 MiB blob of nested nodes that
// never close.
func BenchmarkAdversarialNested(b *testing.B) {
	blob := nestedBlob(b, (1<<20-0x48)/12, true)
	b.SetBytes(int64(len(blob)))
	b.ReportAllocs()
	for b.Loop() {
		ParseLenient(blob)
	}
}

// BenchmarkAdversarialProps parses 1 MiB of empty properties sharing one
// name: the most tokens per byte.
func BenchmarkAdversarialProps(b *testing.B) {
	w := NewSeqWriter(0)
	w.BeginNode("")
	for range (1 << 20) / 12 {
		w.Property("x", nil)
	}
	w.EndNode()
	blob, err := w.Finish()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(blob)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(blob); err != nil {
			b.Fatal(err)
		}
	}
}
