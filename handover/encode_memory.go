package handover

import (
	"fmt"
	"slices"
	"sort"

	"github.com/luoinspect/luoinspect/phys"
)

// filled is a range of an encoded state whose bytes are made when read
// (memfd contents from a spec's runs: a pattern, embedded bytes, or a
// source's pages), so that a huge memfd costs no memory.
type filled struct {
	phys.Range
	// fill writes the bytes at offset off of the range into p.
	fill func(p []byte, off uint64) error
}

// encodedMemory is an Encoded state's memory: the image plus the filled
// ranges (disjoint from the image's segments and from each other, sorted).
type encodedMemory struct {
	img  *phys.Image
	fill []filled
}

// at returns the filled range holding addr, or the index of the first one
// above it and false.
func (m *encodedMemory) at(addr uint64) (int, bool) {
	i := sort.Search(len(m.fill), func(i int) bool { return m.fill[i].End() > addr })
	return i, i < len(m.fill) && m.fill[i].Start <= addr
}

// ReadAt reads from the image, and makes the bytes of filled ranges.
func (m *encodedMemory) ReadAt(p []byte, addr uint64) (int, error) {
	done := 0
	for done < len(p) {
		a := addr + uint64(done)
		if a < addr {
			return done, fmt.Errorf("%w: read past 2^64", phys.ErrUnresolved)
		}
		i, in := m.at(a)
		k := uint64(len(p) - done)
		if in {
			f := m.fill[i]
			k = min(k, f.End()-a)
			if err := f.fill(p[done:done+int(k)], a-f.Start); err != nil {
				return done, fmt.Errorf("%w: PA 0x%x: %v", phys.ErrUnresolved, a, err)
			}
		} else {
			if i < len(m.fill) {
				k = min(k, m.fill[i].Start-a)
			}
			if n, err := m.img.ReadAt(p[done:done+int(k)], a); err != nil {
				return done + n, err
			}
		}
		done += int(k)
	}
	return done, nil
}

// Holds reports whether the image or the filled ranges hold all of
// [addr, addr+n).
func (m *encodedMemory) Holds(addr, n uint64) bool {
	for n > 0 {
		i, in := m.at(addr)
		k := n
		switch {
		case in:
			k = min(k, m.fill[i].End()-addr)
		case i < len(m.fill):
			k = min(k, m.fill[i].Start-addr)
			fallthrough
		default:
			if !m.img.Holds(addr, k) {
				return false
			}
		}
		addr, n = addr+k, n-k
		if n > 0 && addr == 0 {
			return false
		}
	}
	return true
}

// View hands out the image's bytes; filled ranges have none to hand out.
func (m *encodedMemory) View(addr, n uint64) ([]byte, bool) {
	if i, in := m.at(addr); in || i < len(m.fill) && addr+n > m.fill[i].Start {
		return nil, false
	}
	return m.img.View(addr, n)
}

// Ranges lists the image's segments and the filled ranges, sorted.
func (m *encodedMemory) Ranges() []phys.Range {
	out := m.img.Ranges()
	for _, f := range m.fill {
		out = append(out, f.Range)
	}
	slices.SortFunc(out, phys.CompareRanges)
	return out
}

var _ phys.Viewer = (*encodedMemory)(nil)
