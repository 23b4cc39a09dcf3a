package phys

import (
	"fmt"
	"slices"
	"sort"
)

// Range is a span of physical memory.
type Range struct {
	Start uint64
	Size  uint64
}

// End returns the first address past the range (saturating at 2^64-1).
func (r Range) End() uint64 {
	if r.Start+r.Size < r.Start {
		return ^uint64(0)
	}
	return r.Start + r.Size
}

// Contains reports whether [addr, addr+n) lies inside the range.
func (r Range) Contains(addr, n uint64) bool {
	return addr >= r.Start && addr+n >= addr && addr+n <= r.End()
}

// Memory is a source of physical memory: a live system, a dump, a snapshot
// or an in-memory image.
type Memory interface {
	// ReadAt fills p from physical address addr. When the source does not
	// hold all of [addr, addr+len(p)) it returns an error wrapping
	// ErrUnresolved and the number of bytes it could read from the start.
	ReadAt(p []byte, addr uint64) (int, error)
	// Ranges lists the memory the source holds, sorted and disjoint.
	Ranges() []Range
}

// Holds reports whether m holds all of [addr, addr+n).
func Holds(m Memory, addr, n uint64) bool {
	if h, ok := m.(holder); ok {
		return h.Holds(addr, n)
	}
	ranges := m.Ranges()
	i := sort.Search(len(ranges), func(i int) bool { return ranges[i].End() > addr })
	for ; i < len(ranges) && n > 0; i++ {
		r := ranges[i]
		if r.Start > addr {
			return false
		}
		take := min(n, r.End()-addr)
		addr += take
		n -= take
	}
	return n == 0
}

// Read returns n bytes at addr. It refuses, before allocating, a read the
// source cannot satisfy, so a hostile length never costs more memory than
// the source holds. path names the structure for the error.
func Read(m Memory, addr uint64, n uint64, path string) ([]byte, error) {
	if !Holds(m, addr, n) {
		return nil, Errorf(ErrUnresolved, path, addr, -1, "%d bytes are not in the source", n)
	}
	if v, ok := m.(Viewer); ok {
		if b, ok := v.View(addr, n); ok {
			return b, nil
		}
	}
	b := make([]byte, n)
	if _, err := m.ReadAt(b, addr); err != nil {
		return nil, Errorf(ErrUnresolved, path, addr, -1, "%v", err)
	}
	return b, nil
}

// holder is implemented by sources that answer Holds without listing
// their ranges.
type holder interface {
	Holds(addr, n uint64) bool
}

// Viewer is implemented by sources that can hand out their bytes without
// copying. View returns a slice the caller must not modify.
type Viewer interface {
	View(addr, n uint64) ([]byte, bool)
}

// unresolvedAt is the error a source returns for memory it does not hold.
func unresolvedAt(addr uint64, n int) error {
	return fmt.Errorf("%w: %d bytes at PA 0x%x are not in the source", ErrUnresolved, n, addr)
}

// Merge sorts ranges and joins those that touch or overlap.
func Merge(ranges []Range) []Range {
	rs := append([]Range(nil), ranges...)
	slices.SortFunc(rs, CompareRanges)
	var out []Range
	for _, r := range rs {
		if n := len(out); n > 0 && r.Start <= out[n-1].End() {
			out[n-1].Size = max(out[n-1].End(), r.End()) - out[n-1].Start
			continue
		}
		out = append(out, r)
	}
	return out
}
