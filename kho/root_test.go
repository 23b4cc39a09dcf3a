package kho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

const sampleMap = 0x116be4000 // the map PA of the docs/abi/fdt-layout.md examples

// be32 reads a big-endian header word.
func be32(b []byte, off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }

// mustRoot builds a root of tag with the given clients added in order.
func mustRoot(t *testing.T, tag abi.Tag, clients ...string) *Root {
	t.Helper()
	r, err := NewRoot(abi.Tag(tag), sampleMap)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		r.AddSubtree(c, uint64(0x200000+i*0x1000), uint64(0x100+i))
	}
	return r
}

func encodeRoot(t *testing.T, r *Root) (blob, page []byte) {
	t.Helper()
	blob, page, err := EncodeRoot(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 4096 || !bytes.Equal(page[:len(blob)], blob) {
		t.Fatalf("page (%d bytes) does not start with the blob", len(page))
	}
	return blob, page
}

// TestRootFirstCreated checks the 152-byte example of docs/abi/fdt-layout.md §2.4
// byte by byte.
func TestRootFirstCreated(t *testing.T) {
	blob, page := encodeRoot(t, mustRoot(t, "K1a"))
	want := []byte{
		0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0x98, 0, 0, 0, 0x40, 0, 0, 0, 0x78,
		0, 0, 0, 0x30, 0, 0, 0, 0x11, 0, 0, 0, 0x10, 0, 0, 0, 0,
		0, 0, 0, 0x20, 0, 0, 0, 0x38, 0, 0, 0, 0, 0, 0, 0, 0,
	}
	want = append(want, make([]byte, 16)...)                            // reserve terminator
	want = append(want, 0, 0, 0, 1, 0, 0, 0, 0)                         // root node
	want = append(want, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 0x15)          // compatible
	want = append(want, 'k', 'h', 'o', '-', 'v', '1', 0, 0)             // kho-v1
	want = append(want, 0, 0, 0, 3, 0, 0, 0, 8, 0, 0, 0, 0)             // preserved-memory-map
	want = append(want, 0x00, 0x40, 0xbe, 0x16, 0x01, 0x00, 0x00, 0x00) // u64 LE
	want = append(want, 0, 0, 0, 2, 0, 0, 0, 9)                         // END_NODE, END
	want = append(want, "preserved-memory-map\x00compatible\x00"...)    // strings
	if !bytes.Equal(blob, want) {
		t.Fatalf("blob differs:\n got %x\nwant %x", blob, want)
	}
	if !bytes.HasSuffix(page, []byte("preserved-memory-map\x00compatible\x00")) {
		t.Error("the page does not end with the building-time strings")
	}
	if !allZero(page[len(blob) : len(page)-32]) {
		t.Error("bytes between the blob and the leftover strings are not zero")
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// TestRootAfterAdds checks the worked example of docs/abi/fdt-layout.md §3.4 and
// its K2/K3/K4 variants: memblock added, then LUO.
func TestRootAfterAdds(t *testing.T) {
	tests := []struct {
		tag           abi.Tag
		total, strs   uint32
		ptr           string
		blobSizeFirst bool
	}{
		{"K1b", 220, 36, "fdt", false},
		{"K2", 231, 47, "preserved-data", false},
		{"K3", 281, 57, "preserved-data", true},
		{"K4", 281, 57, "preserved-data", true},
	}
	for _, tc := range tests {
		t.Run(string(tc.tag), func(t *testing.T) {
			blob, _ := encodeRoot(t, mustRoot(t, tc.tag, "memblock", "LUO"))
			if got := uint32(len(blob)); got != tc.total || be32(blob, 4) != tc.total {
				t.Fatalf("totalsize %d (header %d), want %d", got, be32(blob, 4), tc.total)
			}
			if be32(blob, 0x10) != 0x28 || be32(blob, 0x08) != 0x38 || be32(blob, 0x20) != tc.strs {
				t.Errorf("rsvmap 0x%x struct 0x%x strings size %d", be32(blob, 0x10), be32(blob, 0x08), be32(blob, 0x20))
			}
			if off := be32(blob, 0x0c); off != tc.total-tc.strs || off != 0x38+be32(blob, 0x24) {
				t.Errorf("off_dt_strings 0x%x, size_dt_struct %d", off, be32(blob, 0x24))
			}
			if !bytes.HasPrefix(blob[be32(blob, 0x0c):], []byte("preserved-memory-map\x00compatible\x00")) {
				t.Error("strings do not start with the creation-time names")
			}
			tr, err := fdt.Parse(blob)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for n := range tr.Root().Children() {
				names = append(names, n.Name())
				var props []string
				for _, p := range n.Properties() {
					props = append(props, p.Name)
				}
				want := []string{tc.ptr}
				if tc.blobSizeFirst {
					want = []string{"blob-size", tc.ptr}
				}
				if !reflect.DeepEqual(props, want) {
					t.Errorf("%s properties %v, want %v", n.Name(), props, want)
				}
			}
			if !reflect.DeepEqual(names, []string{"LUO", "memblock"}) {
				t.Errorf("children %v, want newest first", names)
			}
			if tc.tag == "K1b" {
				// docs/abi/fdt-layout.md §3.4 offsets.
				for _, c := range []struct {
					off  int
					want uint32
				}{{0x38, 1}, {0x40, 3}, {0x54, 3}, {0x68, 1}, {0x70, 3}, {0x78, 0x20}, {0x84, 2}, {0x88, 1}, {0x98, 3}, {0xa0, 0x20}, {0xac, 2}, {0xb0, 2}, {0xb4, 9}} {
					if got := be32(blob, c.off); got != c.want {
						t.Errorf("word at 0x%x = %d, want %d", c.off, got, c.want)
					}
				}
				if string(blob[0x6c:0x70]) != "LUO\x00" || string(blob[0x8c:0x95]) != "memblock\x00" {
					t.Error("node names are not where §3.4 puts them")
				}
			}
		})
	}
}

// TestRootK1aFinalize checks the K1a layout: one sequential-write pass,
// clients oldest first.
func TestRootK1aFinalize(t *testing.T) {
	blob, _ := encodeRoot(t, mustRoot(t, "K1a", "memblock", "LUO"))
	tr, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range tr.Root().Children() {
		names = append(names, n.Name())
	}
	if be32(blob, 0x10) != 0x30 || !reflect.DeepEqual(names, []string{"memblock", "LUO"}) {
		t.Errorf("rsvmap 0x%x, children %v", be32(blob, 0x10), names)
	}
	if !bytes.HasSuffix(blob, []byte("fdt\x00preserved-memory-map\x00compatible\x00")) {
		t.Errorf("strings not newest first: %q", blob[be32(blob, 0x0c):])
	}
}

func TestRootRoundTrip(t *testing.T) {
	tags := []string{"K1a", "K1b", "K2", "K3", "K4", "K-RFC-compat"}
	for _, tag := range tags {
		for _, n := range []int{0, 1, 3} {
			r := mustRoot(t, abi.Tag(tag), []string{"LUO", "memblock", "kexec-metadata"}[:n]...)
			if n == 0 {
				r.Layout = LayoutSequential
			}
			if n == 3 {
				r.Extra = []Prop{{"x-root", []byte{1, 2, 3}}}
				r.Subtrees[1].Extra = []Prop{{"x-a", []byte("a\x00")}, {"x-b", []byte{}}}
			}
			checkRoundTrip(t, tag, r)
		}
	}
	// The UNVERIFIED "kho-v2 with blob-size" state, and a compatible list.
	r := mustRoot(t, "K2", "LUO")
	r.Subtrees[0].Size, r.Subtrees[0].HasSize = 99, true
	checkRoundTrip(t, "K2+blob-size", r)
	r = mustRoot(t, "K3", "LUO")
	r.Compatibles = []string{"vendor,x", "kho-v3"}
	checkRoundTrip(t, "K3 list", r)
}

func checkRoundTrip(t *testing.T, name string, r *Root) {
	t.Helper()
	blob, _ := encodeRoot(t, r)
	got, err := DecodeRoot(blob)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got.Tree == nil {
		t.Fatalf("%s: no tree", name)
	}
	got.Tree = nil
	if !reflect.DeepEqual(got, r) {
		t.Errorf("%s: round trip\n got %+v\nwant %+v", name, got, r)
	}
	again, _ := encodeRoot(t, got)
	if !bytes.Equal(again, blob) {
		t.Errorf("%s: re-encoding changes the bytes", name)
	}
}

func TestRootGenerations(t *testing.T) {
	for tag, want := range map[string]string{"K1a": "K1a K1b", "K1b": "K1a K1b", "K2": "K2", "K4": "K4", "K-RFC-compat": "K-RFC-compat"} {
		r := mustRoot(t, abi.Tag(tag))
		if got := abi.JoinTags(r.Generations(), " "); got != want {
			t.Errorf("%s: Generations() = %q, want %q", tag, got, want)
		}
	}
	r := &Root{}
	r.setCompatible("kho-v4;radix-v2")
	if got := abi.JoinTags(r.Generations(), " "); got != "K4" || r.Base != "kho-v4" || join(r.SubCompatibles) != "radix-v2" {
		t.Errorf("granular fallback: %q, base %q, subs %v", got, r.Base, r.SubCompatibles)
	}
	rfc := mustRoot(t, "K-RFC-compat")
	if rfc.Base != "kho-v4" || join(rfc.SubCompatibles) != "radix-v1 vmalloc-v1" {
		t.Errorf("RFC split: %q %v", rfc.Base, rfc.SubCompatibles)
	}
	lr := mustRoot(t, "K2", "a", "b")
	if s, ok := lr.Subtree("a"); !ok || s.Addr != 0x200000 {
		t.Errorf("Subtree(a) = %+v, %v", s, ok)
	}
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

func TestDecodeRootRejects(t *testing.T) {
	u64 := string(make([]byte, 8))
	m8 := make([]byte, 8)
	tests := []struct {
		name  string
		blob  []byte
		kind  error
		path  string
		value string // property whose value offset the error must carry
		check phys.Check
	}{
		{"not an FDT", []byte("hello world, this is not an FDT at all!!!!"), phys.ErrMalformed, "KHO", "", CheckRootFDT},
		{"no compatible", handRoot(t, nil, m8), phys.ErrMalformed, "KHO.compatible", "", CheckRootFDT},
		{"unknown generation", handRoot(t, []string{"kho-v9"}, m8), phys.ErrUnsupported, "KHO.compatible", "compatible", CheckRootCompatible},
		{"no map", handRoot(t, []string{"kho-v2"}, nil), phys.ErrMalformed, "KHO.preserved-memory-map", "", CheckMemoryMapProp},
		{"short map", handRoot(t, []string{"kho-v2"}, make([]byte, 7)), phys.ErrMalformed, "KHO.preserved-memory-map", "preserved-memory-map", CheckMemoryMapProp},
		{"v1 client with v2 property", handRoot(t, []string{"kho-v1"}, m8, client{"LUO", [][2]string{{"preserved-data", u64}}}), phys.ErrMalformed, "KHO/LUO.fdt", "", CheckClientPointer},
		{"v2 short pointer", handRoot(t, []string{"kho-v2"}, m8, client{"LUO", [][2]string{{"preserved-data", "1234"}}}), phys.ErrMalformed, "KHO/LUO.preserved-data", "preserved-data", CheckClientPointer},
		{"v3 without blob-size", handRoot(t, []string{"kho-v3"}, m8, client{"LUO", [][2]string{{"preserved-data", u64}}}), phys.ErrMalformed, "KHO/LUO.blob-size", "", CheckClientSize},
		{"v4 long blob-size", handRoot(t, []string{"kho-v4"}, m8, client{"LUO", [][2]string{{"preserved-data", u64}, {"blob-size", u64 + "x"}}}), phys.ErrMalformed, "KHO/LUO.blob-size", "blob-size", CheckClientSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRoot(tc.blob)
			var pe *phys.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *phys.Error", err)
			}
			if !errors.Is(err, tc.kind) || pe.Path != tc.path || pe.Check != tc.check {
				t.Fatalf("error %v (check %q), want %v at %s (check %q)", err, pe.Check, tc.kind, tc.path, tc.check)
			}
			checkProblems(t, err)
			if tc.value != "" {
				if want := valueOffset(t, tc.blob, tc.value); pe.Offset != int64(want) {
					t.Errorf("offset 0x%x, want the value's offset 0x%x", pe.Offset, want)
				}
			}
		})
	}
}

// valueOffset finds the value offset of the first property called name.
func valueOffset(t *testing.T, blob []byte, name string) int {
	t.Helper()
	tr, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	for n := range tr.Nodes() {
		if p, ok := n.Property(name); ok {
			return p.ValueOffset()
		}
	}
	t.Fatalf("no property %s", name)
	return 0
}

func TestReadRoot(t *testing.T) {
	blob, page := encodeRoot(t, mustRoot(t, "K3", "LUO"))
	img := phys.NewImage()
	img.Add(0x5000, page)
	r, err := ReadRoot(img, 0x5000, 4096)
	if err != nil || len(r.Subtrees) != 1 {
		t.Fatalf("%v %+v", err, r)
	}
	bad := bytes.Clone(page)
	copy(bad[valueOffset(t, blob, "compatible"):], "kho-v9")
	img2 := phys.NewImage()
	img2.Add(0x5000, bad)
	_, err = ReadRoot(img2, 0x5000, 4096)
	var pe *phys.Error
	if !errors.As(err, &pe) || !errors.Is(err, phys.ErrUnsupported) || pe.Addr != 0x5000+uint64(valueOffset(t, blob, "compatible")) {
		t.Errorf("error %v", err)
	}
	if _, err := ReadRoot(img, 0x5000, 8192); !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("read past the source: %v", err)
	}
}
