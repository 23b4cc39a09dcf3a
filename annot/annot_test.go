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
