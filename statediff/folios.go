package statediff

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// DefaultMaxFolioMap bounds the fallback map of CompareFolios: 1<<22
// records (some 100 MiB). A memfd of 16 GiB in 4 KiB folios has 1<<22.
const DefaultMaxFolioMap = 1 << 22

// DefaultSample is how many indexes an IndexSample keeps by default.
const DefaultSample = 8

// batch is the number of records decoded per NextBatch call on each side.
const batch = 512

// ErrUnsortedTooLarge is returned when the records are not in index order
// and B has more folios than the fallback map may hold.
var ErrUnsortedTooLarge = errors.New("folio records are not in index order and too many to index")

// FolioOptions steer CompareFolios.
type FolioOptions struct {
	// MaxMap bounds the number of B's records the fallback indexes in a
	// map when either side is not in strictly ascending index order
	// (default DefaultMaxFolioMap).
	MaxMap int
	// Sample is how many indexes each IndexSample keeps (default
	// DefaultSample).
	Sample int
	// SizeA and SizeB give the pages of each side's folios (from its
	// preserved-memory map); when both say, matched folios of other sizes
	// are counted in FolioDiff.Resized. Nil leaves sizes uncompared.
	SizeA, SizeB memfd.FolioPages
}

// IndexSample counts page-cache indexes and keeps the first few.
type IndexSample struct {
	// N is how many there are.
	N uint64
	// First holds up to the sample size of them, in the order found
	// (ascending when the records were streamed).
	First []uint64
}

func (s *IndexSample) add(idx uint64, limit int) {
	s.N++
	if len(s.First) < limit {
		s.First = append(s.First, idx)
	}
}

// String renders the sample as "3, 5-7, 9 and 12 more".
func (s IndexSample) String() string {
	var b strings.Builder
	for i := 0; i < len(s.First); {
		j := i
		for j+1 < len(s.First) && s.First[j+1] == s.First[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", s.First[i])
		if j > i {
			fmt.Fprintf(&b, "-%d", s.First[j])
		}
		i = j + 1
	}
	if more := s.N - uint64(len(s.First)); more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	return b.String()
}

// FolioDiff is how the folio records of two memfds differ, matched by
// page-cache index. Records with pfn 0 are holes (the kernel skips them)
// and count as no folio.
type FolioDiff struct {
	// FoliosA and FoliosB count the folios (non-hole records) of each side.
	FoliosA, FoliosB uint64
	// Matched counts indexes present on both sides.
	Matched uint64
	// Missing: indexes of A with no folio in B.
	Missing IndexSample
	// Added: indexes of B with no folio in A.
	Added IndexSample
	// FlagsChanged: matched indexes whose flags differ.
	FlagsChanged IndexSample
	// Moved: matched indexes whose PFN differs.
	Moved IndexSample
	// Resized: matched indexes whose folios span other numbers of pages
	// (only with FolioOptions.SizeA and SizeB).
	Resized IndexSample
	// Streamed is true when both sides were in ascending index order and
	// were compared in one pass; false when the bounded map was used.
	Streamed bool
}

// Equal reports whether the two record sets match exactly.
func (d *FolioDiff) Equal() bool {
	return d.Missing.N == 0 && d.Added.N == 0 && d.FlagsChanged.N == 0 && d.Moved.N == 0 && d.Resized.N == 0
}

// CompareFolios compares the folio records of a (in memory ma) with those
// of b (in mb). It streams both record arrays in index order side by side
// with a fixed buffer per side, so its memory does not depend on the
// number of folios. Kernel-made arrays are in ascending index order
// (docs/abi/kernel-rules.md §8.4); when either side is not, it starts again and
// indexes B's records in a map of at most opts.MaxMap entries
// (ErrUnsortedTooLarge beyond). A read error on either side is returned.
func CompareFolios(a *memfd.File, ma phys.Memory, b *memfd.File, mb phys.Memory, opts FolioOptions) (*FolioDiff, error) {
	if opts.MaxMap <= 0 {
		opts.MaxMap = DefaultMaxFolioMap
	}
	if opts.Sample <= 0 {
		opts.Sample = DefaultSample
	}
	d, sorted, err := streamFolios(a, ma, b, mb, opts)
	if err != nil || sorted {
		return d, err
	}
	return mapFolios(a, ma, b, mb, opts)
}

// cursor reads one side's records in batches, skipping holes and noting
// whether indexes ascend strictly.
type cursor struct {
	it     *memfd.Iterator
	buf    []memfd.Folio
	i, n   int
	prev   uint64
	any    bool
	sorted bool
	count  uint64
}

func newCursor(f *memfd.File, m phys.Memory, buf []memfd.Folio) *cursor {
	return &cursor{it: f.Iter(m), buf: buf, sorted: true}
}

// next returns the next folio, or false at the end (or on an error, which
// Err reports).
func (c *cursor) next() (memfd.Folio, bool) {
	for {
		if c.i >= c.n {
			c.n, c.i = c.it.NextBatch(c.buf), 0
			if c.n == 0 {
				return memfd.Folio{}, false
			}
		}
		f := c.buf[c.i]
		c.i++
		if f.PFN == 0 {
			continue
		}
		if c.any && f.Index <= c.prev {
			c.sorted = false
		}
		c.prev, c.any = f.Index, true
		c.count++
		return f, true
	}
}

// streamFolios merges the two sorted streams. It reports sorted=false as
// soon as either side goes out of order; the partial result is then
// discarded by the caller.
func streamFolios(a *memfd.File, ma phys.Memory, b *memfd.File, mb phys.Memory, opts FolioOptions) (*FolioDiff, bool, error) {
	sample := opts.Sample
	bufs := make([]memfd.Folio, 2*batch)
	ca, cb := newCursor(a, ma, bufs[:batch]), newCursor(b, mb, bufs[batch:])
	d := &FolioDiff{Streamed: true}
	fa, okA := ca.next()
	fb, okB := cb.next()
	for okA || okB {
		if !ca.sorted || !cb.sorted {
			return nil, false, nil
		}
		switch {
		case okA && (!okB || fa.Index < fb.Index):
			d.Missing.add(fa.Index, sample)
			fa, okA = ca.next()
		case okB && (!okA || fb.Index < fa.Index):
			d.Added.add(fb.Index, sample)
			fb, okB = cb.next()
		default:
			d.matched(fa, fb, opts)
			fa, okA = ca.next()
			fb, okB = cb.next()
		}
	}
	if !ca.sorted || !cb.sorted {
		return nil, false, nil
	}
	if err := errors.Join(sideErr("A", ca.it.Err()), sideErr("B", cb.it.Err())); err != nil {
		return nil, true, err
	}
	d.FoliosA, d.FoliosB = ca.count, cb.count
	return d, true, nil
}

func (d *FolioDiff) matched(fa, fb memfd.Folio, opts FolioOptions) {
	d.Matched++
	if fa.Flags != fb.Flags {
		d.FlagsChanged.add(fa.Index, opts.Sample)
	}
	if fa.PFN != fb.PFN {
		d.Moved.add(fa.Index, opts.Sample)
	}
	if opts.SizeA != nil && opts.SizeB != nil {
		pa, okA := opts.SizeA(fa.PFN)
		pb, okB := opts.SizeB(fb.PFN)
		if okA && okB && pa != pb {
			d.Resized.add(fa.Index, opts.Sample)
		}
	}
}

func sideErr(side string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", side, err)
}

// mapFolios is the fallback for records out of index order: B's folios go
// into a map (at most opts.MaxMap), A's are streamed against it. A
// duplicate index in B keeps its last record.
func mapFolios(a *memfd.File, ma phys.Memory, b *memfd.File, mb phys.Memory, opts FolioOptions) (*FolioDiff, error) {
	buf := make([]memfd.Folio, batch)
	cb := newCursor(b, mb, buf)
	byIndex := make(map[uint64]memfd.Folio, min(b.NrFolios, uint64(opts.MaxMap)))
	for f, ok := cb.next(); ok; f, ok = cb.next() {
		if len(byIndex) >= opts.MaxMap {
			return nil, fmt.Errorf("%w: more than %d in B", ErrUnsortedTooLarge, opts.MaxMap)
		}
		byIndex[f.Index] = f
	}
	if err := sideErr("B", cb.it.Err()); err != nil {
		return nil, err
	}
	d := &FolioDiff{FoliosB: cb.count}
	ca := newCursor(a, ma, buf)
	for fa, ok := ca.next(); ok; fa, ok = ca.next() {
		fb, found := byIndex[fa.Index]
		if !found {
			d.Missing.add(fa.Index, opts.Sample)
			continue
		}
		delete(byIndex, fa.Index)
		d.matched(fa, fb, opts)
	}
	if err := sideErr("A", ca.it.Err()); err != nil {
		return nil, err
	}
	d.FoliosA = ca.count
	rest := make([]uint64, 0, len(byIndex))
	for idx := range byIndex {
		rest = append(rest, idx)
	}
	slices.Sort(rest)
	for _, idx := range rest {
		d.Added.add(idx, opts.Sample)
	}
	return d, nil
}
