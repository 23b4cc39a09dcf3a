package memfd

import (
	"testing"

	"github.com/luoinspect/luoinspect/abi"
)

func TestHandles(t *testing.T) {
	for h, want := range map[string]bool{
		"memfd-v1": true, "memfd-v2;vmalloc-v1": true, "memfd": true,
		"memfd-v9":   true, // Decode refuses it as unknown
		"iommufd-v1": false, "": false,
	} {
		if got := Handles(h); got != want {
			t.Errorf("Handles(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestDescriptorSize(t *testing.T) {
	for gen, want := range map[abi.Tag]uint64{M1: 40, M2a: 48, M2b: 48, M3: 48, M4: 176, "M9": 0} {
		f := &File{Generation: gen}
		if got := f.DescriptorSize(); got != want {
			t.Errorf("%s: DescriptorSize = %d, want %d", gen, got, want)
		}
	}
	f := &File{Generation: M0, FDT: &FDTInfo{TotalSize: 0x234}}
	if got := f.DescriptorSize(); got != 0x234 {
		t.Errorf("M0: DescriptorSize = %d, want the FDT's totalsize", got)
	}
}
