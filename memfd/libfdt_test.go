package memfd_test

// Byte-for-byte comparison of the M0 per-memfd FDT that Encode writes with
// the real libfdt (internal/libfdtoracle) running the calls of
// memfd_luo_prepare / memfd_luo_freeze (mm/memfd_luo.c of the LUO v2/v3
// postings, docs/abi/generations.md §5.1):
//
//	memfd_luo_create_fdt(PAGE_ALIGN(16 n) + PAGE_SIZE): a folio of order
//	  get_order(size); fdt_create(fdt, PAGE_SIZE << order),
//	  fdt_finish_reservemap, fdt_begin_node("");
//	fdt_property("pos", &pos, 8), fdt_property("size", &size, 8),
//	fdt_property_placeholder("folios", 16 n) filled with the records;
//	fdt_end_node, fdt_finish;
//	freeze: fdt_setprop("pos", &pos, 8) (same length, in place).
//
// The comparison covers the exact blob and the whole preserved block.

import (
	"encoding/binary"
	"fmt"
	"testing"

	ora "github.com/luoinspect/luoinspect/internal/libfdtoracle"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

func m0Records(folios []memfd.Folio) []byte {
	var b []byte
	for _, f := range folios {
		b = binary.LittleEndian.AppendUint64(b, f.PFN<<12|uint64(f.Flags))
		b = binary.LittleEndian.AppendUint64(b, f.Index)
	}
	return b
}

func TestLibfdtM0(t *testing.T) {
	o := ora.Get(t)
	for _, n := range []int{0, 1, 3, 255, 256, 257, 1000} {
		for _, nr := range []bool{false, true} {
			if nr && n != 3 {
				continue
			}
			name := fmt.Sprintf("%d-folios", n)
			if nr {
				name += "/nr_folios"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				folios := make([]memfd.Folio, n)
				for i := range folios {
					folios[i] = memfd.Folio{PFN: 0x200000 + uint64(i)*2, Flags: memfd.FolioDirty | memfd.FolioUptodate, Index: uint64(i) * 2}
				}
				f := &memfd.File{Pos: 0x1234, Size: uint64(n) * 8192}
				if nr {
					f.FDT = &memfd.FDTInfo{HasNrFolios: true}
				}
				img := phys.NewImage()
				a := phys.NewAllocator(img, 0x100000)
				addr, err := memfd.Encode(a, f, folios, memfd.M0)
				if err != nil {
					t.Fatal(err)
				}
				size := (16*n+4095)&^4095 + 4096
				order := uint(0)
				for 4096<<order < size {
					order++
				}
				blk, ok := img.View(addr, 4096<<order)
				if !ok {
					t.Fatalf("no block of order %d at %#x", order, addr)
				}
				s := ora.NewScript().Create(4096<<order).FinishRsv().Begin("").
					PropU64LE("pos", 0).PropU64LE("size", f.Size).Prop("folios", m0Records(folios))
				if nr {
					// linux-next variant (UNVERIFIED): nr_folios after
					// folios, as Encode documents.
					s.PropU64LE("nr_folios", uint64(n))
				}
				s.End().Finish().SetPropU64LE("/", "pos", f.Pos)
				res := o.MustRun(t, s.String())
				ora.Compare(t, "blob", res.Blob(), blk[:min(len(blk), res.TotalSize)])
				ora.Compare(t, "block", res.Buffer, blk)
			})
		}
	}
}
