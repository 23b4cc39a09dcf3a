package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// root checks the KHO root beyond what decoding it checked.
func (v *validator) root() {
	r := v.st.Root
	if t := r.Tree; t != nil {
		h := t.Header
		if h.Version != 17 || h.LastCompVersion != 16 || h.BootCPUIDPhys != 0 {
			v.add("FP006", kho.RootPath, NoAddr, 0, "FDT header version %d, last compatible version %d, boot CPU %d; libfdt as the kernel uses it writes 17, 16, 0",
				h.Version, h.LastCompVersion, h.BootCPUIDPhys)
		}
	}
	if subs := r.SubCompatibles; len(subs) > 1 && !slices.IsSorted(subs) {
		v.add("KHO008", kho.RootPath+".compatible", NoAddr, -1, "sub-components %s are not in alphabetical order",
			strings.Join(subs, ";"))
	}
	if r.MemoryMap == 0 && len(r.Generations()) > 0 && !v.raised(kho.CheckMemoryMapProp) {
		v.add("KHO004", kho.RootPath+".preserved-memory-map", NoAddr, -1, "preserved-memory-map is 0")
	}
	if t := r.Tree; t != nil && v.opts.RootMapped != 0 && uint64(t.Header.TotalSize) > v.opts.RootMapped {
		v.add("KHO010", kho.RootPath, NoAddr, 4, "totalsize %d is larger than the %d bytes the boot handoff maps", t.Header.TotalSize, v.opts.RootMapped)
	}
	v.scratchAreas()
}

// scratchAreas checks that no scratch area of the handoff overlaps
// another. Empty areas are normal: 7.2 writes one (seen).
func (v *validator) scratchAreas() {
	sc := v.opts.Scratch
	for i, s := range sc {
		path := fmt.Sprintf("%s[%d]", kho.ScratchPath, i)
		if s.Size == 0 {
			continue
		}
		for j := range i {
			o := sc[j]
			if o.Size != 0 && s.Range().Overlaps(o.Range()) {
				v.add("KHO011", path, s.Addr, -1, "scratch area %d [0x%x, +0x%x) overlaps area %d [0x%x, +0x%x)", i, s.Addr, s.Size, j, o.Addr, o.Size)
			}
		}
	}
}

// memmap checks the preserved blocks against each other and the scratch
// areas.
func (v *validator) memmap() {
	p := v.st.Preserved
	if p == nil {
		return
	}
	var sw phys.Sweep[phys.Block]
	// Block by block, as long as blocks overlap what came before (only
	// in a malformed map); the rest of a run then follows its previous
	// block exactly, so it is checked as one span.
	block := func(b phys.Block) (overlaps bool) {
		prev, _, _ := sw.Reach()
		if overlaps = sw.Next(b, b.Range()); overlaps {
			v.add("MAP002", kho.MemmapPath, b.Addr, -1, "block at 0x%x order %d overlaps block at 0x%x order %d",
				b.Addr, b.Order, prev.Addr, prev.Order)
		}
		v.scratchOverlap(b)
		return overlaps
	}
	for r := range p.RunList() {
		k := uint64(0)
		for k < r.N {
			k++
			if !block(r.Block(k - 1)) {
				break
			}
		}
		if k == r.N {
			continue
		}
		// Blocks k to N-1: contiguous, each starting where the previous
		// one ends, so none overlaps and each becomes prev.
		// Only the blocks from the first one a scratch area reaches are
		// compared with the scratch areas.
		size := uint64(phys.PageSize) << r.Order
		last := r.Block(r.N - 1)
		lo, hi := r.Block(k).Addr, last.End()
		from, until := r.N, lo
		for _, s := range v.opts.Scratch {
			if sEnd := s.Range().End(); lo < sEnd && s.Addr < hi {
				from, until = min(from, k+(max(s.Addr, lo)-lo)/size), max(until, sEnd)
			}
		}
		for j := from; j < r.N && r.Block(j).Addr < until; j++ {
			v.scratchOverlap(r.Block(j))
		}
		sw.Next(last, last.Range()) // the run's blocks follow one another
	}
}

// scratchOverlap reports MAP003 for a preserved block that overlaps a
// scratch area.
func (v *validator) scratchOverlap(b phys.Block) {
	for si, s := range v.opts.Scratch {
		if b.Range().Overlaps(s.Range()) {
			v.add("MAP003", kho.MemmapPath, b.Addr, -1, "preserved block at 0x%x order %d overlaps scratch area %d [0x%x, +0x%x)",
				b.Addr, b.Order, si, s.Addr, s.Size)
		}
	}
}

// clients registers every client blob as a referenced structure and
// notes the clients this build does not decode.
func (v *validator) clients() {
	for _, c := range v.st.Clients {
		path := kho.RootPath + "/" + c.Name
		if c.Kind == handover.ClientUnknown {
			v.add("KHO009", path, c.Addr, -1, "client %q is not decoded by this build", c.Name)
		}
		if c.Addr != 0 && c.Blob != nil {
			v.refs.structure(path, c.Addr, uint64(len(c.Blob)))
		}
	}
}
