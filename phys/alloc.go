package phys

import "slices"

// PageSize is the page size the allocator hands out, matching the 4 KiB
// pages every supported layout assumes.
const PageSize = 4096

// Block is a run of 2^Order pages starting at Addr.
type Block struct {
	Addr  uint64
	Order uint
}

// Size returns the block length in bytes.
func (b Block) Size() uint64 { return PageSize << b.Order }

// Allocator lays a handover state out in an Image the way the kernel would
// see it: every allocation is a naturally aligned block of 2^order pages,
// zero-filled, placed above base and clear of the image's other segments,
// and the allocator remembers which blocks the state asks KHO
// to preserve so that the encoder can build the preserved-memory map.
type Allocator struct {
	Image *Image
	next  uint64
	// Preserved lists, in allocation order, the blocks marked preserved.
	Preserved []Block
}

// NewAllocator hands out memory from base upwards (base is rounded up to a
// page). Page 0 is never handed out: a physical address of 0 means "none"
// throughout the handover ABI.
func NewAllocator(img *Image, base uint64) *Allocator {
	return &Allocator{Image: img, next: max(PageSize, (base+PageSize-1)&^(PageSize-1))}
}

// Alloc returns a zeroed, naturally aligned block of 2^order pages and
// records it as preserved. The returned slice is the image's memory.
func (a *Allocator) Alloc(order uint) (uint64, []byte) {
	addr, b := a.AllocUnpreserved(order)
	a.Preserved = append(a.Preserved, Block{addr, order})
	return addr, b
}

// AllocUnpreserved returns a block that is not recorded as preserved, such
// as the pages of the preserved-memory map itself.
func (a *Allocator) AllocUnpreserved(order uint) (uint64, []byte) {
	size := uint64(PageSize) << order
	addr := a.Image.freeFrom(a.next, size, size)
	b := make([]byte, size)
	a.Image.Add(addr, b) // cannot fail: freeFrom found the room
	a.next = addr + size
	return addr, b
}

// Reserve records a preserved block of 2^order pages without placing any
// memory in the image: an encoder uses it for pages whose contents it does
// not model (memfd data), so that a 64 GiB guest costs no memory. Reads of
// such a block are unresolved.
func (a *Allocator) Reserve(order uint) uint64 {
	size := uint64(PageSize) << order
	addr := a.Image.freeFrom(a.next, size, size)
	a.next = addr + size
	a.Preserved = append(a.Preserved, Block{addr, order})
	return addr
}

// ReserveRun is Reserve for n contiguous blocks of 2^order pages: it
// finds one free, aligned span for all of them and records the n blocks
// in one pass, so that a huge memfd (16.7 million folios) costs one
// search instead of one per block. It returns the first block's address.
func (a *Allocator) ReserveRun(order uint, n uint64) uint64 {
	size := uint64(PageSize) << order
	if n == 0 {
		return (a.next + size - 1) &^ (size - 1)
	}
	addr := a.Image.freeFrom(a.next, n*size, size)
	a.next = addr + n*size
	a.Preserved = slices.Grow(a.Preserved, int(n))
	for i := range n {
		a.Preserved = append(a.Preserved, Block{addr + i*size, order})
	}
	return addr
}

// Preserve records an existing block as preserved (for memory the caller
// placed itself, such as memfd folio pages).
func (a *Allocator) Preserve(addr uint64, order uint) {
	a.Preserved = append(a.Preserved, Block{addr, order})
}

// End returns the first address above every block handed out so far.
func (a *Allocator) End() uint64 { return a.next }
