package source

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/luoinspect/luoinspect/phys"
)

// fileSeg maps [addr, addr+size) of physical memory to file offset off.
type fileSeg struct {
	addr, size uint64
	off        int64
	index      int // program header index, for messages
}

func (s fileSeg) end() uint64 { return s.addr + s.size }

func (s fileSeg) rng() phys.Range { return phys.Range{Start: s.addr, Size: s.size} }

// segMap is physical memory backed by segments of a file, read lazily
// with ReadAt (pread). Segments are sorted and disjoint.
type segMap struct {
	r    io.ReaderAt
	what string
	segs []fileSeg
	// lost are the parts of segments past the end of a truncated file,
	// sorted and disjoint, and fileEnd the file's size, for messages.
	lost    []fileSeg
	fileEnd int64
	// holes, when set, finds the holes of a sparse file so that scans
	// skip them (see nextData).
	holes *holeFinder
}

// setLost records the parts of segments a truncated file of size bytes
// does not hold, so that reads of them say so.
func (m *segMap) setLost(lost []fileSeg, size int64) {
	m.lost = newSegMap(nil, "", lost).segs
	m.fileEnd = size
}

// lostAt returns the lost part holding addr.
func (m *segMap) lostAt(addr uint64) (fileSeg, bool) {
	i := sort.Search(len(m.lost), func(i int) bool { return m.lost[i].end() > addr })
	if i < len(m.lost) && m.lost[i].addr <= addr {
		return m.lost[i], true
	}
	return fileSeg{}, false
}

// nextData returns the first address in [addr, end] that may hold a
// nonzero byte: addr itself, unless addr lies in a hole of a sparse file
// (which reads as zeros), and at most the end of addr's segment.
func (m *segMap) nextData(addr, end uint64) uint64 {
	if m.holes == nil {
		return addr
	}
	i := m.find(addr)
	if i < 0 {
		return addr
	}
	s := m.segs[i]
	limit := min(end, s.end())
	if limit <= addr {
		return addr
	}
	off := s.off + int64(addr-s.addr)
	d := m.holes.dataFrom(off)
	switch {
	case d < 0:
		return limit
	case d <= off:
		return addr
	case uint64(d-off) >= limit-addr:
		return limit
	}
	return addr + uint64(d-off)
}

// newSegMap sorts segs by address and trims overlaps: where segments
// overlap, the one with the lower start address (then the lower header
// index) keeps the bytes. kdump and kcore both describe kernel text a
// second time, inside a RAM segment, with the same bytes. Empty segments
// are dropped.
func newSegMap(r io.ReaderAt, what string, segs []fileSeg) *segMap {
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b fileSeg) int {
		return cmp.Or(phys.CompareRanges(a.rng(), b.rng()), cmp.Compare(a.index, b.index))
	})
	out := segs[:0]
	var end uint64
	for _, s := range segs {
		if s.size == 0 {
			continue
		}
		if len(out) > 0 && s.addr < end {
			cut := end - s.addr
			if cut >= s.size {
				continue
			}
			s.addr += cut
			s.off += int64(cut)
			s.size -= cut
		}
		out = append(out, s)
		end = s.end()
	}
	return &segMap{r: r, what: what, segs: out}
}

// overlap returns the first pair of overlapping segments, for formats
// that forbid them.
func overlap(segs []fileSeg) (a, b fileSeg, ok bool) {
	return phys.FirstOverlap(slices.Clone(segs), fileSeg.rng)
}

// Ranges lists the segments.
func (m *segMap) Ranges() []phys.Range {
	out := make([]phys.Range, len(m.segs))
	for i, s := range m.segs {
		out[i] = phys.Range{Start: s.addr, Size: s.size}
	}
	return out
}

// find returns the index of the segment holding addr, or -1.
func (m *segMap) find(addr uint64) int {
	i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].end() > addr })
	if i < len(m.segs) && m.segs[i].addr <= addr {
		return i
	}
	return -1
}

// ReadAt reads across adjacent segments and stops with an error wrapping
// phys.ErrUnresolved at the first byte no segment holds.
func (m *segMap) ReadAt(p []byte, addr uint64) (int, error) {
	done := 0
	for done < len(p) {
		a := addr + uint64(done)
		if a < addr {
			return done, unresolved(m.what, a, len(p)-done)
		}
		i := m.find(a)
		if i < 0 {
			if l, ok := m.lostAt(a); ok {
				return done, fmt.Errorf("%w: PA 0x%x is in segment %d of %s, at file offset %d, past the end of the truncated file (%d bytes)",
					phys.ErrUnresolved, a, l.index, m.what, l.off+int64(a-l.addr), m.fileEnd)
			}
			return done, unresolved(m.what, a, len(p)-done)
		}
		s := m.segs[i]
		n := min(uint64(len(p)-done), s.end()-a)
		k, err := m.r.ReadAt(p[done:done+int(n)], s.off+int64(a-s.addr))
		done += k
		if err != nil && k < int(n) {
			return done, fmt.Errorf("%w: reading PA 0x%x from %s (segment %d, file offset 0x%x): %w",
				phys.ErrUnresolved, a+uint64(k), m.what, s.index, s.off+int64(a-s.addr)+int64(k), err)
		}
	}
	return done, nil
}
