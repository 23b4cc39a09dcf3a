package memfd

import (
	"fmt"
	"math/bits"
	"sort"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// MaxFolioOrder is the largest folio order a memfd holds: MAX_PAGE_ORDER
// (shmem folios, THP included, come from the buddy allocator).
const MaxFolioOrder = maxPageOrder

// FolioRun is a run of folios of one order and one set of flags at
// consecutive page-cache indexes: folio k (0 <= k < Count) covers the
// 2^Order pages from index Index + k<<Order, and, when PFN is not 0, its
// head page is PFN + k<<Order. A memfd's folios in index order are a list
// of runs; the indexes between runs are holes.
type FolioRun struct {
	Index uint64
	Count uint64
	Order uint
	Flags uint16
	// PFN is the head page frame of the first folio, or 0 when the run
	// does not say where its folios are.
	PFN uint64
}

// Pages returns the pages the run's folios span together.
func (r FolioRun) Pages() uint64 { return r.Count << r.Order }

// End returns the first page-cache index past the run.
func (r FolioRun) End() uint64 { return r.Index + r.Pages() }

// Folio returns folio k of the run as a record.
func (r FolioRun) Folio(k uint64) Folio {
	fo := Folio{Flags: r.Flags, Index: r.Index + k<<r.Order}
	if r.PFN != 0 {
		fo.PFN = r.PFN + k<<r.Order
	}
	return fo
}

// Check refuses a run that is empty, of an order above MaxFolioOrder, or
// whose indexes or PFNs run past 2^64 pages (or PFNs past the 52 bits a
// record holds).
func (r FolioRun) Check() error {
	switch {
	case r.Count == 0:
		return fmt.Errorf("a run of 0 folios")
	case r.Order > MaxFolioOrder:
		return fmt.Errorf("order %d is above MAX_PAGE_ORDER %d", r.Order, MaxFolioOrder)
	case r.Count > (^uint64(0))>>r.Order:
		return fmt.Errorf("%d folios of order %d are more than 2^64 pages", r.Count, r.Order)
	}
	if _, carry := bits.Add64(r.Index, r.Pages(), 0); carry != 0 {
		return fmt.Errorf("index %d + %d pages runs past 2^64", r.Index, r.Pages())
	}
	if r.PFN != 0 && (r.PFN > folioM1.pfnMask || r.Pages() > folioM1.pfnMask-r.PFN) {
		return fmt.Errorf("pfn 0x%x + %d pages runs past the 52-bit pfn field", r.PFN, r.Pages())
	}
	return nil
}

// joins reports whether fo, of the given order, is the folio right after
// the run's last one: same order and flags, the next index and, when
// withPFN, the next PFN.
func (r FolioRun) joins(fo Folio, order uint, withPFN bool) bool {
	if order != r.Order || fo.Flags != r.Flags || fo.Index != r.End() || r.End() < r.Index {
		return false
	}
	return !withPFN || fo.PFN == r.PFN+r.Pages()
}

// RunBuilder coalesces folios, in record order, into runs. With PFNs kept
// a folio joins the run before it only when its head page follows that
// run's pages too, so that each run says where its folios are; past
// MaxPFNRuns runs the builder drops the PFNs (Coarse reports it) and
// coalesces by index, order and flags alone, so that a memfd of scattered
// pages costs one run per distinct stretch, not one per folio.
type RunBuilder struct {
	// MaxPFNRuns bounds the runs kept with PFNs (0: no bound).
	MaxPFNRuns int
	runs       []FolioRun
	coarse     bool
}

// NewRunBuilder returns a builder keeping PFNs for up to maxPFNRuns runs
// (0: no bound), or none when keepPFN is false.
func NewRunBuilder(keepPFN bool, maxPFNRuns int) *RunBuilder {
	return &RunBuilder{MaxPFNRuns: maxPFNRuns, coarse: !keepPFN}
}

// Add appends folio fo, of 2^order pages.
func (b *RunBuilder) Add(fo Folio, order uint) {
	if n := len(b.runs); n > 0 && b.runs[n-1].joins(fo, order, !b.coarse) {
		b.runs[n-1].Count++
		return
	}
	if !b.coarse && b.MaxPFNRuns > 0 && len(b.runs) >= b.MaxPFNRuns {
		b.runs, b.coarse = MergeRuns(b.runs), true
		b.Add(fo, order)
		return
	}
	r := FolioRun{Index: fo.Index, Count: 1, Order: order, Flags: fo.Flags}
	if !b.coarse {
		r.PFN = fo.PFN
	}
	b.runs = append(b.runs, r)
}

// Runs returns the runs built so far.
func (b *RunBuilder) Runs() []FolioRun { return b.runs }

// Coarse reports whether the runs carry no PFNs.
func (b *RunBuilder) Coarse() bool { return b.coarse }

// MergeRuns drops the PFNs of runs and joins neighbours that continue
// each other in index with the same order and flags. It reuses runs'
// array.
func MergeRuns(runs []FolioRun) []FolioRun {
	out := runs[:0]
	for _, r := range runs {
		r.PFN = 0
		if n := len(out); n > 0 && out[n-1].joins(r.Folio(0), r.Order, false) && out[n-1].Count+r.Count > out[n-1].Count {
			out[n-1].Count += r.Count
			continue
		}
		out = append(out, r)
	}
	return out
}

// CheckRuns refuses runs that are not each valid (FolioRun.Check), or that
// overlap or go back in index: a real producer writes its folios in
// ascending index order, one per index.
func CheckRuns(runs []FolioRun) error {
	var end uint64
	for i, r := range runs {
		if err := r.Check(); err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		if i > 0 && r.Index < end {
			return fmt.Errorf("run %d: index %d is below the end (%d) of the run before it: runs must ascend without overlapping", i, r.Index, end)
		}
		end = r.End()
	}
	return nil
}

// runFolios returns the number of folios of runs and the function giving
// folio i of all of them in order, for EncodeFunc. It answers ascending
// calls in O(1) and others by binary search.
func runFolios(runs []FolioRun) (uint64, func(i uint64) Folio) {
	starts := make([]uint64, len(runs)) // folio number of each run's first folio
	var n uint64
	for i, r := range runs {
		starts[i] = n
		n += r.Count
	}
	cur := 0
	return n, func(i uint64) Folio {
		if !(cur < len(runs) && starts[cur] <= i && i-starts[cur] < runs[cur].Count) {
			cur = sort.Search(len(starts), func(k int) bool { return starts[k] > i }) - 1
		}
		return runs[cur].Folio(i - starts[cur])
	}
}

// EncodeRuns is Encode with the records given as runs (see EncodeFunc for
// what is written): each run's folios, in order, with the run's flags and
// PFNs (which must be set). The runs must pass CheckRuns.
func EncodeRuns(a *phys.Allocator, f *File, runs []FolioRun, gen abi.Tag) (uint64, error) {
	if err := CheckRuns(runs); err != nil {
		return 0, fmt.Errorf("memfd: %w", err)
	}
	for i, r := range runs {
		if r.PFN == 0 {
			return 0, fmt.Errorf("memfd: run %d has no pfn", i)
		}
	}
	n, at := runFolios(runs)
	return EncodeFunc(a, f, n, at, gen)
}
