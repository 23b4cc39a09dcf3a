package luo

import "github.com/luoinspect/luoinspect/phys"

// allocArea allocates the zeroed block of an array of shape a and writes
// what the kernel writes at setup: pgcnt, where the header has it.
func (e *encoder) allocArea(a *area) (uint64, []byte) {
	pa, b := e.a.Alloc(order(a.pages))
	if a.pgcnt != nil {
		a.pgcnt.PutUint(b, a.pages)
	}
	return pa, b
}

// fillArea writes n entries into blk, the block of an array of shape a,
// filling entry i with put, then the count, as the kernel does at
// serialization. More entries than the block holds fail with
// phys.ErrLimit.
func fillArea(a *area, blk []byte, n int, put func(i int, entry []byte) error) error {
	if uint64(n) > a.max {
		return phys.Errorf(phys.ErrLimit, a.path, phys.NoAddr, -1,
			"%d %ss exceed the %d the %s holds", n, a.what, a.max, a.name)
	}
	for i := range n {
		if err := put(i, blk[a.hdr.Size+i*a.entry.Size:]); err != nil {
			return err
		}
	}
	a.count.PutUint(blk, uint64(n))
	return nil
}
