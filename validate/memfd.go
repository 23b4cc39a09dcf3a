package validate

import (
	"errors"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// memfd constants from the registry.
var (
	allSeals      = abi.MustConstant("M2b", "MEMFD_LUO_ALL_SEALS")
	m4BaseSeals   = abi.MustConstant("M4", "MEMFD_LUO_BASE_SEALS")
	m4FeatSeals   = abi.MustConstant("M4", "MEMFD_LUO_FEATURE_SEALS")
	m4FeatFolios  = abi.MustConstant("M4", "MEMFD_LUO_FEATURE_FOLIOS")
	m4Features    = abi.MustConstant("M4", "MEMFD_LUO_FEATURES")
	vmallocKnown  = abi.MustConstant("K1b", "KHO_VMALLOC_ALLOC") | abi.MustConstant("K1b", "KHO_VMALLOC_HUGE_VMAP")
	vmallocChunkS = abi.MustStruct("K1b", "kho_vmalloc_chunk")
)

// batch is the number of folio records decoded per NextBatch call.
const batch = 4096

// memfds checks every memfd payload, streaming its folio records.
func (v *validator) memfds() {
	var total, done uint64
	for _, fs := range v.st.Files {
		if fs.Memfd != nil {
			total += fs.Memfd.NrFolios
		}
	}
	for i := range v.st.Files {
		if f := v.st.Files[i].Memfd; f != nil {
			v.memfd(f, &done, total)
		}
	}
}

// fieldOff returns the offset of a descriptor member, or -1.
func fieldOff(gen, name string) int64 {
	g, ok := abi.Lookup(gen)
	if !ok {
		return -1
	}
	s, ok := g.Struct("memfd_luo_ser")
	if !ok {
		return -1
	}
	if f, ok := s.Field(name); ok {
		return int64(f.Offset)
	}
	return -1
}

// descriptor applies the descriptor rules (MFD001 to MFD005, FP004).
func (v *validator) descriptor(f *memfd.File) {
	at := func(id, field, format string, args ...any) {
		v.r.add(id, f.Generation, f.Path+"."+field, f.Addr, fieldOff(f.Generation, field), format, args...)
	}
	switch f.Generation {
	case memfd.M2a, memfd.M2b, memfd.M3:
		if bad := uint64(f.Seals) &^ allSeals; bad != 0 {
			at("MFD001", "seals", "seals 0x%x hold bits 0x%x outside MEMFD_LUO_ALL_SEALS 0x%x", f.Seals, bad, allSeals)
		}
		if f.Reserved != 0 {
			at("MFD002", "__reserved", "reserved bits 8..63 hold 0x%x", f.Reserved)
		}
		if f.Flags != 0 {
			at("MFD002", "flags", "flags 0x%x: no flag is defined", f.Flags)
		}
	case memfd.M4:
		ft := f.Features
		if bad := ft.Req &^ m4Features; bad != 0 {
			at("MFD003", "features.req", "req 0x%x asks for unknown features 0x%x", ft.Req, bad)
		}
		if ft.Req&^ft.Supp != 0 || ft.Active&^ft.Supp != 0 {
			at("MFD003", "features.supp", "req 0x%x or active 0x%x is not within supp 0x%x", ft.Req, ft.Active, ft.Supp)
		}
		for i, w := range ft.Reserved {
			if w != 0 {
				at("MFD003", "features.reserved", "reserved word %d holds 0x%x", i, w)
				break
			}
		}
		if ft.Active&m4FeatFolios == 0 && (f.NrFolios != 0 || f.Folios != (kho.Vmalloc{})) {
			at("MFD003", "nr_folios", "folios are described but MEMFD_LUO_FEATURE_FOLIOS is not active")
		}
		switch {
		case ft.Active&m4FeatSeals == 0 && f.Seals != 0:
			at("MFD001", "seals", "seals 0x%x set but MEMFD_LUO_FEATURE_SEALS is not active", f.Seals)
		case uint64(f.Seals)&^m4BaseSeals != 0:
			at("MFD001", "seals", "seals 0x%x hold bits outside MEMFD_LUO_BASE_SEALS 0x%x", f.Seals, m4BaseSeals)
		}
		if f.Flags != 0 {
			at("MFD002", "flags", "flags 0x%x: no flag is defined", f.Flags)
		}
	case memfd.M0:
		if f.FDT != nil && f.FDT.HasNrFolios && f.FDT.NrFolios != f.NrFolios {
			at("MFD004", "nr_folios", "nr_folios property %d, the folios property holds %d records", f.FDT.NrFolios, f.NrFolios)
		}
	}
	if f.Pos > maxLFSFileSize {
		at("MFD013", "pos", "pos 0x%x is past MAX_LFS_FILESIZE 0x%x", f.Pos, uint64(maxLFSFileSize))
	}
	if pages := pagesOf(f.Size); f.NrFolios > pages {
		at("MFD004", "nr_folios", "%d folios for a %d-byte file (%d pages)", f.NrFolios, f.Size, pages)
	}
	if f.Generation != memfd.M0 {
		if f.NrFolios == 0 && f.Folios != (kho.Vmalloc{}) {
			at("FP004", "folios", "nr_folios is 0 but the folio descriptor is not zero")
		}
		if bad := uint64(f.Folios.Flags) &^ vmallocKnown; bad != 0 {
			at("MFD005", "folios.flags", "vmalloc flags 0x%x hold unknown bits 0x%x", f.Folios.Flags, bad)
		}
	}
}

// maxLFSFileSize is MAX_LFS_FILESIZE on 64-bit kernels (LLONG_MAX): the
// largest position vfs_setpos accepts.
const maxLFSFileSize = 1<<63 - 1

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

// tableRule names the rule a failure to open or stream a folio table
// breaks.
func tableRule(pe *phys.Error) string {
	switch {
	case errors.Is(pe, phys.ErrUnresolved):
		return ruleUnresolved
	case hasSuffix(pe.Path, ".order"):
		return "MFD007"
	case errors.Is(pe, phys.ErrLimit) && contains(pe.Msg, "nr_folios"):
		return "MFD008"
	}
	return "MFD006"
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

func (v *validator) tableErr(f *memfd.File, err error) {
	var pe *phys.Error
	if !errors.As(err, &pe) {
		pe = phys.Errorf(phys.ErrMalformed, f.Path+".folios", phys.NoAddr, -1, "%v", err)
	}
	v.r.add(tableRule(pe), f.Generation, pe.Path, pe.Addr, pe.Offset, "%s", problemMessage(pe))
}

// memfd checks one memfd: descriptor, folio area, then every record.
func (v *validator) memfd(f *memfd.File, done *uint64, total uint64) {
	size := uint64(48)
	if g, ok := abi.Lookup(f.Generation); ok {
		if s, ok := g.Struct("memfd_luo_ser"); ok {
			size = uint64(s.Size)
		}
	}
	if f.FDT != nil {
		size = uint64(f.FDT.TotalSize)
	}
	v.refs.structure(f.Path, f.Addr, size)
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
			// phys[] starts after the 8-byte next; the terminator slot is 0.
			v.zeroBytesAs(f.Generation, cpath, c.Addr, b, 8+8*uint64(len(c.Blocks)))
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
			if fo.PFN == 0 {
				v.r.add("MFD009", gen, p(), NoAddr, -1, "pfn 0 (flags 0x%x, index %d)", fo.Flags, fo.Index)
			} else {
				v.refs.folio(p, fo.Addr())
				if b, ok := v.preservedHead(fo.Addr()); ok && b.Order > 0 && fo.Index&(1<<b.Order-1) != 0 {
					v.r.add("MFD014", gen, p(), fo.Addr(), -1, "an order-%d folio at index %d: large folios sit at indexes aligned to their size (%d pages)",
						b.Order, fo.Index, 1<<b.Order)
				}
			}
			if bad := fo.Flags &^ memfd.FolioKnownFlags; bad != 0 {
				v.r.add("MFD010", gen, p(), NoAddr, -1, "flags 0x%x hold unknown bits 0x%x", fo.Flags, bad)
			}
			if fo.Index >= pages {
				v.r.add("MFD011", gen, p(), NoAddr, -1, "index %d is at or past the %d pages of the %d-byte file", fo.Index, pages, f.Size)
			}
			if pos > 0 && fo.Index <= prev && ascending {
				ascending = false
				v.r.add("FP003", gen, p(), NoAddr, -1, "index %d follows index %d", fo.Index, prev)
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
					v.r.add("MFD012", f.Generation, folioPath(f.Path, pos), NoAddr, -1, "index %d repeats folios[%d]", fo.Index, first)
				} else {
					seen[fo.Index] = pos
				}
			}
			pos++
		}
	}
}
