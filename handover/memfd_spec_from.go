package handover

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// MaxSpecPFNRuns bounds the folio runs SpecWith keeps with their PFNs
// for one memfd (2^21 runs, some 80 MiB): past it the folios are too
// scattered to reference, the runs are coalesced without PFNs and the
// contents of a file above the embed limit are left unresolved.
const MaxSpecPFNRuns = 1 << 21

// folioLayout is a memfd's folio records read as runs.
type folioLayout struct {
	// runs holds the folios in record order, with PFNs unless coarse.
	runs   []memfd.FolioRun
	coarse bool
	// count is the number of folios; holes the records with pfn 0 (the
	// kernel skips them; runs leave them out).
	count, holes uint64
	// unsized counts folios whose size the preserved-memory map does not
	// give (taken as order 0).
	unsized uint64
}

// layoutOf streams f's records into runs, each folio's order read from
// the preserved-memory map (the block its head page starts).
func (s *State) layoutOf(f *memfd.File, m phys.Memory) (*folioLayout, error) {
	b := memfd.NewRunBuilder(true, MaxSpecPFNRuns)
	var cur *kho.Cursor
	if s.Preserved != nil {
		cur = s.Preserved.Cursor()
	}
	l := &folioLayout{}
	for fo, err := range f.FolioSeq(m) {
		if err != nil {
			return nil, err
		}
		if fo.PFN == 0 {
			l.holes++
			continue
		}
		l.count++
		order, sized := uint(0), false
		if cur != nil {
			var blk phys.Block
			_, blk, sized = cur.HeadIndex(fo.PFN * phys.PageSize)
			order = blk.Order
		}
		if !sized {
			l.unsized++
		}
		b.Add(fo, order)
	}
	l.runs, l.coarse = b.Runs(), b.Coarse()
	return l, nil
}

// FolioPages gives the pages of the state's folios from its
// preserved-memory map (2^order of the block a folio's head page starts),
// or nil without a map (not read, or consumed by the receiving kernel).
func (s *State) FolioPages() memfd.FolioPages {
	if s.Preserved == nil {
		return nil
	}
	return func(pfn uint64) (uint64, bool) {
		b, ok := s.Preserved.Head(pfn * phys.PageSize)
		return uint64(1) << b.Order, ok
	}
}

// simple reports whether the layout is the simple form's: folio i is an
// order-0 folio at index i marked dirty and uptodate, for every record.
func (l *folioLayout) simple(size uint64) bool {
	if l.holes > 0 {
		return false
	}
	if l.count == 0 {
		return size == 0 // Folios 0 means the pages of size
	}
	runs := memfd.MergeRuns(append([]memfd.FolioRun(nil), l.runs...))
	r := runs[0]
	return len(runs) == 1 && r.Index == 0 && r.Order == 0 && r.Flags == defaultFolioFlags && r.Count == l.count
}

// memfdSpec describes one memfd: its fields, its folio layout (the simple
// form when it fits) and its contents (see SpecWith; legacy gives
// WithData when m holds the first folio page, and nothing else).
func (s *State) memfdSpec(f *memfd.File, m phys.Memory, o SpecOptions, legacy bool) *MemfdSpec {
	ms := &MemfdSpec{Pos: f.Pos, Size: f.Size, Seals: f.Seals, Flags: f.Flags, Folios: f.NrFolios}
	unresolved := func(format string, args ...any) {
		if !legacy {
			ms.Contents = &ContentsSpec{Unresolved: fmt.Sprintf(format, args...)}
		}
	}
	if m == nil {
		unresolved("no memory to read the folio records from")
		return ms
	}
	l, err := s.layoutOf(f, m)
	if err != nil {
		unresolved("the folio records cannot be read: %v", err)
		return ms
	}
	reference := false
	switch {
	case legacy:
		if fo, err := f.FolioAt(m, 0); err == nil && fo.PFN != 0 {
			ms.WithData = phys.Holds(m, fo.Addr(), phys.PageSize)
		}
	case l.count == 0:
	case l.unsized > 0:
		unresolved("the preserved-memory map does not give the size of %d folios (taken as order 0): contents not read", l.unsized)
	case l.coarse:
		unresolved("the folios lie in more than %d separate runs: contents not read", MaxSpecPFNRuns)
	default:
		reference = s.memfdContents(ms, l.runs, m, o)
	}
	switch {
	case reference:
		ms.Folios, ms.FolioRuns = 0, runSpecs(l.runs, f.Generation, true)
	case l.simple(f.Size):
		ms.Folios = l.count
	default:
		ms.Folios, ms.FolioRuns = 0, runSpecs(memfd.MergeRuns(l.runs), f.Generation, false)
	}
	return ms
}

// memfdContents resolves the contents of a memfd whose folios are runs
// (with PFNs) in m, and reports whether they are referenced to o.Source.
func (s *State) memfdContents(ms *MemfdSpec, runs []memfd.FolioRun, m phys.Memory, o SpecOptions) bool {
	note := func(format string, args ...any) {
		ms.Contents = &ContentsSpec{Unresolved: fmt.Sprintf(format, args...)}
	}
	for _, r := range runs {
		if err := r.Check(); err != nil {
			note("folio run at index %d: %v", r.Index, err)
			return false
		}
		if !phys.Holds(m, r.PFN*phys.PageSize, r.Pages()*phys.PageSize) {
			note("the source does not hold the folio pages at PFN 0x%x (index %d, %d pages)", r.PFN, r.Index, r.Pages())
			return false
		}
	}
	pattern, err := isPattern(runs, m)
	switch {
	case err != nil:
		note("the folio pages cannot be read: %v", err)
	case pattern:
		ms.WithData = true
	case ms.Size <= o.EmbedLimit:
		b, err := fileBytes(runs, m, ms.Size)
		if err != nil {
			note("the folio pages cannot be read: %v", err)
			break
		}
		enc := base64.StdEncoding.EncodeToString(bytes.TrimRight(b, "\x00"))
		ms.Contents = &ContentsSpec{Base64: &enc}
	case o.Source != "":
		ms.Contents = &ContentsSpec{Source: o.Source}
		return true
	default:
		note("%d bytes are above the %d-byte embed limit, and no source is named to copy them from", ms.Size, o.EmbedLimit)
	}
	return false
}

// readRuns calls use with the bytes of the runs' pages in m, in pieces of
// at most 64 KiB, each with the page-cache index of its first byte and
// its offset in that page; use returns false to stop.
func readRuns(runs []memfd.FolioRun, m phys.Memory, use func(b []byte, index, off uint64) bool) error {
	buf := make([]byte, 64<<10)
	for _, r := range runs {
		total := r.Pages() * phys.PageSize
		for off := uint64(0); off < total; {
			k := min(uint64(len(buf)), total-off)
			if _, err := m.ReadAt(buf[:k], r.PFN*phys.PageSize+off); err != nil {
				return err
			}
			if !use(buf[:k], r.Index+off/phys.PageSize, off%phys.PageSize) {
				return nil
			}
			off += k
		}
	}
	return nil
}

// isPattern reports whether every folio page holds the encoder's pattern
// for its index (WithData); it stops at the first byte that differs.
func isPattern(runs []memfd.FolioRun, m phys.Memory) (bool, error) {
	same := true
	var page [phys.PageSize]byte
	err := readRuns(runs, m, func(b []byte, index, off uint64) bool {
		for len(b) > 0 && same {
			fillPattern(page[:], index)
			k := min(uint64(len(b)), phys.PageSize-off)
			same = bytes.Equal(b[:k], page[off:off+k])
			b, index, off = b[k:], index+1, 0
		}
		return same
	})
	return same && err == nil, err
}

// fileBytes returns the first size bytes of the file the runs make, holes
// as zeros; size is small (the embed limit). Only the pages below size
// are read.
func fileBytes(runs []memfd.FolioRun, m phys.Memory, size uint64) ([]byte, error) {
	out := make([]byte, size)
	pages := (size + phys.PageSize - 1) / phys.PageSize
	var in []memfd.FolioRun // the runs' pages below size, as order-0 runs
	for _, r := range runs {
		if r.Index < pages {
			in = append(in, memfd.FolioRun{Index: r.Index, Count: min(r.Pages(), pages-r.Index), PFN: r.PFN})
		}
	}
	err := readRuns(in, m, func(b []byte, index, off uint64) bool {
		if start := index*phys.PageSize + off; start < size {
			copy(out[start:], b)
		}
		return true
	})
	return out, err
}
