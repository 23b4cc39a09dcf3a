package memfd

import (
	"fmt"
	"sort"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Table is the folio record array of a File, located and bounds-checked:
// the vmalloc chunk chain has been followed, the area verified the way
// kho_restore_vmalloc does, nr_folios checked to fit in the area, and
// every block the records occupy checked to be in the source. Opening a
// Table reads the chunk pages only; records are read on demand.
type Table struct {
	f      *File
	m      phys.Memory
	lay    *folioLayout
	segs   []uint64 // physical address of each segment (vmalloc block, or the M0 array)
	segLen uint64   // bytes per segment
	n      uint64   // records
	// Area is the followed vmalloc area (nil for M0 and for nr_folios 0).
	Area *kho.VmallocArea
}

// Table opens f's folio records in m. It fails, before any record is
// read, when the chunk chain is broken (cycle, unreadable chunk, order too
// large, more blocks than total_pages), when the blocks do not cover
// total_pages exactly (kho_restore_vmalloc returns NULL), when a block or
// chunk page is listed twice or overlaps another (the second
// kho_restore_pages fails), when nr_folios records do not fit in the area
// (ErrLimit at path ".folios"; the kernel does not check this and would
// read past the area), or when a block holding records is not in m.
//
// As in the kernel, an nr_folios of 0 reads nothing, not even the chain.
func (f *File) Table(m phys.Memory) (*Table, error) {
	t := &Table{f: f, m: m, lay: folioLayoutOf(f.Generation), n: f.NrFolios}
	if t.n == 0 {
		return t, nil
	}
	rec := uint64(t.lay.size)
	fpath := f.Path + ".folios"
	if f.Generation == M0 {
		if f.FDT == nil {
			return nil, phys.Errorf(phys.ErrMalformed, fpath, f.Addr, -1, "M0 file without FDT information").With(CheckStructure)
		}
		if t.n > maxM0FDT/rec {
			return nil, phys.Errorf(phys.ErrLimit, fpath, f.FDT.Folios, -1, "%d records do not fit in an M0 FDT", t.n).With(CheckFolioCount)
		}
		t.segs, t.segLen = []uint64{f.FDT.Folios}, t.n*rec
		if !phys.Holds(m, f.FDT.Folios, t.segLen) {
			return nil, phys.Errorf(phys.ErrUnresolved, fpath, f.FDT.Folios, -1, "%d bytes of folio records are not in the source", t.segLen)
		}
		return t, nil
	}
	snap := newSnapshot(m)
	area, err := kho.ReadVmalloc(snap, f.Folios, fpath)
	if err != nil {
		return nil, err
	}
	if err := area.Verify(fpath); err != nil {
		return nil, err
	}
	if err := checkDisjoint(area, fpath); err != nil {
		return nil, err
	}
	bs := area.Desc.BlockSize()
	if t.n > area.Size()/rec {
		return nil, phys.Errorf(phys.ErrLimit, fpath, f.Folios.First, -1,
			"nr_folios %d needs %d-byte records past the %d-byte area (total_pages %d, order %d)",
			t.n, rec, area.Size(), f.Folios.TotalPages, f.Folios.Order).With(CheckFolioCount)
	}
	need := t.n * rec
	nblocks := (need + bs - 1) / bs
	t.Area, t.segs, t.segLen = area, area.Blocks[:nblocks], bs
	for i, pa := range t.segs {
		n := min(bs, need-uint64(i)*bs)
		if !snap.holds(pa, n) {
			return nil, phys.Errorf(phys.ErrUnresolved, fmt.Sprintf("%s.block[%d]", fpath, i), pa, -1,
				"%d bytes of folio records are not in the source", n)
		}
	}
	return t, nil
}

// snapshot is a source whose ranges are listed once: phys.Read asks for
// them on every call, which costs O(segments) each time on an Image and
// would make following a long chunk chain quadratic.
type snapshot struct {
	phys.Memory
	ranges []phys.Range
	viewer phys.Viewer
	last   int // range index where the last holds ended
}

func newSnapshot(m phys.Memory) *snapshot {
	s := &snapshot{Memory: m, ranges: m.Ranges()}
	s.viewer, _ = m.(phys.Viewer)
	return s
}

// Ranges returns the ranges listed when the snapshot was taken.
func (s *snapshot) Ranges() []phys.Range { return s.ranges }

// View forwards to the source when it can hand out views.
func (s *snapshot) View(addr, n uint64) ([]byte, bool) {
	if s.viewer == nil {
		return nil, false
	}
	return s.viewer.View(addr, n)
}

// checkDisjoint refuses an area whose block and chunk pages repeat or
// overlap: the kernel restores each with kho_restore_pages, and a second
// restore of the same page fails. It also bounds the area by the memory
// the source holds, so a chain cannot amplify a small input.
func checkDisjoint(area *kho.VmallocArea, path string) error {
	type span struct {
		r phys.Range
		i int // block index, or -1-i for chunk i
	}
	bs := area.Desc.BlockSize()
	spans := make([]span, 0, len(area.Blocks)+len(area.Chunks))
	for i, pa := range area.Blocks {
		spans = append(spans, span{phys.Range{Start: pa, Size: bs}, i})
	}
	for i, c := range area.Chunks {
		spans = append(spans, span{phys.Range{Start: c.Addr, Size: pageSize}, -1 - i})
	}
	name := func(s span) string {
		if s.i < 0 {
			return fmt.Sprintf("chunk[%d]", -1-s.i)
		}
		return fmt.Sprintf("block[%d]", s.i)
	}
	if a, b, ok := phys.FirstOverlap(spans, func(s span) phys.Range { return s.r }); ok {
		return phys.Errorf(phys.ErrMalformed, path+"."+name(b), b.r.Start, -1,
			"overlaps %s at PA 0x%x; the kernel restores every page once", name(a), a.r.Start).With(CheckFolioTable)
	}
	return nil
}

// holds is phys.Holds over the snapshot's ranges. It remembers where the
// last lookup ended, so that runs of blocks in address order (the usual
// layout) cost O(1) each instead of a binary search.
func (s *snapshot) holds(addr, n uint64) bool {
	r := s.ranges
	i := s.last
	if !(i < len(r) && r[i].Start <= addr && addr < r[i].End()) {
		if i++; !(i < len(r) && r[i].Start <= addr && addr < r[i].End()) {
			i = sort.Search(len(r), func(i int) bool { return r[i].End() > addr })
		}
	}
	for ; i < len(r) && n > 0; i++ {
		if r[i].Start > addr {
			return false
		}
		take := min(n, r[i].End()-addr)
		addr += take
		n -= take
		s.last = i
	}
	return n == 0
}

// Len returns the number of records (nr_folios).
func (t *Table) Len() uint64 { return t.n }

// At reads record i.
func (t *Table) At(i uint64) (Folio, error) {
	if i >= t.n {
		return Folio{}, phys.Errorf(phys.ErrLimit, t.f.folioPath(i), phys.NoAddr, -1, "record %d is past nr_folios %d", i, t.n).With(CheckStructure)
	}
	off := i * uint64(t.lay.size)
	pa := t.segs[off/t.segLen] + off%t.segLen
	b, err := readAt(t.m, pa, uint64(t.lay.size), t.f.folioPath(i))
	if err != nil {
		return Folio{}, err
	}
	return t.lay.decode(b), nil
}

// decode reads one record.
func (l *folioLayout) decode(b []byte) Folio {
	w := le64(b[l.wordOff:])
	return Folio{PFN: w >> l.pfnShift & l.pfnMask, Flags: uint16(w >> l.flagsShift & l.flagsMask), Index: le64(b[l.indexOff:])}
}

// FolioAt reads folio record i of f (0-based, below NrFolios). It opens
// the table each time; use Table for repeated access.
func (f *File) FolioAt(m phys.Memory, i uint64) (Folio, error) {
	t, err := f.Table(m)
	if err != nil {
		return Folio{}, err
	}
	return t.At(i)
}
