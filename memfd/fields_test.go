package memfd

import (
	"testing"

	"github.com/luoinspect/luoinspect/abi"
)

func TestHasField(t *testing.T) {
	fields := []string{"seals", "flags", "pos", "size", "nr_folios", "__reserved", "features.req", "folios.first", "bogus"}
	tests := []struct {
		gen    abi.Tag
		nrProp bool // M0: encode the optional nr_folios property
		want   map[string]bool
	}{
		{gen: M0, want: map[string]bool{"pos": true, "size": true}},
		{gen: M0, nrProp: true, want: map[string]bool{"pos": true, "size": true, "nr_folios": true}},
		{gen: M1, want: map[string]bool{"pos": true, "size": true, "nr_folios": true, "folios.first": true}},
		{gen: M2a, want: map[string]bool{"seals": true, "__reserved": true, "pos": true, "size": true, "nr_folios": true, "folios.first": true}},
		{gen: M2b, want: map[string]bool{"seals": true, "flags": true, "pos": true, "size": true, "nr_folios": true, "folios.first": true}},
		{gen: M3, want: map[string]bool{"seals": true, "flags": true, "pos": true, "size": true, "nr_folios": true, "folios.first": true}},
		{gen: M4, want: map[string]bool{"seals": true, "flags": true, "pos": true, "size": true, "nr_folios": true,
			"features.req": true, "folios.first": true}},
	}
	for _, tc := range tests {
		in := &File{Size: 4096}
		if tc.nrProp {
			in.FDT = &FDTInfo{HasNrFolios: true}
		}
		s := encodeState(t, 0x100000, in, []Folio{synth(0)}, tc.gen)
		f, err := DecodeAs(s.img, s.addr, tc.gen, testPath) // memfd-v2 alone decodes as M2b
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range fields {
			if got := f.HasField(name); got != tc.want[name] {
				t.Errorf("%s (nr_folios property %v): HasField(%q) = %v, want %v", tc.gen, tc.nrProp, name, got, tc.want[name])
			}
		}
	}
	// The folios property is the M0 record array; M1 on, the vmalloc
	// descriptor.
	for _, gen := range Tags {
		if !(&File{Generation: gen}).HasField("folios") {
			t.Errorf("%s: no folios", gen)
		}
	}
	// A hand-built M0 File (no FDT information) answers from the registry.
	if f := (&File{Generation: M0}); !f.HasField("nr_folios") || f.HasField("seals") {
		t.Error("M0 without FDT information")
	}
	if (&File{Generation: "M9"}).HasField("pos") {
		t.Error("unknown generation has pos")
	}
}
