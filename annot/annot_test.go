package annot

import (
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	data := []byte("\xd0\x0d\xfe\xed0123456789abcdefghijXY")
	regions := []Region{
		{Offset: 0, Size: 4, Kind: Header, Label: "header.magic", Value: "0xd00dfeed"},
		{Offset: 6, Size: 20, Kind: Value, Label: "/ compatible", Value: `"..."`},
		{Offset: 24, Size: 100, Kind: Padding, Label: "overlapping, clipped"},
	}
	var b strings.Builder
	if err := Write(&b, data, regions, Options{Base: 0x1000}); err != nil {
		t.Fatal(err)
	}
	want := `0x00001000  d0 0d fe ed                                      header   header.magic = 0xd00dfeed
0x00001004  30 31                                            unused   unused
0x00001006  32 33 34 35 36 37 38 39 61 62 63 64 65 66 67 68  value    / compatible = "..."
0x00001016  69 6a 58 59
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteOptions(t *testing.T) {
	data := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}
	for _, tc := range []struct {
		name    string
		regions []Region
		opts    Options
		want    string
	}{{
		name:    "missing bytes inside a region and outside every region",
		regions: []Region{{Offset: 0, Size: 4, Kind: Value, Label: "s.a", Value: "unresolved"}},
		opts:    Options{Missing: []Span{{2, 4}}, MissingLabel: "unresolved: not in the source"},
		want: "0x00000000  11 22 ?? ??                                      value    s.a = unresolved\n" +
			"0x00000004  ?? ??                                            missing  unresolved: not in the source\n" +
			"0x00000006  77 88                                            unused   unused\n",
	}, {
		name:    "missing without a label",
		regions: nil,
		opts:    Options{Missing: []Span{{0, 8}}},
		want:    "0x00000000  ?? ?? ?? ?? ?? ?? ?? ??                          missing  missing\n",
	}, {
		name:    "cut short of Want: the region across the cut says so",
		regions: []Region{{Offset: 4, Size: 8, Kind: Value, Label: "x", Value: "0"}},
		opts:    Options{Want: 0x20, WantOf: "totalsize"},
		want: "0x00000000  11 22 33 44                                      unused   unused\n" +
			"0x00000004  55 66 77 88                                      value    x = cut short: 4 of its 8 bytes are here\n" +
			"── cut at byte 0x8 of 0x20 (totalsize): 0x18 bytes missing ──\n",
	}, {
		name:    "more bytes not shown",
		regions: []Region{{Offset: 0, Size: 8, Kind: Unused, Label: "raw bytes"}},
		opts:    Options{Base: 0x10, More: 0x100, MoreHint: "--size shows them"},
		want: "0x00000010  11 22 33 44 55 66 77 88                          unused   raw bytes\n" +
			"── 0x100 more bytes (256) not shown: --size shows them ──\n",
	}, {
		name:    "a region past the end without Want is clipped silently",
		regions: []Region{{Offset: 6, Size: 8, Kind: Value, Label: "y", Value: "v"}},
		opts:    Options{},
		want: "0x00000000  11 22 33 44 55 66                                unused   unused\n" +
			"0x00000006  77 88                                            value    y = v\n",
	}} {
		var b strings.Builder
		if err := Write(&b, data, tc.regions, tc.opts); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestKindString(t *testing.T) {
	if Missing.String() != "missing" || Kind(99).String() != "kind(99)" {
		t.Errorf("Missing = %q, Kind(99) = %q", Missing, Kind(99))
	}
}
