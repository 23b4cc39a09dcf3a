package hexdump

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

func TestReadPartial(t *testing.T) {
	img := phys.NewImage()
	for _, seg := range []struct {
		addr uint64
		n    int
	}{{0x1000, 0x1000}, {0x2800, 0x100}, {0x4000, 0x10}} {
		b := make([]byte, seg.n)
		for i := range b {
			b[i] = byte(seg.addr>>8) + 1
		}
		if err := img.Add(seg.addr, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		pa   uint64
		n    uint64
		miss []annot.Span
	}{
		{"held whole", 0x1000, 0x1000, nil},
		{"past the end of a segment", 0x1ff0, 0x20, []annot.Span{{Offset: 0x10, Size: 0x10}}},
		{"before a segment", 0xff8, 0x10, []annot.Span{{Offset: 0, Size: 8}}},
		{"a hole inside a page, then held bytes", 0x1ff0, 0x900, []annot.Span{{Offset: 0x10, Size: 0x800}}},
		{"held bytes between two holes", 0x27f0, 0x120, []annot.Span{{Offset: 0, Size: 0x10}, {Offset: 0x110, Size: 0x10}}},
		{"nothing held", 0x10000, 0x2001, []annot.Span{{Offset: 0, Size: 0x2001}}},
		{"past the top of the address space", ^uint64(0) - 3, 8, []annot.Span{{Offset: 0, Size: 8}}},
	} {
		p, err := readPartial(img, tc.pa, tc.n)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(p.miss, tc.miss) {
			t.Errorf("%s: missing %v, want %v", tc.name, p.miss, tc.miss)
		}
		for i, c := range p.data {
			held := phys.Holds(img, tc.pa+uint64(i), 1)
			if held == annot.In(p.miss, i) || !held && c != 0 {
				t.Fatalf("%s: byte %d = %#x, held %v, listed missing %v", tc.name, i, c, held, annot.In(p.miss, i))
			}
		}
		if (p.finding("x") == "") != (len(tc.miss) == 0) {
			t.Errorf("%s: finding %q", tc.name, p.finding("x"))
		}
	}
}

// failingMemory fails every read with an error that is not about
// unresolved memory.
type failingMemory struct{ phys.Memory }

var errBroken = errors.New("interrupted")

func (failingMemory) ReadAt([]byte, uint64) (int, error) { return 0, errBroken }

func TestReadPartialStopsOnOtherErrors(t *testing.T) {
	if _, err := readPartial(failingMemory{phys.NewImage()}, 0, 16); !errors.Is(err, errBroken) {
		t.Errorf("err = %v, want %v", err, errBroken)
	}
}

func TestFDTWant(t *testing.T) {
	v17 := fdt.Header{Version: 17, TotalSize: 0x100, OffDtStruct: 0x38, SizeDtStruct: 0x80, OffDtStrings: 0xb8, SizeDtStrings: 0x40}
	long := v17
	long.SizeDtStrings = 0x100
	type wanted struct {
		want int
		of   string
	}
	for _, tc := range []struct {
		name string
		h    fdt.Header
		have int
		want wanted
	}{
		{"whole", v17, 0x100, wanted{0x100, "totalsize"}},
		{"cut", v17, 0x80, wanted{0x100, "totalsize"}},
		{"strings past totalsize", long, 0x100, wanted{0x1b8, "end of the strings block"}},
		{"inside the first 8 bytes", fdt.Header{}, 3, wanted{fdt.HeaderSize, "FDT header"}},
		{"totalsize smaller than the header", fdt.Header{Version: 17, TotalSize: 4}, 40, wanted{40, "FDT header"}},
	} {
		var got wanted
		if got.want, got.of = fdtWant(tc.h, tc.have); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestRawRegions(t *testing.T) {
	for _, tc := range []struct {
		n    int
		miss []annot.Span
		want []annot.Span
	}{
		{0, nil, nil},
		{16, nil, []annot.Span{{Offset: 0, Size: 16}}},
		{16, []annot.Span{{Offset: 0, Size: 16}}, nil},
		{16, []annot.Span{{Offset: 2, Size: 4}, {Offset: 10, Size: 6}}, []annot.Span{{Offset: 0, Size: 2}, {Offset: 6, Size: 4}}},
	} {
		var got []annot.Span
		for _, r := range rawRegions(tc.n, tc.miss) {
			got = append(got, annot.Span{Offset: r.Offset, Size: r.Size})
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("rawRegions(%d, %v) = %v, want %v", tc.n, tc.miss, got, tc.want)
		}
	}
}

func TestStructHint(t *testing.T) {
	for _, tc := range []struct {
		path, head, want string
	}{
		{"x/LUO", "luo-v5\x00\x00", "--struct luo_ser --gen L-luo-v5"},
		{"blob", "luo-v3\x00\x00", "--struct luo_ser --gen L-luo-v3"},
		{"sub_fdts/kexec-metadata", "\x01\x00\x00\x00", "--struct kho_kexec_metadata --gen kexec-metadata"},
		{"core", "\x7fELF\x02", "--addr PA reads it"},
		{"x/LUO", "\x00\x01", ""},
		{"data.bin", "hello\x00", ""},
	} {
		got := structHint(tc.path, []byte(tc.head))
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("structHint(%q, %q) = %q, want %q", tc.path, tc.head, got, tc.want)
		}
	}
}

func TestStartsFDT(t *testing.T) {
	for _, tc := range []struct {
		head string
		want bool
	}{{"", false}, {"\xd0", true}, {"\xd0\x0d\xfe\xed\x00", true}, {"\xd0\x0e", false}, {"luo-v5", false}} {
		if got := startsFDT([]byte(tc.head)); got != tc.want {
			t.Errorf("startsFDT(%q) = %v", tc.head, got)
		}
	}
}
