package kho

import (
	"iter"
	"slices"
	"sort"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// Memmap is a decoded preserved-memory map of any generation: *MemmapV1
// or *MemmapRadix.
type Memmap interface {
	// Blocks yields every preserved block in map order.
	Blocks() iter.Seq[phys.Block]
}

// Preserved answers "is this address preserved, and by which block" for a
// set of preserved blocks, in O(log runs) for maps without overlapping
// blocks. It stores runs of blocks of one order that follow each other in
// memory, so a 64 GiB memfd preserved as 16.7 million contiguous order-0
// folios costs one 24-byte run, not 16.7 million entries; scattered blocks
// cost 24 bytes each, and 8 more when some blocks overlap.
type Preserved struct {
	// runs, expanded block by block, are the distinct blocks by address,
	// then order.
	runs []run
	// last[r] is the highest last byte of runs[0..r]; nil when no two
	// runs overlap (then it is each run's own last byte).
	last []uint64
	n    int
}

// run is n blocks of 2^order pages at addr, addr+size, ...; idx is the
// position of its first block among all blocks.
type run struct {
	addr  uint64
	idx   uint64
	n     uint32
	order uint32
}

func (r *run) size() uint64 { return phys.PageSize << r.order }

// block returns the k-th block of the run.
func (r *run) block(k uint64) phys.Block {
	return phys.Block{Addr: r.addr + k*r.size(), Order: uint(r.order)}
}

// lastAddr returns the address of the run's last block.
func (r *run) lastAddr() uint64 { return r.addr + uint64(r.n-1)*r.size() }

// lastByte returns the run's last byte (saturating like lastByte).
func (r *run) lastByte() uint64 { return lastByte(r.block(uint64(r.n - 1))) }

// maxRun bounds the blocks of one run (n is 32 bits).
const maxRun = 1<<32 - 1

// NewPreserved indexes the blocks of seq, typically Memmap.Blocks().
// Blocks may come in any order and repeat; runs are formed as they come,
// so memory grows with the number of runs, not of blocks, whenever the
// map lists each order's blocks by ascending address (both map formats
// do).
func NewPreserved(seq iter.Seq[phys.Block]) *Preserved {
	var runs []run
	for b := range seq {
		if k := len(runs) - 1; k >= 0 && extends(&runs[k], b) {
			runs[k].n++
			continue
		}
		runs = append(runs, run{addr: b.Addr, n: 1, order: uint32(b.Order)})
	}
	slices.SortFunc(runs, func(x, y run) int { return phys.CompareBlocks(x.block(0), y.block(0)) })
	if !ordered(runs) {
		runs = normalize(runs)
	}
	p := &Preserved{runs: slices.Clip(runs)}
	disjoint := true
	for i := range p.runs {
		r := &p.runs[i]
		r.idx = uint64(p.n)
		p.n += int(r.n)
		if i > 0 && p.runs[i-1].lastByte() >= r.addr {
			disjoint = false
		}
	}
	if !disjoint {
		p.last = make([]uint64, len(p.runs))
		var hi uint64
		for i := range p.runs {
			hi = max(hi, p.runs[i].lastByte())
			p.last[i] = hi
		}
	}
	return p
}

// extends reports whether b is the block right after run r, of its order.
func extends(r *run, b phys.Block) bool {
	if uint(r.order) != b.Order || b.Order > maxOrder || r.n == maxRun {
		return false
	}
	next := r.lastAddr() + r.size()
	return next > r.addr && b.Addr == next && lastByte(b) != ^uint64(0)
}

// ordered reports whether runs sorted by (address, order) expand to
// blocks strictly ascending by (address, order): no run starts inside
// another's span of block addresses, and no block repeats.
func ordered(runs []run) bool {
	for i := 1; i < len(runs); i++ {
		a, b := &runs[i-1], &runs[i]
		la := a.lastAddr()
		if la > b.addr || la == b.addr && a.order >= b.order {
			return false
		}
	}
	return true
}

// normalize expands runs that interleave into single blocks, sorts and
// de-duplicates them, and joins them into runs again: the slow path for
// overlapping or repeated blocks, which kernel-made maps do not have.
func normalize(runs []run) []run {
	var blocks []phys.Block
	for i := range runs {
		for k := range uint64(runs[i].n) {
			blocks = append(blocks, runs[i].block(k))
		}
	}
	slices.SortFunc(blocks, phys.CompareBlocks)
	blocks = slices.Compact(blocks)
	out := runs[:0]
	for _, b := range blocks {
		if k := len(out) - 1; k >= 0 && extends(&out[k], b) {
			out[k].n++
			continue
		}
		out = append(out, run{addr: b.Addr, n: 1, order: uint32(b.Order)})
	}
	return out
}

// lastByte returns the address of a block's last byte, saturating for a
// block that would run past 2^64 (decoders refuse those).
func lastByte(b phys.Block) uint64 {
	if b.Order > maxOrder || b.Addr+(b.Size()-1) < b.Addr {
		return ^uint64(0)
	}
	return b.Addr + (b.Size() - 1)
}

// Len returns the number of distinct blocks.
func (p *Preserved) Len() int { return p.n }

// Runs returns the number of runs the blocks are stored as.
func (p *Preserved) Runs() int { return len(p.runs) }

// All yields the distinct blocks by ascending address, then order.
func (p *Preserved) All() iter.Seq[phys.Block] {
	return func(yield func(phys.Block) bool) {
		for i := range p.runs {
			r := &p.runs[i]
			for k := range uint64(r.n) {
				if !yield(r.block(k)) {
					return
				}
			}
		}
	}
}

// Run is a run of N blocks of 2^Order pages at Addr, Addr + size, ...
type Run struct {
	Addr  uint64
	Order uint
	N     uint64
}

// Block returns the k-th block of the run.
func (r Run) Block(k uint64) phys.Block {
	return phys.Block{Addr: r.Addr + k*(phys.PageSize<<r.Order), Order: r.Order}
}

// RunList yields the runs the blocks are stored as, in All's order:
// expanded block by block they are All. A checker that works run by run
// (MAP002, MAP003) costs O(runs), not O(blocks).
func (p *Preserved) RunList() iter.Seq[Run] {
	return func(yield func(Run) bool) {
		for _, r := range p.runs {
			if !yield(Run{Addr: r.addr, Order: uint(r.order), N: uint64(r.n)}) {
				return
			}
		}
	}
}

// prefixLast returns the highest last byte of runs[0..r].
func (p *Preserved) prefixLast(r int) uint64 {
	if p.last != nil {
		return p.last[r]
	}
	return p.runs[r].lastByte()
}

// Contains returns the preserved block that holds addr: of several, the
// one that starts closest below addr (the smallest order when several
// start there).
func (p *Preserved) Contains(addr uint64) (phys.Block, bool) {
	ri := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].addr > addr }) - 1
	for ; ri >= 0 && p.prefixLast(ri) >= addr; ri-- {
		r := &p.runs[ri]
		// The last block of the run starting at or below addr; the
		// run's earlier blocks end before it starts.
		k := min(uint64(r.n-1), (addr-r.addr)>>(abi.PageShift+uint(r.order)))
		b := r.block(k)
		if lastByte(b) < addr {
			continue
		}
		// Prefer the smallest order among blocks starting here: they end
		// the runs right before this one.
		for first := k == 0; first && ri > 0; first = p.runs[ri].n == 1 {
			prev := &p.runs[ri-1]
			pb := prev.block(uint64(prev.n - 1))
			if pb.Addr != b.Addr || lastByte(pb) < addr {
				break
			}
			ri, b = ri-1, pb
		}
		return b, true
	}
	return phys.Block{}, false
}

// Head returns the preserved block that starts exactly at addr (the
// smallest order when several do). Every page a kernel-made handover
// references must be such a head (docs/abi/kernel-rules.md §8.5).
func (p *Preserved) Head(addr uint64) (phys.Block, bool) {
	_, b, ok := p.HeadIndex(addr)
	return b, ok
}

// HeadIndex is Head that also returns the block's position among All's
// blocks (0 to Len()-1), for callers that keep one bit per block.
func (p *Preserved) HeadIndex(addr uint64) (int, phys.Block, bool) {
	ri := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].lastAddr() >= addr })
	return p.headIn(ri, addr)
}

// headIn looks for the head at addr in run ri, the first run whose last
// block starts at or above addr.
func (p *Preserved) headIn(ri int, addr uint64) (int, phys.Block, bool) {
	if ri >= len(p.runs) {
		return -1, phys.Block{}, false
	}
	r := &p.runs[ri]
	var k uint64
	if addr > r.addr {
		off := addr - r.addr
		if off&(r.size()-1) != 0 {
			return -1, phys.Block{}, false
		}
		k = off >> (abi.PageShift + uint(r.order))
	}
	b := r.block(k)
	if b.Addr != addr {
		return -1, phys.Block{}, false
	}
	return int(r.idx + k), b, true
}

// Cursor answers HeadIndex for addresses that mostly ascend (a memfd's
// folio records) in O(1) each by starting from the run of the previous
// answer. It is not safe for concurrent use; the Preserved it reads is.
type Cursor struct {
	p *Preserved
	r int
}

// Cursor returns a cursor at the first run.
func (p *Preserved) Cursor() *Cursor { return &Cursor{p: p} }

// HeadIndex is Preserved.HeadIndex.
func (c *Cursor) HeadIndex(addr uint64) (int, phys.Block, bool) {
	runs := c.p.runs
	if c.r < len(runs) {
		// Inside the cursor's run past its first block: that run is the
		// answer (the runs before it end at or below its first block).
		if r := &runs[c.r]; addr > r.addr && addr <= r.lastAddr() {
			return c.p.headIn(c.r, addr)
		}
	}
	// The answer's run is the first whose last block is at or above
	// addr: try the cursor's run and the next before searching.
	for ri := c.r; ri < len(runs) && ri <= c.r+1; ri++ {
		if runs[ri].lastAddr() >= addr && (ri == 0 || runs[ri-1].lastAddr() < addr) {
			c.r = ri
			return c.p.headIn(ri, addr)
		}
	}
	ri := sort.Search(len(runs), func(i int) bool { return runs[i].lastAddr() >= addr })
	if ri < len(runs) {
		c.r = ri
	}
	return c.p.headIn(ri, addr)
}
