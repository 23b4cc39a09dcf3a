package memfd

import (
	"encoding/binary"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Encode writes f with the given folio records as generation gen
// (f.Generation when gen is "") and returns the physical address to store
// in the LUO file entry's data; Compatible(gen) gives the entry's string.
// See EncodeFunc for what is written.
func Encode(a *phys.Allocator, f *File, folios []Folio, gen abi.Tag) (uint64, error) {
	return EncodeFunc(a, f, uint64(len(folios)), func(i uint64) Folio { return folios[i] }, gen)
}

// EncodeFunc is Encode for states too big to hold as a []Folio: record i
// (0 <= i < n) is at(i), asked for once, in order.
//
// It writes what the kernel writes at preserve time (docs/abi/kernel-rules.md §8.4):
//
//   - M1 to M4: struct memfd_luo_ser in a zeroed, preserved order-0 page,
//     holding f's Pos, Size, Seals, Flags (M2b, M3, M4), Reserved (M2a),
//     Features (M4; the zero value is replaced by DefaultFeatures),
//     nr_folios = n and the folios descriptor. The records go into a
//     vmalloc area as vcalloc + kho_preserve_vmalloc leave it: order-0
//     blocks, flags KHO_VMALLOC_ALLOC, total_pages = DIV_ROUND_UP(16n,
//     PAGE_SIZE), the tail of the last block zero, data blocks allocated
//     before the chunk pages (byte-identical to kho.EncodeVmalloc, without
//     materialising the 16n bytes). n = 0 leaves the descriptor zero.
//   - M0: the per-memfd FDT, built with libfdt's sequential-write calls
//     into a zeroed block of get_order(PAGE_ALIGN(16n) + PAGE_SIZE) pages
//     (at most MAX_PAGE_ORDER), with properties pos, size, folios and,
//     when f.FDT.HasNrFolios, nr_folios = n; the whole block, leftover
//     strings behind totalsize included, is preserved at that order.
//
// The folio pages themselves are not written: use AllocFolios, or
// Allocator.Preserve for pages placed by the caller. A PFN, flags value or
// seal set that does not fit its field is an error, not truncated.
func EncodeFunc(a *phys.Allocator, f *File, n uint64, at func(i uint64) Folio, gen abi.Tag) (uint64, error) {
	if gen == "" {
		gen = f.Generation
	}
	lay := folioLayoutOf(gen)
	if gen == M0 {
		if err := checkFields(gen, f, false, false, false, false); err != nil {
			return 0, err
		}
		return encodeM0(a, f, n, at, lay)
	}
	l, ok := serLayouts[gen]
	if !ok {
		return 0, fmt.Errorf("memfd: cannot encode generation %q", gen)
	}
	if gen == M2a && (f.Seals > uint32(1<<l.seals.BitSize-1) || f.Reserved > 1<<l.reserved.BitSize-1) {
		return 0, fmt.Errorf("memfd: M2a seals 0x%x or reserved 0x%x do not fit their bitfields", f.Seals, f.Reserved)
	}
	if err := checkFields(gen, f, l.seals != nil, l.flags != nil, l.reserved != nil, l.features != nil); err != nil {
		return 0, err
	}
	serAddr, ser := a.Alloc(0)
	l.pos.PutUint(ser, f.Pos)
	l.size.PutUint(ser, f.Size)
	l.nrFolios.PutUint(ser, n)
	if l.seals != nil {
		l.seals.PutUint(ser, uint64(f.Seals))
	}
	if l.flags != nil {
		l.flags.PutUint(ser, uint64(f.Flags))
	}
	if l.reserved != nil {
		l.reserved.PutUint(ser, f.Reserved)
	}
	if l.features != nil {
		ft := f.Features
		if ft == (Features{}) {
			ft = DefaultFeatures()
		}
		l.supp.PutUint(ser, ft.Supp)
		l.req.PutUint(ser, ft.Req)
		l.active.PutUint(ser, ft.Active)
		for i, v := range ft.Reserved {
			l.featReserved.PutElem(ser, i, v)
		}
	}
	if n == 0 {
		return serAddr, nil
	}
	if n > (1<<32-1)*uint64(pageSize/lay.size) {
		return 0, fmt.Errorf("memfd: %d folio records do not fit a vmalloc area's total_pages", n)
	}
	per := uint64(pageSize / lay.size) // records per order-0 block
	v, err := kho.EncodeVmallocFunc(a, (n+per-1)/per, 0, kho.VmallocAlloc, func(blk uint64, b []byte) error {
		for i := blk * per; i < min(n, (blk+1)*per); i++ {
			off := (i - blk*per) * uint64(lay.size)
			if err := lay.put(b[off:off+uint64(lay.size)], at(i)); err != nil {
				return fmt.Errorf("memfd: record %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	v.Put(ser[l.folios.Offset:l.folios.End()])
	return serAddr, nil
}

// checkFields refuses values the generation has no field for, so that
// what Decode reads back is what the caller asked for.
func checkFields(gen abi.Tag, f *File, seals, flags, reserved, feats bool) error {
	switch {
	case !seals && f.Seals != 0:
		return fmt.Errorf("memfd: %s has no seals field (seals 0x%x)", gen, f.Seals)
	case !flags && f.Flags != 0:
		return fmt.Errorf("memfd: %s has no flags field (flags 0x%x)", gen, f.Flags)
	case !reserved && f.Reserved != 0:
		return fmt.Errorf("memfd: %s has no reserved bitfield (0x%x)", gen, f.Reserved)
	case !feats && f.Features != (Features{}):
		return fmt.Errorf("memfd: %s has no feature header", gen)
	}
	return nil
}

// put writes one record, refusing values that do not fit.
func (l *folioLayout) put(b []byte, fo Folio) error {
	if fo.PFN > l.pfnMask {
		return fmt.Errorf("pfn 0x%x does not fit in %d bits", fo.PFN, bitsOf(l.pfnMask))
	}
	if uint64(fo.Flags) > l.flagsMask {
		return fmt.Errorf("flags 0x%x do not fit in %d bits", fo.Flags, bitsOf(l.flagsMask))
	}
	binary.LittleEndian.PutUint64(b[l.wordOff:], fo.PFN<<l.pfnShift|uint64(fo.Flags)<<l.flagsShift)
	binary.LittleEndian.PutUint64(b[l.indexOff:], fo.Index)
	return nil
}

func bitsOf(mask uint64) int {
	n := 0
	for ; mask != 0; mask >>= 1 {
		n++
	}
	return n
}

// getOrder is the kernel's get_order(size) for size > 0.
func getOrder(size uint64) uint {
	order := uint(0)
	for pageSize<<order < size {
		order++
	}
	return order
}

// encodeM0 builds the per-memfd FDT as memfd_luo_preserve (LUO v2/v3) does.
func encodeM0(a *phys.Allocator, f *File, n uint64, at func(i uint64) Folio, lay *folioLayout) (uint64, error) {
	rec := uint64(lay.size)
	if n > maxM0FDT/rec {
		return 0, fmt.Errorf("memfd: %d records do not fit an M0 FDT", n)
	}
	recs := n * rec
	order := getOrder((recs+pageSize-1)&^(pageSize-1) + pageSize)
	if order > maxPageOrder {
		return 0, fmt.Errorf("memfd: an M0 FDT for %d records needs order %d, above MAX_PAGE_ORDER %d", n, order, maxPageOrder)
	}
	folios := make([]byte, recs)
	for i := range n {
		if err := lay.put(folios[i*rec:(i+1)*rec], at(i)); err != nil {
			return 0, fmt.Errorf("memfd: record %d: %w", i, err)
		}
	}
	w := fdt.NewSeqWriter(pageSize << order)
	w.FinishReserveMap()
	w.BeginNode("")
	w.PropertyU64LE(m0PropPos.Name, f.Pos)
	w.PropertyU64LE(m0PropSize.Name, f.Size)
	w.Property(m0PropFolios.Name, folios)
	if f.FDT != nil && f.FDT.HasNrFolios {
		w.PropertyU64LE(m0PropNrFolio.Name, n)
	}
	w.EndNode()
	if _, err := w.Finish(); err != nil {
		return 0, fmt.Errorf("memfd: M0 FDT: %w", err)
	}
	addr, blk := a.Alloc(order)
	copy(blk, w.Buffer())
	return addr, nil
}

// AllocFolios allocates and preserves the folio pages of a memfd of size
// bytes the way the kernel leaves them at preserve time: memfd_pin_folios
// gives every page-cache index below DIV_ROUND_UP(size, PAGE_SIZE) a
// folio, here of 2^order pages each (so index i<<order for folio i), and
// kho_preserve_folio preserves each at its order. Records come back in
// ascending index order with FolioDirty|FolioUptodate set. fill, when not
// nil, may write each folio's zeroed contents.
func AllocFolios(a *phys.Allocator, size uint64, order uint, fill func(fo Folio, data []byte)) []Folio {
	pages := size>>pageShift + min(size&(pageSize-1), 1)
	n := (pages + 1<<order - 1) >> order
	out := make([]Folio, n)
	for i := range out {
		addr, data := a.Alloc(order)
		out[i] = Folio{PFN: addr >> pageShift, Flags: FolioDirty | FolioUptodate, Index: uint64(i) << order}
		if fill != nil {
			fill(out[i], data)
		}
	}
	return out
}
