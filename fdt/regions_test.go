package fdt

import (
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/annot"
)

func TestRegionsCoverEveryByte(t *testing.T) {
	for name, b := range map[string][]byte{"kho": khoRoot(t), "nested": nested(t), "nop": withNOP(t)} {
		tr, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if err := annot.Write(&out, tr.Data, tr.Regions(), annot.Options{}); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"header.totalsize", "FDT_END", "reserve terminator"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: no %q in\n%s", name, want, s)
			}
		}
		if name == "kho" {
			for _, want := range []string{
				`0x00000068  00 40 be 16 01 00 00 00                          value    / preserved-memory-map = u64 LE 0x116be4000`,
				`0x0000005b  00                                               padding  padding`,
				`0x00000028  00 00 00 00 00 00 00 00                          unused   unused`,
				`string +0x15 = "compatible"`,
			} {
				if !strings.Contains(s, want) {
					t.Errorf("missing line %q in\n%s", want, s)
				}
			}
		}
		if name == "nop" && !strings.Contains(s, "FDT_NOP") {
			t.Errorf("no NOP token in\n%s", s)
		}
	}
}
