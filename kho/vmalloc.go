package kho

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// Preserved vmalloc areas (struct kho_vmalloc and its chunk chain).
var (
	vmallocDesc       = abi.MustStruct("K1b", "kho_vmalloc")
	vmallocFirst      = vmallocDesc.MustField("first")
	vmallocTotalPages = vmallocDesc.MustField("total_pages")
	vmallocFlags      = vmallocDesc.MustField("flags")
	vmallocOrder      = vmallocDesc.MustField("order")
	vmallocChunk      = abi.MustStruct("K1b", "kho_vmalloc_chunk")
	vmallocChunkNext  = vmallocChunk.MustField("hdr.next")
	vmallocChunkPhys  = vmallocChunk.MustField("phys")
)

// Flags of struct kho_vmalloc.
const (
	VmallocAlloc    = 0x1 // KHO_VMALLOC_ALLOC: the area came from VM_ALLOC
	VmallocHugeVmap = 0x2 // KHO_VMALLOC_HUGE_VMAP: huge mappings were allowed
)

// VmallocDescSize is sizeof(struct kho_vmalloc).
var VmallocDescSize = vmallocDesc.Size

// maxVmallocOrder bounds the block order: a block of 2^order pages must be
// addressable (the kernel does not check, and its shift overflows).
const maxVmallocOrder = 63 - 12

// Vmalloc is a decoded struct kho_vmalloc.
type Vmalloc struct {
	First      uint64 // physical address of the first chunk, 0 for an empty area
	TotalPages uint32 // order-0 pages in the area
	Flags      uint16
	Order      uint16 // page order of every block
}

// DecodeVmalloc reads a struct kho_vmalloc from b; a b too short for it
// is a CheckVmalloc problem.
func DecodeVmalloc(b []byte, path string) (Vmalloc, error) {
	if len(b) < vmallocDesc.Size {
		return Vmalloc{}, phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, 0,
			"kho_vmalloc needs %d bytes, have %d", vmallocDesc.Size, len(b)).With(CheckVmalloc)
	}
	return Vmalloc{
		First:      vmallocFirst.Uint(b),
		TotalPages: uint32(vmallocTotalPages.Uint(b)),
		Flags:      uint16(vmallocFlags.Uint(b)),
		Order:      uint16(vmallocOrder.Uint(b)),
	}, nil
}

// Put writes v into b as a struct kho_vmalloc.
func (v Vmalloc) Put(b []byte) {
	vmallocFirst.PutUint(b, v.First)
	vmallocTotalPages.PutUint(b, uint64(v.TotalPages))
	vmallocFlags.PutUint(b, uint64(v.Flags))
	vmallocOrder.PutUint(b, uint64(v.Order))
}

// BlockSize returns the byte length of one block, or 0 for an order too
// large to address.
func (v Vmalloc) BlockSize() uint64 {
	if v.Order > maxVmallocOrder {
		return 0
	}
	return phys.PageSize << v.Order
}

// VmallocChunk is one page of the chunk chain.
type VmallocChunk struct {
	Addr   uint64   // physical address of the chunk page
	Next   uint64   // next chunk, 0 at the end
	Blocks []uint64 // phys[] up to the first 0
}

// VmallocArea is a preserved vmalloc area with its chunk chain read.
type VmallocArea struct {
	Desc   Vmalloc
	Chunks []VmallocChunk
	// Blocks lists every block address in area order; block i covers
	// bytes [i*BlockSize, (i+1)*BlockSize) of the area.
	Blocks []uint64
}

// ReadVmalloc follows the chunk chain of v. It stops with an error on a
// cycle or more blocks than total_pages allows (CheckVmalloc), an order too
// large to address (CheckVmallocOrder), or a chunk the source does not hold
// (phys.ErrUnresolved); the kernel's count checks are left to Verify.
//
// The area is never nil. A chain cannot be followed past a problem, so on
// one the area holds the chunks and blocks read before it (a prefix of the
// area; no blocks at all for a bad order) and the non-nil error says the
// area is incomplete. A chunk that hits the total_pages limit is left out
// of Chunks; its blocks up to the limit are in Blocks.
func ReadVmalloc(m phys.Memory, v Vmalloc, path string) (*VmallocArea, error) {
	area := &VmallocArea{Desc: v}
	if v.BlockSize() == 0 {
		return area, phys.Errorf(phys.ErrMalformed, path+".order", phys.NoAddr, int64(vmallocOrder.Offset),
			"order %d is larger than %d", v.Order, maxVmallocOrder).With(CheckVmallocOrder)
	}
	maxBlocks := int(v.TotalPages >> v.Order)
	seen := map[uint64]int{}
	for addr := v.First; addr != 0; {
		cpath := fmt.Sprintf("%s.chunk[%d]", path, len(area.Chunks))
		if prev, ok := seen[addr]; ok {
			return area, phys.Errorf(phys.ErrCycle, cpath, addr, -1, "chain returns to chunk[%d]", prev).With(CheckVmalloc)
		}
		data, err := phys.Read(m, addr, uint64(vmallocChunk.Size), cpath)
		if err != nil {
			return area, err
		}
		c := VmallocChunk{Addr: addr, Next: vmallocChunkNext.Uint(data)}
		for i := 0; i < vmallocChunkPhys.Count; i++ {
			pa := vmallocChunkPhys.Elem(data, i)
			if pa == 0 {
				break
			}
			if len(area.Blocks) == maxBlocks {
				return area, phys.Errorf(phys.ErrLimit, fmt.Sprintf("%s.phys[%d]", cpath, i), addr,
					int64(vmallocChunkPhys.ElemOffset(i)), "more blocks than total_pages %d allows at order %d", v.TotalPages, v.Order).With(CheckVmalloc)
			}
			c.Blocks = append(c.Blocks, pa)
			area.Blocks = append(area.Blocks, pa)
		}
		seen[addr] = len(area.Chunks)
		area.Chunks = append(area.Chunks, c)
		addr = c.Next
	}
	return area, nil
}

// Verify applies the receiving kernel's checks (kho_restore_vmalloc): the
// blocks must cover exactly total_pages pages (CheckVmalloc otherwise).
func (a *VmallocArea) Verify(path string) error {
	pages := uint64(len(a.Blocks)) << a.Desc.Order
	if pages != uint64(a.Desc.TotalPages) {
		return phys.Errorf(phys.ErrMalformed, path+".total_pages", a.Desc.First, -1,
			"chunks list %d pages, total_pages is %d", pages, a.Desc.TotalPages).With(CheckVmalloc)
	}
	return nil
}

// Size returns the byte length of the area.
func (a *VmallocArea) Size() uint64 { return uint64(len(a.Blocks)) * a.Desc.BlockSize() }

// ReadAt reads area bytes [off, off+len(p)) through the block list. A read
// past the area is a CheckVmalloc problem.
func (a *VmallocArea) ReadAt(m phys.Memory, p []byte, off uint64, path string) error {
	bs := a.Desc.BlockSize()
	for len(p) > 0 {
		if bs == 0 || off/bs >= uint64(len(a.Blocks)) {
			return phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, int64(off), "offset is past the %d-byte area", a.Size()).With(CheckVmalloc)
		}
		i, in := off/bs, off%bs
		n := min(uint64(len(p)), bs-in)
		b, err := phys.Read(m, a.Blocks[i]+in, n, fmt.Sprintf("%s.block[%d]", path, i))
		if err != nil {
			return err
		}
		copy(p, b)
		p, off = p[n:], off+n
	}
	return nil
}

// EncodeVmalloc preserves data as a vmalloc area of order-`order` blocks,
// as kho_preserve_vmalloc does: the data blocks are allocated first (they
// exist before preservation), then the chunk pages, each filled with up to
// KHO_VMALLOC_SIZE block addresses and linked in order. The area is padded
// with zeros to whole blocks.
func EncodeVmalloc(a *phys.Allocator, data []byte, order uint16, flags uint16) (Vmalloc, error) {
	bs := Vmalloc{Order: order}.BlockSize()
	if bs == 0 {
		return Vmalloc{Flags: flags, Order: order}, fmt.Errorf("kho: vmalloc order %d is too large", order)
	}
	nblocks := (uint64(len(data)) + bs - 1) / bs
	return EncodeVmallocFunc(a, nblocks, order, flags, func(i uint64, b []byte) error {
		copy(b, data[i*bs:])
		return nil
	})
}

// EncodeVmallocFunc is EncodeVmalloc for areas too big to hold in one
// buffer: it allocates nblocks zeroed blocks and lets fill write block i
// before the chunk pages are laid out.
func EncodeVmallocFunc(a *phys.Allocator, nblocks uint64, order, flags uint16, fill func(i uint64, b []byte) error) (Vmalloc, error) {
	v := Vmalloc{Flags: flags, Order: order}
	if v.BlockSize() == 0 {
		return v, fmt.Errorf("kho: vmalloc order %d is too large", order)
	}
	if pages := nblocks << order; pages > 1<<32-1 || pages>>order != nblocks {
		return v, fmt.Errorf("kho: vmalloc area of %d blocks of order %d does not fit total_pages", nblocks, order)
	}
	v.TotalPages = uint32(nblocks << order)
	blocks := make([]uint64, nblocks)
	for i := range blocks {
		addr, b := a.Alloc(uint(order))
		if err := fill(uint64(i), b); err != nil {
			return v, err
		}
		blocks[i] = addr
	}
	var prev []byte
	for i := 0; i < len(blocks); i += vmallocChunkPhys.Count {
		addr, page := a.Alloc(0)
		if prev == nil {
			v.First = addr
		} else {
			vmallocChunkNext.PutUint(prev, addr)
		}
		for j, pa := range blocks[i:min(len(blocks), i+vmallocChunkPhys.Count)] {
			vmallocChunkPhys.PutElem(page, j, pa)
		}
		prev = page
	}
	return v, nil
}
