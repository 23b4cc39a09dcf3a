package luo

import (
	"encoding/binary"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// TestMutationSweep overwrites every u64 of the first 256 bytes of the
// blob and of every preserved block with hostile values, for every
// generation, and checks that decoding neither panics nor loses the
// state of a given generation, and that every problem carries a check.
func TestMutationSweep(t *testing.T) {
	for _, gen := range Generations() {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		s := smallState(gen, 3, flbs)
		blob, _, err := Encode(a, &s, gen)
		if err != nil {
			t.Fatal(err)
		}
		other := a.Preserved[len(a.Preserved)-1].Addr
		values := []uint64{0, ^uint64(0), 0x4141414141414141, other, 1 << 20, 0x10000}
		decodeAll := func(what string, b []byte) {
			for _, g := range []string{string(gen), ""} {
				st, err := Decode(img, b, abi.Tag(g))
				checkProblems(t, err)
				if g != "" && st == nil {
					t.Fatalf("%s %s: no state: %v", gen, what, err)
				}
			}
		}
		for off := 0; off+8 <= min(len(blob), 256); off += 8 {
			for _, v := range values {
				b := append([]byte(nil), blob...)
				binary.LittleEndian.PutUint64(b[off:], v)
				decodeAll("blob", b)
			}
		}
		for _, blk := range a.Preserved {
			for off := uint64(0); off+8 <= min(blk.Size(), 256); off += 8 {
				mem, _ := img.View(blk.Addr+off, 8)
				old := binary.LittleEndian.Uint64(mem)
				for _, v := range values {
					binary.LittleEndian.PutUint64(mem, v)
					decodeAll("memory", blob)
				}
				binary.LittleEndian.PutUint64(mem, old)
			}
		}
	}
}
