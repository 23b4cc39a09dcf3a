package hexdump

import (
	"errors"
	"fmt"
	"sort"

	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/phys"
)

// pageSize is the granularity of partial reads: memory sources hold
// whole pages, or ranges a page map lists.
const pageSize = 4096

// partial is memory read where the source may not hold all of it.
type partial struct {
	pa   uint64
	data []byte       // the bytes; zero where missing
	miss []annot.Span // the bytes the source does not hold
	why  error        // the source's reason for the first missing byte
}

// readPartial reads n bytes at pa from m, page by page: what m holds is
// copied, and what it does not is listed as missing (a read that
// stops inside a page goes on at the next range m lists there, if any).
// A failure other than unresolved memory (the command interrupted) ends
// the read with that error. n must be bounded by the caller.
func readPartial(m phys.Memory, pa, n uint64) (*partial, error) {
	p := &partial{pa: pa, data: make([]byte, n)}
	ranges := m.Ranges()
	for off := uint64(0); off < n; {
		a := pa + off
		if a < pa { // past the top of the address space
			p.lose(off, n-off, phys.Errorf(phys.ErrUnresolved, "memory", phys.NoAddr, -1, "the range wraps past 2^64"))
			break
		}
		end := min(n, off+pageSize-a%pageSize)
		k, err := m.ReadAt(p.data[off:end], a)
		off += uint64(max(k, 0))
		if err == nil || off >= end {
			off = end
			continue
		}
		if !errors.Is(err, phys.ErrUnresolved) {
			return nil, err
		}
		next := min(end, nextHeld(ranges, pa+off, pa+end)-pa)
		if next <= off { // listed as held, yet unreadable
			next = end
		}
		p.lose(off, next-off, err)
		off = next
	}
	return p, nil
}

// lose records n missing bytes at offset off.
func (p *partial) lose(off, n uint64, why error) {
	if p.why == nil {
		p.why = why
	}
	clear(p.data[off : off+n])
	p.miss = annot.Add(p.miss, int(off), int(n))
}

// nextHeld is the first address in [from, to) that one of ranges (the
// source's, sorted and disjoint) holds, or to.
func nextHeld(ranges []phys.Range, from, to uint64) uint64 {
	i := sort.Search(len(ranges), func(i int) bool { return ranges[i].End() > from })
	if i < len(ranges) && ranges[i].Start < to {
		return max(ranges[i].Start, from)
	}
	return to
}

// held is how many bytes from the start the source holds before the
// first missing one.
func (p *partial) held() int {
	if len(p.miss) > 0 {
		return p.miss[0].Offset
	}
	return len(p.data)
}

// finding says how much of the read the source does not hold, and how
// the view shows that (shown), or "" when it holds it all.
func (p *partial) finding(shown string) string {
	lost := annot.Count(p.miss, 0, len(p.data))
	if lost == 0 {
		return ""
	}
	return fmt.Sprintf("%d of the %d bytes at PA 0x%x-0x%x are not in the source, %s (%v)",
		lost, len(p.data), p.pa, p.pa+uint64(len(p.data)), shown, p.why)
}

// view shows the bytes read with the regions rs, missing ones as ??, and
// a finding when there are any.
func (p *partial) view(rs []annot.Region) hexView {
	v := hexView{data: p.data, regions: rs,
		opts: annot.Options{Base: p.pa, Missing: p.miss, MissingLabel: "unresolved: not in the source"}}
	if msg := p.finding("shown as ??"); msg != "" {
		v.findings = append(v.findings, msg)
	}
	return v
}
