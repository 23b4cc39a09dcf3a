package capture

import (
	"context"
	"fmt"
	"sort"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// touchFolios reads every memfd folio array through the recorder, and
// with data also records each folio's pages (sized by the preserved block
// that starts at the folio), counting into gaps what it could not read.
// It stops when ctx is done.
func touchFolios(ctx context.Context, st *handover.State, rec *phys.Recorder, withData bool, gaps *captureGaps) error {
	ranges := rec.Ranges()
	batch := make([]memfd.Folio, 512)
	for f := range st.Files() {
		if f.Memfd == nil {
			continue
		}
		var missing uint64
		it := f.Memfd.Iter(rec)
		for n := it.NextBatch(batch); n > 0; n = it.NextBatch(batch) {
			if err := inspect.Stopped(ctx); err != nil {
				return err
			}
			for _, fo := range batch[:n] {
				if !withData || fo.PFN == 0 {
					continue
				}
				size := uint64(phys.PageSize)
				if st.Preserved != nil {
					if b, ok := st.Preserved.Head(fo.Addr()); ok {
						size = b.Size()
					}
				}
				missing += recordHeld(rec, ranges, fo.Addr(), size)
			}
		}
		if err := it.Err(); err != nil {
			gaps.arrays = append(gaps.arrays, fmt.Errorf("the folio array of %s: %w", fileName(f), err))
		}
		if missing > 0 {
			gaps.dataBytes += missing
			gaps.dataPages += (missing + phys.PageSize - 1) / phys.PageSize
			gaps.dataFiles++
		}
	}
	return inspect.Stopped(ctx)
}

// recordHeld records the parts of [addr, addr+size) that ranges (sorted,
// disjoint) hold and returns how many bytes they do not.
func recordHeld(rec *phys.Recorder, ranges []phys.Range, addr, size uint64) (missing uint64) {
	if phys.Holds(rec, addr, size) {
		rec.Record(addr, size)
		return 0
	}
	end := addr + size
	if end < addr {
		end = ^uint64(0)
	}
	missing = end - addr
	i := sort.Search(len(ranges), func(i int) bool { return ranges[i].End() > addr })
	for ; i < len(ranges) && ranges[i].Start < end; i++ {
		lo, hi := max(addr, ranges[i].Start), min(end, ranges[i].End())
		rec.Record(lo, hi-lo)
		missing -= hi - lo
	}
	return missing
}

// clipRanges returns the parts of ranges that held holds (both sorted and
// disjoint): pages widened from reads of a source that holds part of a
// page are cut back to what it has.
func clipRanges(ranges, held []phys.Range) []phys.Range {
	var out []phys.Range
	j := 0
	for _, r := range ranges {
		for j < len(held) && held[j].End() <= r.Start {
			j++
		}
		for k := j; k < len(held) && held[k].Start < r.End(); k++ {
			lo, hi := max(r.Start, held[k].Start), min(r.End(), held[k].End())
			out = append(out, phys.Range{Start: lo, Size: hi - lo})
		}
	}
	return out
}

// fileName names a LUO file for people: its session and its token in hex.
func fileName(f *handover.FileState) string {
	if f.Session == "" {
		return fmt.Sprintf("global file token %#x", f.File.Token)
	}
	return fmt.Sprintf("session %q file token %#x", f.Session, f.File.Token)
}
