package memfd

import (
	"cmp"
	"errors"
	"slices"

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
		fs.list = append(fs.list, phys.Errorf(phys.ErrLimit, path, phys.NoAddr, -1, "%d more findings left out", fs.dropped).With(CheckFindingsCapped))
	}
	return fs.list
}

// CheckFolio returns the problems of record pos, or nil:
//
//   - CheckFolioHole: a hole (pfn 0 in M1+, foliodesc 0 in M0): the kernel
//     skips it, but a real producer never writes one; an M0 record with
//     pfn 0 and flags set is not skipped, and its restore of PA 0 fails;
//   - CheckFolioFlags: flag bits other than DIRTY and UPTODATE (the
//     kernel ignores them);
//   - CheckFolioIndex: an index at or past DIV_ROUND_UP(size, PAGE_SIZE):
//     the folio lies beyond i_size (the kernel does not check).
func (f *File) CheckFolio(pos uint64, fo Folio) []*phys.Error {
	if fo.PFN != 0 && fo.Flags&^FolioKnownFlags == 0 && fo.Index < f.pages() {
		return nil
	}
	var out []*phys.Error
	add := func(c phys.Check, format string, args ...any) {
		out = append(out, phys.Errorf(phys.ErrMalformed, f.folioPath(pos), phys.NoAddr, -1, format, args...).With(c))
	}
	if fo.PFN == 0 {
		switch {
		case f.Generation == M0 && fo.Flags != 0:
			add(CheckFolioHole, "pfn 0 with flags 0x%x: not a hole (foliodesc is not 0), so the kernel restores PA 0 and fails", fo.Flags)
		default:
			add(CheckFolioHole, "pfn 0: a hole the kernel skips; a real producer never writes one")
		}
	}
	if bad := fo.Flags &^ FolioKnownFlags; bad != 0 {
		add(CheckFolioFlags, "flags 0x%x hold unknown bits 0x%x (ignored by the kernel)", fo.Flags, bad)
	}
	if fo.Index >= f.pages() {
		add(CheckFolioIndex, "index %d is at or past the %d pages of the %d-byte file", fo.Index, f.pages(), f.Size)
	}
	return out
}

// Check returns every problem found in f and its folio records, in order:
// the descriptor (CheckDescriptor), the folio table (File.Table: chain,
// total_pages, overlaps, nr_folios versus the area, missing blocks; a
// failure here ends the check), each record (CheckFolio), then records out
// of ascending index order (CheckFolioOrder; a real producer writes them
// ascending), duplicate indexes among records that are not holes
// (CheckDuplicateIndex; shmem_add_to_page_cache fails) and duplicate PFNs
// (CheckDuplicatePFN; the second kho_restore_folio fails). It does not
// stop at the first problem; at most MaxFindings are returned, then one
// CheckFindingsCapped problem counting the rest. Folio orders come from the KHO map,
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
				"index %d after index %d: records are not in strictly ascending index order (a real producer writes them ascending)", fo.Index, prev).With(CheckFolioOrder))
		}
		prev = fo.Index
	}
	if err := it.Err(); err != nil {
		fs.add(asPhysError(err, f.Path+".folios"))
		return fs.done(f.Path)
	}
	if !ascending {
		f.checkDuplicates(t, &fs, "index", CheckDuplicateIndex, func(fo Folio) (uint64, bool) { return fo.Index, fo.PFN != 0 },
			"shmem_add_to_page_cache fails for the second")
	}
	f.checkDuplicates(t, &fs, "pfn", CheckDuplicatePFN, func(fo Folio) (uint64, bool) { return fo.PFN, fo.PFN != 0 },
		"the second kho_restore_folio of the same folio fails")
	return fs.done(f.Path)
}

// checkDuplicates reports records whose key equals an earlier record's.
// It sorts (key, position) pairs: 16 bytes per record, no more than the
// area the records occupy.
func (f *File) checkDuplicates(t *Table, fs *findings, name string, c phys.Check, key func(Folio) (uint64, bool), why string) {
	type kp struct{ k, pos uint64 }
	pairs := make([]kp, 0, t.n)
	it := t.Iter()
	for it.Next() {
		if k, ok := key(it.Folio()); ok {
			pairs = append(pairs, kp{k, it.Pos() - 1})
		}
	}
	slices.SortFunc(pairs, func(a, b kp) int { return cmp.Or(cmp.Compare(a.k, b.k), cmp.Compare(a.pos, b.pos)) })
	first := 0 // start of the run of equal keys
	for i := 1; i < len(pairs); i++ {
		if pairs[i].k != pairs[first].k {
			first = i
			continue
		}
		fs.add(phys.Errorf(phys.ErrMalformed, f.folioPath(pairs[i].pos), phys.NoAddr, -1,
			"%s 0x%x duplicates folios[%d]; %s", name, pairs[i].k, pairs[first].pos, why).With(c))
	}
}

// asPhysError returns err as a *phys.Error, wrapping a foreign error.
func asPhysError(err error, path string) *phys.Error {
	var pe *phys.Error
	if errors.As(err, &pe) {
		return pe
	}
	return phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, -1, "%v", err).With(CheckFolioTable)
}
