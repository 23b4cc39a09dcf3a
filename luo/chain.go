package luo

import (
	"errors"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// claimGuard is the memory kho.ReadBlocks reads a chain through: it
// refuses the address of memory another part of the state already uses,
// so that chains merging into one another cost no more than one block
// each, however many of them there are.
type claimGuard struct {
	phys.Memory
	claimed map[uint64]string
	hit     uint64 // the refused address
	stopped bool
}

// Holds reports whether the memory holds [addr, addr+n) and no part of
// the state uses addr yet.
func (g *claimGuard) Holds(addr, n uint64) bool {
	if _, ok := g.claimed[addr]; ok {
		g.hit, g.stopped = addr, true
		return false
	}
	return phys.Holds(g.Memory, addr, n)
}

// View hands out the underlying memory's bytes when it can.
func (g *claimGuard) View(addr, n uint64) ([]byte, bool) {
	if v, ok := g.Memory.(phys.Viewer); ok {
		return v.View(addr, n)
	}
	return nil, false
}

// chain reads and claims the KHO block chain at head. It returns the
// blocks read before a problem of the chain (reported as package kho
// raises it) or before a block another part already uses (reported as
// CheckShared), and whether the whole chain was read.
func (d *decoder) chain(head uint64, entrySize int, path string) ([]kho.Block, bool) {
	g := &claimGuard{Memory: d.m, claimed: d.claimed}
	blocks, err := kho.ReadBlocks(g, head, entrySize, path)
	if g.stopped && errors.Is(err, phys.ErrUnresolved) {
		d.claim(g.hit, blockPath(path, len(blocks)))
	} else {
		d.add(err)
	}
	for bi, b := range blocks {
		if !d.claim(b.Addr, blockPath(path, bi)) {
			return blocks[:bi], false
		}
	}
	return blocks, err == nil
}

// eachEntry calls f for every entry of entrySize bytes of blocks, with its
// index across the whole chain, its bytes and its physical address.
func eachEntry(blocks []kho.Block, entrySize int, f func(i int, b []byte, addr uint64)) {
	i := 0
	for _, b := range blocks {
		for j := 0; j < int(b.Count); j++ {
			f(i, b.Entry(j, entrySize), b.EntryAddr(j, entrySize))
			i++
		}
	}
}
