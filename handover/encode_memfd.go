package handover

import (
	"errors"
	"fmt"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// ContentSource is a source memfd contents are copied from: physical
// memory that can be closed (a source.Source is one).
type ContentSource interface {
	phys.Memory
	Close() error
}

// EncodeOptions steer EncodeWith.
type EncodeOptions struct {
	// Open opens the source a memfd's contents name (ContentsSpec.Source),
	// once per name. The CLI opens it as it opens a SOURCE argument. Nil
	// refuses specs that name one.
	Open func(name string) (ContentSource, error)
}

// MaxEncodeFolios bounds the folios of all memfds of a state Encode lays
// out (2^26: 256 GiB of order-0 folios), so that a spec cannot ask for
// more bookkeeping than a machine holds.
const MaxEncodeFolios = 1 << 26

// Memory returns the encoded state's memory: Image, and the memfd
// contents made when read (from a spec's folio runs).
func (e *Encoded) Memory() phys.Memory {
	if len(e.fill) == 0 {
		return e.Image
	}
	// The allocator hands out ascending addresses, so the ranges are in
	// order already; sorting keeps lookups right whatever the order.
	slices.SortFunc(e.fill, func(a, b filled) int { return phys.CompareRanges(a.Range, b.Range) })
	return &encodedMemory{img: e.Image, fill: e.fill}
}

// Close closes the sources opened for memfd contents; Memory cannot read
// their pages afterwards.
func (e *Encoded) Close() error {
	var errs []error
	for _, s := range e.sources {
		errs = append(errs, s.Close())
	}
	e.sources = nil
	return errors.Join(errs...)
}

// encodeMemfd places a memfd's folio pages and then its descriptor and
// folio array. The simple form without contents is laid out as it always
// was (encodeSimpleMemfd); folio runs, embedded contents and contents
// from a source are placed run by run, each run in one free span, with
// their bytes made when read.
func (e *Encoded) encodeMemfd(a *phys.Allocator, ms *MemfdSpec, gen abi.Tag) (uint64, error) {
	if ms.Contents != nil {
		if err := ms.Contents.check(); err != nil {
			return 0, err
		}
		if ms.WithData && ms.Contents.placed() {
			return 0, fmt.Errorf("give with_data or contents, not both")
		}
	}
	runs, err := ms.runs(gen)
	if err != nil {
		return 0, err
	}
	for _, r := range runs {
		if e.folios += r.Count; e.folios > MaxEncodeFolios || e.folios < r.Count {
			return 0, fmt.Errorf("more than %d folios in the state", MaxEncodeFolios)
		}
	}
	if ms.FolioRuns == nil && !ms.Contents.placed() {
		return encodeSimpleMemfd(a, ms, gen)
	}
	fill, err := e.contents(ms, runs)
	if err != nil {
		return 0, err
	}
	placed := make([]memfd.FolioRun, len(runs))
	for i, r := range runs {
		addr := a.ReserveRun(r.Order, r.Count)
		if fill != nil {
			e.fill = append(e.fill, filled{Range: phys.Range{Start: addr, Size: r.Pages() * phys.PageSize}, fill: fill(r)})
		}
		placed[i] = r
		placed[i].PFN = addr / phys.PageSize
	}
	f := &memfd.File{Pos: ms.Pos, Size: ms.Size, Seals: ms.Seals, Flags: ms.Flags}
	return memfd.EncodeRuns(a, f, placed, gen)
}

// runFill makes the bytes at offset off of a run's pages.
type runFill func(p []byte, off uint64) error

// contents returns, for each run, what makes its pages' bytes: the
// pattern (WithData), the embedded bytes, or the source's pages at the
// run's PFN. Nil means the pages are only preserved.
func (e *Encoded) contents(ms *MemfdSpec, runs []memfd.FolioRun) (func(memfd.FolioRun) runFill, error) {
	c := ms.Contents
	switch {
	case ms.WithData:
		return patternFill, nil
	case c == nil || c.Unresolved != "":
		return nil, nil
	case c.Source != "" && ms.FolioRuns == nil:
		return nil, fmt.Errorf("contents: source %q needs folio_runs, each with the pfn to copy from", c.Source)
	case c.Source != "":
		return e.sourceFill(c.Source, runs)
	}
	b, err := c.embedded()
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) > ms.Size {
		return nil, fmt.Errorf("contents: %d bytes embedded in a file of %d", len(b), ms.Size)
	}
	if err := checkHoles(b, runs); err != nil {
		return nil, err
	}
	return func(r memfd.FolioRun) runFill {
		return func(p []byte, off uint64) error {
			clear(p)
			if r.Index < uint64(len(b))/phys.PageSize+1 {
				if start := r.Index*phys.PageSize + off; start < uint64(len(b)) {
					copy(p, b[start:])
				}
			}
			return nil
		}
	}, nil
}

// patternFill fills each page with the pattern of its page-cache index,
// as WithData does for the simple form.
func patternFill(r memfd.FolioRun) runFill {
	return func(p []byte, off uint64) error {
		var page [phys.PageSize]byte
		for len(p) > 0 {
			in := off % phys.PageSize
			fillPattern(page[:], r.Index+off/phys.PageSize)
			k := copy(p, page[in:])
			p, off = p[k:], off+uint64(k)
		}
		return nil
	}
}

// checkHoles refuses embedded bytes that are not zero in a page no run
// covers: the restored file reads zeros there, so they would be lost.
func checkHoles(b []byte, runs []memfd.FolioRun) error {
	var next uint64 // first page not yet checked
	gap := func(end uint64) error {
		for p := next; p < end && p < (uint64(len(b))+phys.PageSize-1)/phys.PageSize; p++ {
			for _, v := range b[p*phys.PageSize : min(uint64(len(b)), (p+1)*phys.PageSize)] {
				if v != 0 {
					return fmt.Errorf("contents: page %d holds data but no folio covers it (a hole reads as zeros)", p)
				}
			}
		}
		return nil
	}
	for _, r := range runs {
		if err := gap(r.Index); err != nil {
			return err
		}
		next = max(next, r.End())
	}
	return gap(^uint64(0))
}

// sourceFill opens the named source (once per name) and checks that it
// holds every run's pages at the run's PFN.
func (e *Encoded) sourceFill(name string, runs []memfd.FolioRun) (func(memfd.FolioRun) runFill, error) {
	src, ok := e.sources[name]
	if !ok {
		if e.opts.Open == nil {
			return nil, fmt.Errorf("contents: source %q: this encoder opens no sources", name)
		}
		var err error
		if src, err = e.opts.Open(name); err != nil {
			return nil, fmt.Errorf("contents: source %q: %w", name, err)
		}
		if e.sources == nil {
			e.sources = map[string]ContentSource{}
		}
		e.sources[name] = src
	}
	for i, r := range runs {
		if r.PFN == 0 {
			return nil, fmt.Errorf("contents: source %q: folio_runs[%d] has no pfn to copy from", name, i)
		}
		if !phys.Holds(src, r.PFN*phys.PageSize, r.Pages()*phys.PageSize) {
			return nil, fmt.Errorf("contents: source %q does not hold the %d pages of folio_runs[%d] at PFN 0x%x", name, r.Pages(), i, r.PFN)
		}
	}
	return func(r memfd.FolioRun) runFill {
		return func(p []byte, off uint64) error {
			_, err := src.ReadAt(p, r.PFN*phys.PageSize+off)
			return err
		}
	}, nil
}
