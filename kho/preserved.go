package kho

import (
	"cmp"
	"iter"
	"slices"
	"sort"

	"github.com/luoinspect/luoinspect/phys"
)

// Memmap is a decoded preserved-memory map of any generation: *MemmapV1
// or *MemmapRadix.
type Memmap interface {
	// Blocks yields every preserved block in map order.
	Blocks() iter.Seq[phys.Block]
}

// Preserved answers "is this address preserved, and by which block" for a
// set of preserved blocks, in O(log n) for maps without overlapping
// blocks. It costs 24 bytes per block.
type Preserved struct {
	blocks []phys.Block // by address, then order
	last   []uint64     // last[i]: the highest last byte of blocks[0..i]
}

// NewPreserved indexes the blocks of seq, typically Memmap.Blocks().
func NewPreserved(seq iter.Seq[phys.Block]) *Preserved {
	p := &Preserved{blocks: slices.Collect(seq)}
	slices.SortFunc(p.blocks, func(x, y phys.Block) int {
		return cmp.Or(cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.Order, y.Order))
	})
	p.blocks = slices.Compact(p.blocks)
	p.last = make([]uint64, len(p.blocks))
	var hi uint64
	for i, b := range p.blocks {
		hi = max(hi, lastByte(b))
		p.last[i] = hi
	}
	return p
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
func (p *Preserved) Len() int { return len(p.blocks) }

// All yields the distinct blocks by ascending address, then order.
func (p *Preserved) All() iter.Seq[phys.Block] { return slices.Values(p.blocks) }

// Contains returns the preserved block that holds addr: of several, the
// one that starts closest below addr (the smallest order when several
// start there).
func (p *Preserved) Contains(addr uint64) (phys.Block, bool) {
	i := sort.Search(len(p.blocks), func(i int) bool { return p.blocks[i].Addr > addr }) - 1
	for ; i >= 0 && p.last[i] >= addr; i-- {
		if lastByte(p.blocks[i]) >= addr {
			// Prefer the smallest order among blocks starting here.
			for i > 0 && p.blocks[i-1].Addr == p.blocks[i].Addr && lastByte(p.blocks[i-1]) >= addr {
				i--
			}
			return p.blocks[i], true
		}
	}
	return phys.Block{}, false
}

// Head returns the preserved block that starts exactly at addr (the
// smallest order when several do). Every page a kernel-made handover
// references must be such a head (kernel-rules.md §8.5).
func (p *Preserved) Head(addr uint64) (phys.Block, bool) {
	i := sort.Search(len(p.blocks), func(i int) bool { return p.blocks[i].Addr >= addr })
	if i < len(p.blocks) && p.blocks[i].Addr == addr {
		return p.blocks[i], true
	}
	return phys.Block{}, false
}
