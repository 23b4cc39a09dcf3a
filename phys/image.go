package phys

import (
	"fmt"
	"sort"
)

// Image is physical memory held in Go memory: a sorted set of disjoint
// segments. It is the source that encoders write into and tests read from.
type Image struct {
	segs []segment
}

type segment struct {
	start uint64
	data  []byte
}

func (s segment) rng() Range { return Range{s.start, uint64(len(s.data))} }

// NewImage returns an empty image.
func NewImage() *Image { return &Image{} }

// Add places data at physical address addr. The image keeps data (it does
// not copy it). Segments may not overlap.
func (m *Image) Add(addr uint64, data []byte) error {
	r := Range{addr, uint64(len(data))}
	if addr+r.Size < addr {
		return fmt.Errorf("phys: segment at 0x%x wraps around", addr)
	}
	i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].start >= addr })
	if i > 0 && m.segs[i-1].rng().End() > addr {
		return fmt.Errorf("phys: segment at 0x%x overlaps the one at 0x%x", addr, m.segs[i-1].start)
	}
	if i < len(m.segs) && r.End() > m.segs[i].start {
		return fmt.Errorf("phys: segment at 0x%x overlaps the one at 0x%x", addr, m.segs[i].start)
	}
	m.segs = append(m.segs, segment{})
	copy(m.segs[i+1:], m.segs[i:])
	m.segs[i] = segment{addr, data}
	return nil
}

// Ranges lists the segments; adjacent segments are reported separately.
func (m *Image) Ranges() []Range {
	out := make([]Range, len(m.segs))
	for i, s := range m.segs {
		out[i] = s.rng()
	}
	return out
}

// freeFrom returns the first address at or above addr, aligned to align
// (a power of two), where n bytes fit without touching a segment.
func (m *Image) freeFrom(addr, n, align uint64) uint64 {
	for {
		addr = (addr + align - 1) &^ (align - 1)
		i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].rng().End() > addr })
		if i == len(m.segs) || m.segs[i].start >= addr+n {
			return addr
		}
		addr = m.segs[i].rng().End()
	}
}

// find returns the index of the segment that holds addr, or -1.
func (m *Image) find(addr uint64) int {
	i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].rng().End() > addr })
	if i < len(m.segs) && m.segs[i].start <= addr {
		return i
	}
	return -1
}

// Holds reports whether the image holds all of [addr, addr+n), in
// O(log segments) without listing them.
func (m *Image) Holds(addr, n uint64) bool {
	for n > 0 {
		i := m.find(addr)
		if i < 0 {
			return false
		}
		end := m.segs[i].rng().End()
		if addr+n <= end && addr+n >= addr {
			return true
		}
		if end <= addr {
			return false
		}
		n -= end - addr
		addr = end
	}
	return true
}

// View returns the bytes at [addr, addr+n) without copying when one
// segment holds them all.
func (m *Image) View(addr, n uint64) ([]byte, bool) {
	i := m.find(addr)
	if i < 0 || !m.segs[i].rng().Contains(addr, n) {
		return nil, false
	}
	off := addr - m.segs[i].start
	return m.segs[i].data[off : off+n : off+n], true
}

// ReadAt copies physical memory into p, across segment boundaries.
func (m *Image) ReadAt(p []byte, addr uint64) (int, error) {
	done := 0
	for done < len(p) {
		a := addr + uint64(done)
		i := m.find(a)
		if i < 0 || a < addr {
			return done, unresolvedAt(a, len(p)-done)
		}
		s := m.segs[i]
		done += copy(p[done:], s.data[a-s.start:])
	}
	return done, nil
}
