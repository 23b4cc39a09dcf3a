package phys

import (
	"cmp"
	"slices"
)

// SatAdd returns a+b, saturating at 2^64-1: hostile sizes may claim sums
// that wrap.
func SatAdd(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

// Total returns the bytes ranges cover together (overlaps counted twice),
// saturating at 2^64-1. Of a Memory's Ranges it is what the source holds.
func Total(ranges []Range) uint64 {
	var n uint64
	for _, r := range ranges {
		n = SatAdd(n, r.Size)
	}
	return n
}

// Overlaps reports whether r and o share an address; ends saturate as in
// End. An empty range overlaps a range it lies strictly inside.
func (r Range) Overlaps(o Range) bool {
	return r.Start < o.End() && o.Start < r.End()
}

// End returns the first address past the block, saturating at 2^64-1 (as
// for an order too large for a 64-bit length).
func (b Block) End() uint64 {
	if b.Order >= 64-pageShift {
		return ^uint64(0)
	}
	return Range{b.Addr, b.Size()}.End()
}

// Range returns the memory the block covers, up to End.
func (b Block) Range() Range { return Range{b.Addr, b.End() - b.Addr} }

// pageShift is log2(PageSize).
const pageShift = 12

// CompareRanges orders ranges by start address only, for sorting: ranges
// that start together compare equal, so a stable sort keeps their order.
func CompareRanges(a, b Range) int { return cmp.Compare(a.Start, b.Start) }

// CompareBlocks orders blocks by address, then by order.
func CompareBlocks(a, b Block) int {
	return cmp.Or(cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.Order, b.Order))
}

// SortRanges sorts s stably by the start of the range each element covers
// (rng says which): elements that start together keep their order.
func SortRanges[E any](s []E, rng func(E) Range) {
	slices.SortStableFunc(s, func(a, b E) int { return CompareRanges(rng(a), rng(b)) })
}

// Sweep finds the overlaps among items visited in ascending start order
// of the ranges they cover (SortRanges): each is compared with the earlier
// item whose range reaches furthest, so every item that starts inside an
// earlier one is found, together with an earlier item it overlaps.
type Sweep[T any] struct {
	item  T     // the visited item that reaches furthest
	reach Range // its range
	seen  bool  // an item was visited
}

// Reach returns the visited item whose range reaches furthest, and that
// range; ok is false before the first visit.
func (s *Sweep[T]) Reach() (item T, r Range, ok bool) { return s.item, s.reach, s.seen }

// Next visits item, which covers r, and reports whether r starts before
// the end of the range Reach returned before the visit.
func (s *Sweep[T]) Next(item T, r Range) (overlaps bool) {
	overlaps = s.seen && r.Start < s.reach.End()
	if !s.seen || r.End() > s.reach.End() {
		s.item, s.reach, s.seen = item, r, true
	}
	return overlaps
}

// FirstOverlap sorts s with SortRanges and returns the first element that
// starts inside an earlier one, b, with that earlier one, a. Empty ranges
// overlap nothing. ok is false when no two elements overlap.
func FirstOverlap[E any](s []E, rng func(E) Range) (a, b E, ok bool) {
	SortRanges(s, rng)
	var sw Sweep[E]
	for _, e := range s {
		r := rng(e)
		if r.Size == 0 {
			continue
		}
		prev, _, _ := sw.Reach()
		if sw.Next(e, r) {
			return prev, e, true
		}
	}
	return a, b, false
}
