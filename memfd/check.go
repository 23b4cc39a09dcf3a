package memfd

import (
	"errors"
	"fmt"
	"slices"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// MaxFindings caps the findings Check returns; one more ErrLimit finding
// says how many were left out.
const MaxFindings = 1000

// findings collects problems up to MaxFindings.
type findings struct {
	list    []*phys.Error
	dropped int
}

func (fs *findings) add(e ...*phys.Error) {
	for _, x := range e {
		if len(fs.list) < MaxFindings {
			fs.list = append(fs.list, x)
		} else {
			fs.dropped++
		}
	}
}

func (fs *findings) done(path string) []*phys.Error {
	if fs.dropped > 0 {
		fs.list = append(fs.list, phys.Errorf(phys.ErrLimit, path, phys.NoAddr, -1, "%d more findings left out", fs.dropped))
	}
	return fs.list
}

// CheckDescriptor returns the problems of the descriptor itself, without
// reading folio records:
//
//   - M2a/M2b/M3: seals outside MEMFD_LUO_ALL_SEALS (retrieve fails with
//     -EOPNOTSUPP); M2a reserved bits set; M2b/M3 flags set ("unused flag
//     bits must be 0"; whether retrieve rejects them is UNVERIFIED);
//   - M4: req bits this reader does not know (ErrUnsupported: a reader must
//     support every req bit), req or active outside supp, reserved words
//     set, seals outside MEMFD_LUO_BASE_SEALS or set without
//     MEMFD_LUO_FEATURE_SEALS, folios without MEMFD_LUO_FEATURE_FOLIOS,
//     flags set;
//   - M0: an nr_folios property that disagrees with the folios length;
//   - all: nr_folios larger than the pages size covers (memfd_pin_folios
//     gives at most one folio per page), a non-zero folio descriptor with
//     nr_folios 0 (the kernel ignores it; a real producer writes zeros),
//     vmalloc flags other than KHO_VMALLOC_ALLOC/HUGE_VMAP (silently
//     dropped by the kernel).
func (f *File) CheckDescriptor() []*phys.Error {
	var out []*phys.Error
	add := func(kind error, field, format string, args ...any) {
		out = append(out, phys.Errorf(kind, f.Path+"."+field, f.Addr, f.fieldOffset(field), format, args...))
	}
	switch f.Generation {
	case M2a, M2b, M3:
		if bad := uint64(f.Seals) &^ allSeals; bad != 0 {
			add(phys.ErrMalformed, "seals", "seals 0x%x include bits 0x%x outside MEMFD_LUO_ALL_SEALS 0x%x; retrieve fails with -EOPNOTSUPP", f.Seals, bad, allSeals)
		}
		if f.Reserved != 0 {
			add(phys.ErrMalformed, "__reserved", "reserved bits 8..63 hold 0x%x, must be 0", f.Reserved)
		}
		if f.Flags != 0 {
			add(phys.ErrMalformed, "flags", "flags 0x%x: no flag is defined and unused bits must be 0", f.Flags)
		}
	case M4:
		ft := f.Features
		if bad := ft.Req &^ features; bad != 0 {
			add(phys.ErrUnsupported, "features.req", "req 0x%x asks for features 0x%x this reader does not know (known 0x%x)", ft.Req, bad, features)
		}
		if bad := ft.Req &^ ft.Supp; bad != 0 {
			add(phys.ErrMalformed, "features.req", "req 0x%x is not a subset of supp 0x%x", ft.Req, ft.Supp)
		}
		if bad := ft.Active &^ ft.Supp; bad != 0 {
			add(phys.ErrMalformed, "features.active", "active 0x%x is not a subset of supp 0x%x", ft.Active, ft.Supp)
		}
		for i, v := range ft.Reserved {
			if v != 0 {
				add(phys.ErrMalformed, fmt.Sprintf("features.reserved[%d]", i), "reserved word holds 0x%x, must be 0", v)
			}
		}
		if ft.Active&featSeals == 0 {
			if f.Seals != 0 {
				add(phys.ErrMalformed, "seals", "seals 0x%x set but MEMFD_LUO_FEATURE_SEALS is not active", f.Seals)
			}
		} else if bad := uint64(f.Seals) &^ baseSeals; bad != 0 {
			add(phys.ErrMalformed, "seals", "seals 0x%x include bits 0x%x outside MEMFD_LUO_BASE_SEALS 0x%x", f.Seals, bad, baseSeals)
		}
		if ft.Active&featFolios == 0 && (f.NrFolios != 0 || f.Folios != (kho.Vmalloc{})) {
			add(phys.ErrMalformed, "nr_folios", "folios are described but MEMFD_LUO_FEATURE_FOLIOS is not active")
		}
		if f.Flags != 0 {
			add(phys.ErrMalformed, "flags", "flags 0x%x: unused bits must be 0", f.Flags)
		}
	case M0:
		if f.FDT != nil && f.FDT.HasNrFolios && f.FDT.NrFolios != f.NrFolios {
			add(phys.ErrMalformed, "nr_folios", "nr_folios property %d, the folios property holds %d records (the kernel uses the latter)", f.FDT.NrFolios, f.NrFolios)
		}
	}
	if f.NrFolios > f.pages() {
		add(phys.ErrMalformed, "nr_folios", "%d folios for a %d-byte file (%d pages); memfd_pin_folios gives at most one per page", f.NrFolios, f.Size, f.pages())
	}
	if f.Generation != M0 {
		if f.NrFolios == 0 && f.Folios != (kho.Vmalloc{}) {
			add(phys.ErrMalformed, "folios", "nr_folios is 0 but the folio descriptor is not zero (the kernel ignores it; a real producer writes zeros)")
		}
		if bad := f.Folios.Flags &^ (kho.VmallocAlloc | kho.VmallocHugeVmap); bad != 0 {
			add(phys.ErrMalformed, "folios.flags", "vmalloc flags 0x%x hold unknown bits 0x%x (kho_flags_to_vmalloc drops them)", f.Folios.Flags, bad)
		}
	}
	return out
}

// fieldOffset returns the byte offset of a descriptor member, or -1.
func (f *File) fieldOffset(field string) int64 {
	l, ok := serLayouts[f.Generation]
	if !ok {
		return -1
	}
	if fl, ok := l.s.Field(field); ok {
		return int64(fl.Offset)
	}
	return -1
}

// CheckFolio returns the problems of record pos, or nil:
//
//   - a hole (pfn 0 in M1+, foliodesc 0 in M0): the kernel skips it, but a
//     real producer never writes one; an M0 record with pfn 0 and flags
//     set is not skipped, and its restore of PA 0 fails;
//   - flag bits other than DIRTY and UPTODATE (the kernel ignores them);
//   - an index at or past DIV_ROUND_UP(size, PAGE_SIZE): the folio lies
//     beyond i_size (the kernel does not check).
func (f *File) CheckFolio(pos uint64, fo Folio) []*phys.Error {
	if fo.PFN != 0 && fo.Flags&^FolioKnownFlags == 0 && fo.Index < f.pages() {
		return nil
	}
	var out []*phys.Error
	add := func(kind error, format string, args ...any) {
		out = append(out, phys.Errorf(kind, f.folioPath(pos), phys.NoAddr, -1, format, args...))
	}
	if fo.PFN == 0 {
		switch {
		case f.Generation == M0 && fo.Flags != 0:
			add(phys.ErrMalformed, "pfn 0 with flags 0x%x: not a hole (foliodesc is not 0), so the kernel restores PA 0 and fails", fo.Flags)
		default:
			add(phys.ErrMalformed, "pfn 0: a hole the kernel skips; a real producer never writes one")
		}
	}
	if bad := fo.Flags &^ FolioKnownFlags; bad != 0 {
		add(phys.ErrMalformed, "flags 0x%x hold unknown bits 0x%x (ignored by the kernel)", fo.Flags, bad)
	}
	if fo.Index >= f.pages() {
		add(phys.ErrMalformed, "index %d is at or past the %d pages of the %d-byte file", fo.Index, f.pages(), f.Size)
	}
	return out
}

// Check returns every problem found in f and its folio records, in order:
// the descriptor (CheckDescriptor), the folio table (File.Table: chain,
// total_pages, overlaps, nr_folios versus the area, missing blocks; a
// failure here ends the check), each record (CheckFolio), then records out
// of ascending index order (a real producer writes them ascending),
// duplicate indexes among records that are not holes
// (shmem_add_to_page_cache fails) and duplicate PFNs (the second
// kho_restore_folio fails). It does not stop at the first problem;
// at most MaxFindings are returned. Folio orders come from the KHO map,
// not from memfd data, so overlapping (rather than equal) folios are left
// to the memory-map checks.
func (f *File) Check(m phys.Memory) []*phys.Error {
	var fs findings
	fs.add(f.CheckDescriptor()...)
	t, err := f.Table(m)
	if err != nil {
		fs.add(asPhysError(err, f.Path+".folios"))
		return fs.done(f.Path)
	}
	it := t.Iter()
	ascending, prev := true, uint64(0)
	for it.Next() {
		fo, pos := it.Folio(), it.Pos()-1
		if p := f.CheckFolio(pos, fo); p != nil {
			fs.add(p...)
		}
		if pos > 0 && fo.Index <= prev && ascending {
			ascending = false
			fs.add(phys.Errorf(phys.ErrMalformed, f.folioPath(pos), phys.NoAddr, -1,
				"index %d after index %d: records are not in strictly ascending index order (a real producer writes them ascending)", fo.Index, prev))
		}
		prev = fo.Index
	}
	if err := it.Err(); err != nil {
		fs.add(asPhysError(err, f.Path+".folios"))
		return fs.done(f.Path)
	}
	if !ascending {
		f.checkDuplicates(t, &fs, "index", func(fo Folio) (uint64, bool) { return fo.Index, fo.PFN != 0 },
			"shmem_add_to_page_cache fails for the second")
	}
	f.checkDuplicates(t, &fs, "pfn", func(fo Folio) (uint64, bool) { return fo.PFN, fo.PFN != 0 },
		"the second kho_restore_folio of the same folio fails")
	return fs.done(f.Path)
}

// checkDuplicates reports records whose key equals an earlier record's.
// It sorts (key, position) pairs: 16 bytes per record, no more than the
// area the records occupy.
func (f *File) checkDuplicates(t *Table, fs *findings, name string, key func(Folio) (uint64, bool), why string) {
	type kp struct{ k, pos uint64 }
	pairs := make([]kp, 0, t.n)
	it := t.Iter()
	for it.Next() {
		if k, ok := key(it.Folio()); ok {
			pairs = append(pairs, kp{k, it.Pos() - 1})
		}
	}
	slices.SortFunc(pairs, func(a, b kp) int {
		switch {
		case a.k != b.k:
			if a.k < b.k {
				return -1
			}
			return 1
		case a.pos < b.pos:
			return -1
		case a.pos > b.pos:
			return 1
		}
		return 0
	})
	first := 0 // start of the run of equal keys
	for i := 1; i < len(pairs); i++ {
		if pairs[i].k != pairs[first].k {
			first = i
			continue
		}
		fs.add(phys.Errorf(phys.ErrMalformed, f.folioPath(pairs[i].pos), phys.NoAddr, -1,
			"%s 0x%x duplicates folios[%d]; %s", name, pairs[i].k, pairs[first].pos, why))
	}
}

// asPhysError returns err as a *phys.Error, wrapping a foreign error.
func asPhysError(err error, path string) *phys.Error {
	var pe *phys.Error
	if errors.As(err, &pe) {
		return pe
	}
	return phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, -1, "%v", err)
}
