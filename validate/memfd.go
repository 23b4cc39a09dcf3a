package validate

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// vmallocChunkS is the kho_vmalloc_chunk layout, from the registry, and
// vmallocChunkPhys its array of block addresses.
var (
	vmallocChunkS    = abi.MustStruct("K1b", "kho_vmalloc_chunk")
	vmallocChunkPhys = vmallocChunkS.MustField("phys")
)

// batch is the number of folio records decoded per NextBatch call.
const batch = 4096

// memfds checks every memfd payload, streaming its folio records.
func (v *validator) memfds() {
	var total, done uint64
	for fs := range v.st.Files() {
		if fs.Memfd != nil {
			total += fs.Memfd.NrFolios
		}
	}
	for fs := range v.st.Files() {
		if f := fs.Memfd; f != nil {
			v.memfd(f, &done, total)
		}
	}
}

// descriptor applies the descriptor rules (MFD001 to MFD005, MFD013,
// FP004): memfd.CheckDescriptor implements each, the rule table names
// them.
func (v *validator) descriptor(f *memfd.File) {
	for _, pe := range f.CheckDescriptor() {
		v.finding(pe, f.Generation)
	}
}

// preservedHead returns the preserved block whose head is addr.
func (v *validator) preservedHead(addr uint64) (phys.Block, bool) {
	if v.st.Preserved == nil {
		return phys.Block{}, false
	}
	return v.st.Preserved.Head(addr)
}

// pagesOf is DIV_ROUND_UP(size, PAGE_SIZE), saturating.
func pagesOf(size uint64) uint64 {
	n := size / phys.PageSize
	if size%phys.PageSize != 0 {
		n++
	}
	return n
}

// tableErr reports a failure to open or stream a folio table: the rule
// its check names, MFD006 for any other.
func (v *validator) tableErr(f *memfd.File, err error) {
	for _, pe := range phys.Flatten(err, f.Path+".folios") {
		if ruleFor(pe) == ruleGeneric {
			pe.Check = memfd.CheckFolioTable
		}
		v.finding(pe, f.Generation)
	}
}

// memfd checks one memfd: descriptor, folio area, then every record.
func (v *validator) memfd(f *memfd.File, done *uint64, total uint64) {
	v.refs.structure(f.Path, f.Addr, f.DescriptorSize())
	v.descriptor(f)
	if f.NrFolios == 0 {
		return
	}
	t, err := f.Table(v.m)
	if err != nil {
		v.tableErr(f, err)
		return
	}
	if a := t.Area; a != nil {
		v.area(f, a)
	}
	ascending := v.stream(f, t, done, total)
	if !ascending {
		v.duplicateIndexes(f, t)
	}
}

// area registers the vmalloc chunk and data pages and checks that chunk
// slots past the terminator are zero.
func (v *validator) area(f *memfd.File, a *kho.VmallocArea) {
	path := f.Path + ".folios"
	for i, c := range a.Chunks {
		cpath := fmt.Sprintf("%s.chunk[%d]", path, i)
		v.refs.structure(cpath, c.Addr, phys.PageSize)
		if b, err := phys.Read(v.m, c.Addr, uint64(vmallocChunkS.Size), cpath); err == nil {
			// Every phys[] slot from the terminator on is 0.
			v.zeroBytesAs(string(f.Generation), cpath, c.Addr, b, uint64(vmallocChunkPhys.ElemOffset(len(c.Blocks))))
		}
	}
	bs := a.Desc.BlockSize()
	for i, pa := range a.Blocks {
		v.refs.structure(fmt.Sprintf("%s.block[%d]", path, i), pa, bs)
	}
}

// zeroBytesAs is zeroBytes with the finding's generation given.
func (v *validator) zeroBytesAs(gen, path string, addr uint64, b []byte, from uint64) {
	for j := from; j < uint64(len(b)); j++ {
		if b[j] != 0 {
			v.r.add("FP002", gen, path, addr+j, int64(j), "unused bytes past the used %d are not zero (byte 0x%02x at +0x%x)", from, b[j], j)
			return
		}
	}
}

// stream checks every folio record in one pass, in batches, without
// keeping them, and reports whether the indexes ascend strictly.
func (v *validator) stream(f *memfd.File, t *memfd.Table, done *uint64, total uint64) bool {
	gen, pages := f.Generation, pagesOf(f.Size)
	buf := make([]memfd.Folio, batch)
	it := t.Iter()
	ascending := true
	var pos, prev uint64
	for {
		n := it.NextBatch(buf)
		if n == 0 {
			break
		}
		for _, fo := range buf[:n] {
			// The common case, a record that raises no finding, in one
			// test; anything else takes the reporting path below.
			if fo.PFN != 0 && fo.Flags&^memfd.FolioKnownFlags == 0 && fo.Index < pages &&
				(pos == 0 || fo.Index > prev || !ascending) && v.refs.folioFast(fo.Addr(), fo.Index) {
				prev = fo.Index
				pos++
				continue
			}
			p := func() string { return folioPath(f.Path, pos) }
			for _, pe := range f.CheckFolio(pos, fo) {
				v.finding(pe, gen)
			}
			if fo.PFN != 0 {
				v.refs.folio(p, fo.Addr())
				if b, ok := v.preservedHead(fo.Addr()); ok && b.Order > 0 && fo.Index&(1<<b.Order-1) != 0 {
					v.r.add("MFD014", string(gen), p(), fo.Addr(), -1, "an order-%d folio at index %d: large folios sit at indexes aligned to their size (%d pages)",
						b.Order, fo.Index, 1<<b.Order)
				}
			}
			if pos > 0 && fo.Index <= prev && ascending {
				ascending = false
				v.r.add("FP003", string(gen), p(), NoAddr, -1, "index %d follows index %d", fo.Index, prev)
			}
			prev = fo.Index
			pos++
		}
		*done += uint64(n)
		if v.opts.Progress != nil {
			v.opts.Progress(*done, total)
		}
	}
	if err := it.Err(); err != nil {
		v.tableErr(f, err)
	}
	return ascending
}

// duplicateIndexes streams the records again and reports repeated
// indexes. It runs only for records out of order (a kernel-made array
// ascends, so it cannot repeat); its set holds one entry per distinct
// index, bounded by the records the source holds.
func (v *validator) duplicateIndexes(f *memfd.File, t *memfd.Table) {
	seen := map[uint64]uint64{}
	buf := make([]memfd.Folio, batch)
	it := t.Iter()
	var pos uint64
	for {
		n := it.NextBatch(buf)
		if n == 0 {
			return
		}
		for _, fo := range buf[:n] {
			if fo.PFN != 0 {
				if first, ok := seen[fo.Index]; ok {
					v.r.add("MFD012", string(f.Generation), folioPath(f.Path, pos), NoAddr, -1, "index %d repeats folios[%d]", fo.Index, first)
				} else {
					seen[fo.Index] = pos
				}
			}
			pos++
		}
	}
}
