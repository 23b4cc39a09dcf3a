package validate

import (
	"fmt"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// maxPageOrder is MAX_PAGE_ORDER on default x86 configurations
// (UNVERIFIED per config): kho_restore_page() refuses larger orders.
const maxPageOrder = 10

// span is one referenced structure.
type span struct {
	addr, size uint64
	path       string
}

func (s span) rng() phys.Range { return phys.Range{Start: s.addr, Size: s.size} }

// refs tracks every page the state references. Structures (few) are kept
// as spans for the overlap checks; folio pages (possibly millions) only
// set a bit per preserved block, so memory stays proportional to the
// preserved-memory map the walk already holds.
type refs struct {
	v      *validator
	blocks *kho.Preserved // nil without a map
	cur    *kho.Cursor    // lookups in blocks, fast for ascending addresses
	used   []uint64       // bit i: block i of blocks.All() is referenced
	owner  map[int]string
	spans  []span
}

func newRefs(v *validator) *refs {
	rf := &refs{v: v, owner: map[int]string{}}
	if p := v.st.Preserved; p != nil {
		rf.blocks, rf.cur = p, p.Cursor()
		rf.used = make([]uint64, (p.Len()+63)/64)
	}
	return rf
}

// check applies REF001 and REF005 to a reference at addr and returns the
// block index, or -1 when addr is not a block head.
func (rf *refs) check(path func() string, addr, size uint64) int {
	if rf.blocks == nil {
		return -1
	}
	i, b, ok := rf.cur.HeadIndex(addr)
	if !ok {
		if b, ok := rf.v.st.Preserved.Contains(addr); ok {
			rf.v.add("REF001", path(), addr, -1, "0x%x lies inside the preserved block at 0x%x (order %d) but is not its head: no KHOP magic there",
				addr, b.Addr, b.Order)
		} else if rf.v.st.MemmapIncomplete {
			rf.v.add(ruleUnresolved, path(), addr, -1, "0x%x is in no preserved block the map showed, but parts of the map could not be read: whether it is preserved is unverified", addr)
		} else {
			rf.v.add("REF001", path(), addr, -1, "0x%x is not in any preserved block", addr)
		}
		return -1
	}
	if b.Order > maxPageOrder {
		rf.v.add("REF005", path(), addr, -1, "the block at 0x%x has order %d, above MAX_PAGE_ORDER %d", addr, b.Order, maxPageOrder)
	}
	if size > b.Size() {
		rf.v.add("REF004", path(), addr, -1, "the structure is %d bytes but the preserved block at 0x%x is %d (order %d)",
			size, addr, b.Size(), b.Order)
	}
	return i
}

func (rf *refs) mark(i int) (already bool) {
	w, bit := i/64, uint64(1)<<(i%64)
	already = rf.used[w]&bit != 0
	rf.used[w] |= bit
	return already
}

// structure records a referenced structure of size bytes at addr.
func (rf *refs) structure(path string, addr, size uint64) {
	if addr == 0 {
		return
	}
	rf.spans = append(rf.spans, span{addr, max(size, 1), path})
	if i := rf.check(func() string { return path }, addr, size); i >= 0 {
		if !rf.mark(i) {
			rf.owner[i] = path
		}
	}
}

// folioFast records a folio page at addr when that raises no finding
// (the page is the head of a preserved block of at most MAX_PAGE_ORDER
// not referenced before) and reports whether it did; otherwise it changes
// nothing and the caller takes the path that reports.
func (rf *refs) folioFast(addr, index uint64) bool {
	if rf.blocks == nil {
		return true // no map: check records nothing
	}
	i, b, ok := rf.cur.HeadIndex(addr)
	if !ok || b.Order > maxPageOrder || index&(1<<b.Order-1) != 0 {
		return false
	}
	w, bit := i/64, uint64(1)<<(i%64)
	if rf.used[w]&bit != 0 {
		return false
	}
	rf.used[w] |= bit
	return true
}

// folio records a folio page at addr; path is called only for a finding.
func (rf *refs) folio(path func() string, addr uint64) {
	i := rf.check(path, addr, phys.PageSize)
	if i < 0 {
		return
	}
	if rf.mark(i) {
		prev, ok := rf.owner[i]
		if !ok {
			prev = "an earlier folio record"
		}
		rf.v.add("REF002", path(), addr, -1, "the block at 0x%x is already referenced by %s", addr, prev)
	}
}

// finish reports structures that start at the same address or overlap,
// and structures that overlap a scratch area.
func (rf *refs) finish() {
	s := rf.spans
	phys.SortRanges(s, span.rng)
	var sw phys.Sweep[span]
	for _, cur := range s {
		for si, sc := range rf.v.opts.Scratch {
			if cur.rng().Overlaps(sc.Range()) {
				rf.v.add("MAP003", cur.path, cur.addr, -1, "overlaps scratch area %d [0x%x, +0x%x)", si, sc.Addr, sc.Size)
			}
		}
		hi, _, ok := sw.Reach()
		overlaps := sw.Next(cur, cur.rng())
		switch {
		case ok && cur.addr == hi.addr:
			rf.v.add("REF002", cur.path, cur.addr, -1, "0x%x is already referenced by %s", cur.addr, hi.path)
		case overlaps:
			rf.v.add("REF003", cur.path, cur.addr, -1, "[0x%x, +0x%x) overlaps %s at [0x%x, +0x%x)", cur.addr, cur.size, hi.path, hi.addr, hi.size)
		}
	}
}

// folioPath names folio record pos of a memfd descriptor path.
func folioPath(desc string, pos uint64) string { return fmt.Sprintf("%s.folios[%d]", desc, pos) }
