package kho

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// MemmapPath is the path prefix of every error about the preserved-memory
// map.
const MemmapPath = RootPath + "/" + "preserved-memory-map"

// kho-v1 chunk list layout (docs/abi/generations.md §2.1), from the registry. The
// chunk and pointer structs are the same in K1a and K1b; only the bitmap
// struct differs.
var (
	v1Chunk        = abi.MustStruct("K1a", "khoser_mem_chunk")
	v1ChunkNext    = v1Chunk.MustField("hdr.next")
	v1ChunkOrder   = v1Chunk.MustField("hdr.order")
	v1ChunkNum     = v1Chunk.MustField("hdr.num_elms")
	v1ChunkEntries = v1Chunk.MustField("bitmaps")
	v1Ptr          = abi.MustStruct("K1a", "khoser_mem_bitmap_ptr")
	v1PtrStart     = v1Ptr.MustField("phys_start")
	v1PtrBitmap    = v1Ptr.MustField("bitmap")
	// k1bPreserveBits is the K1b PRESERVE_BITS, the granule a K1b
	// producer's phys_start is a multiple of (in blocks).
	k1bPreserveBits = abi.MustConstant("K1b", "PRESERVE_BITS")
)

// v1Variant returns the bitmap size in bytes and PRESERVE_BITS of KHO
// generation tag, when its registry entry has the chunk list's bitmap
// struct (K1a, K1b).
func v1Variant(tag abi.Tag) (size int, preserveBits uint64, err error) {
	if g, ok := abi.Lookup(tag); ok && g.Component == abi.ComponentKHO {
		s, hasBitmap := g.Struct("kho_mem_phys_bits")
		c, hasBits := g.Constant("PRESERVE_BITS")
		if hasBitmap && hasBits {
			return s.Size, c.Value, nil
		}
	}
	return 0, 0, fmt.Errorf("kho: %q is not a kho-v1 generation (K1a or K1b): %w", tag, phys.ErrUnsupported)
}

// V1BitmapSize returns the size in bytes of the preservation bitmaps of
// KHO generation tag when its preserved-memory map is kho-v1's chunk list
// (512 for K1a, 4096 for K1b); ok is false for a generation with another
// map.
func V1BitmapSize(tag abi.Tag) (size int, ok bool) {
	size, _, err := v1Variant(tag)
	return size, err == nil
}

// MemmapV1 is a decoded kho-v1 preserved-memory map: a linked list of
// one-page chunks, each holding bitmap pointers of one page order.
type MemmapV1 struct {
	// Tag is the generation whose bitmap size was used: "K1a" (512-byte
	// bitmaps) or "K1b" (4096-byte bitmaps).
	Tag abi.Tag
	// Ambiguous is set when the caller let the decoder choose and nothing
	// in the map proved K1a; the decoder then read it as K1b. A K1a map
	// whose bitmaps happen to be page aligned and whose phys_start values
	// are multiples of the K1b granule looks the same.
	Ambiguous bool
	// Chunks are the chunks in list order.
	Chunks []ChunkV1
}

// ChunkV1 is one struct khoser_mem_chunk.
type ChunkV1 struct {
	Addr    uint64 // physical address of the chunk page
	Next    uint64 // hdr.next: the next chunk, 0 at the end
	Order   uint32 // hdr.order: page order of every block in the chunk
	Bitmaps []BitmapV1
}

// BitmapV1 is one struct khoser_mem_bitmap_ptr and the bitmap it names.
type BitmapV1 struct {
	PhysStart uint64 // PA covered by bit 0
	Addr      uint64 // PA of the struct kho_mem_phys_bits
	Bits      []byte // the bitmap (read-only; may alias the source)
}

// Blocks yields every preserved block in map order: chunk by chunk,
// bitmap by bitmap, ascending bit number. Bit b of a bitmap is the block
// at PhysStart + (b << (order + 12)).
func (mm *MemmapV1) Blocks() iter.Seq[phys.Block] {
	return func(yield func(phys.Block) bool) {
		for _, c := range mm.Chunks {
			shift := uint(c.Order) + abi.PageShift
			for _, b := range c.Bitmaps {
				for bit := range setBits(b.Bits) {
					if !yield(phys.Block{Addr: b.PhysStart + bit<<shift, Order: uint(c.Order)}) {
						return
					}
				}
			}
		}
	}
}

// setBits yields the numbers of the set bits of a kernel bitmap (bit b is
// bit b%8 of byte b/8), ascending.
func setBits(bm []byte) iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		// Eight bytes at a time (bit b of the little-endian word at byte
		// 8k is bit 64k+b), skipping empty words, then the tail bytes.
		i := 0
		for ; i+8 <= len(bm); i += 8 {
			w := binary.LittleEndian.Uint64(bm[i:])
			for w != 0 {
				b := bits.TrailingZeros64(w)
				w &= w - 1
				if !yield(uint64(i)*8 + uint64(b)) {
					return
				}
			}
		}
		for ; i < len(bm); i++ {
			for c := bm[i]; c != 0; c &= c - 1 {
				if !yield(uint64(i)*8 + uint64(bits.TrailingZeros8(c))) {
					return
				}
			}
		}
	}
}

// highestBit returns the highest set bit number of a bitmap, or -1.
func highestBit(bm []byte) int {
	for i := len(bm) - 1; i >= 0; i-- {
		if bm[i] != 0 {
			return i*8 + bits.Len8(bm[i]) - 1
		}
	}
	return -1
}

// multipleOfPow2 reports whether x is a multiple of 2^k (in 64-bit
// arithmetic, so only 0 is a multiple of 2^64 or more).
func multipleOfPow2(x uint64, k uint) bool {
	if k >= 64 {
		return x == 0
	}
	return x&(1<<k-1) == 0
}

// DecodeMemmapV1 reads the kho-v1 map whose first chunk is at pa (0 is an
// empty map). tag is "K1a" or "K1b", or "" to let the decoder choose: a
// bitmap address that is not page aligned or a phys_start that is not a
// multiple of the K1b granule (32768 << (order + 12)) proves K1a;
// otherwise it reads the map as K1b and sets Ambiguous.
//
// Unlike the kernel it refuses num_elms above KHOSER_BITMAP_SIZE, an
// order whose block size does not fit in 64 bits, a bitmap pointer of 0,
// a set bit whose block runs past 2^64, a chunk list that returns to a
// chunk, more chunks than the source holds pages, and shared or overlapping
// bitmaps once they would read more bytes than the source holds. Each such
// problem carries CheckMemmap; memory the source does not hold is a
// phys.ErrUnresolved problem without a check.
//
// It goes on after a problem with what it can still read: the list is
// followed past a chunk with a bad order or num_elms (kept with no
// bitmaps), a bitmap pointer of 0 or a bitmap that cannot be read or runs
// past 2^64 is kept with no bits, and the list ends at a cycle, the chunk
// limit or an unreadable chunk. The returned error is then nil, the single
// problem, or the errors.Join of all of them (capped at 1000 plus one
// phys.ErrLimit problem counting the rest). Whenever it is non-nil the map
// is incomplete and its blocks are a lower bound of the preserved memory.
// The map is nil only for a tag other than "", "K1a" and "K1b".
func DecodeMemmapV1(m phys.Memory, pa uint64, tag abi.Tag) (*MemmapV1, error) {
	mm := &MemmapV1{Tag: tag}
	if tag != "" {
		if _, _, err := v1Variant(tag); err != nil {
			return nil, phys.Errorf(phys.ErrUnsupported, MemmapPath, phys.NoAddr, -1,
				"%q is not a kho-v1 generation (K1a or K1b)", tag).With(CheckMemmap)
		}
	}
	probs := &problems{path: MemmapPath, check: CheckMemmap}
	bud := newBudget(m)
	maxChunks := heldBytes(m) / uint64(v1Chunk.Size)
	seen := map[uint64]int{}
	for addr := pa; addr != 0; {
		path := fmt.Sprintf("%s/chunk[%d]", MemmapPath, len(mm.Chunks))
		if prev, ok := seen[addr]; ok {
			probs.add(phys.Errorf(phys.ErrCycle, path, addr, -1, "list returns to chunk[%d]", prev).With(CheckMemmap))
			break
		}
		if uint64(len(mm.Chunks)) >= maxChunks && phys.Holds(m, addr, uint64(v1Chunk.Size)) {
			probs.add(phys.Errorf(phys.ErrLimit, path, addr, -1, "more chunks than the source holds pages (%d)", maxChunks).With(CheckMemmap))
			break
		}
		seen[addr] = len(mm.Chunks)
		c, ok := decodeChunkV1(m, bud, addr, path, probs)
		if !ok {
			break
		}
		mm.Chunks = append(mm.Chunks, c)
		addr = c.Next
	}
	if tag == "" {
		mm.Tag, mm.Ambiguous = "K1b", true
		if provesK1a(mm) {
			mm.Tag, mm.Ambiguous = "K1a", false
		}
	}
	readBitmapsV1(m, bud, mm, probs)
	return mm, probs.err()
}

// readBitmapsV1 reads the bitmap of every pointer of the chunks, leaving
// Bits nil for one that cannot be read or whose blocks run past 2^64. It
// stops at the first read the budget refuses.
func readBitmapsV1(m phys.Memory, bud *budget, mm *MemmapV1, probs *problems) {
	size, _, _ := v1Variant(mm.Tag)
	for i := range mm.Chunks {
		c := &mm.Chunks[i]
		shift := uint(c.Order) + abi.PageShift
		for j := range c.Bitmaps {
			b := &c.Bitmaps[j]
			if b.Addr == 0 {
				continue // refused by decodeChunkV1
			}
			path := fmt.Sprintf("%s/chunk[%d].bitmap[%d]", MemmapPath, i, j)
			data, err := bud.read(m, b.Addr, uint64(size), path)
			if err != nil {
				probs.add(err)
				if errors.Is(err, phys.ErrLimit) {
					return
				}
				continue
			}
			if hb := highestBit(data); hb >= 0 {
				span := uint64(hb) + 1
				_, carry := bits.Add64(b.PhysStart, span<<shift, 0)
				if bits.Len64(span)+int(shift) > 64 || carry != 0 {
					probs.add(phys.Errorf(phys.ErrMalformed, path, b.Addr, int64(hb/8),
						"bit %d at order %d puts a block past 2^64 (phys_start 0x%x)", hb, c.Order, b.PhysStart).With(CheckMemmap))
					continue
				}
			}
			b.Bits = data
		}
	}
}

// decodeChunkV1 reads one chunk page and its bitmap pointers (not the
// bitmaps), recording its problems in probs. ok is false when the page
// cannot be read. A chunk with a bad order or num_elms is returned with no
// bitmaps; a bitmap pointer of 0 is kept with Addr 0.
func decodeChunkV1(m phys.Memory, bud *budget, addr uint64, path string, probs *problems) (c ChunkV1, ok bool) {
	data, err := bud.read(m, addr, uint64(v1Chunk.Size), path)
	if err != nil {
		probs.add(err)
		return ChunkV1{}, false
	}
	c = ChunkV1{Addr: addr, Next: v1ChunkNext.Uint(data), Order: uint32(v1ChunkOrder.Uint(data))}
	if c.Order > maxOrder {
		probs.add(phys.Errorf(phys.ErrMalformed, path+".order", addr, int64(v1ChunkOrder.Offset),
			"order %d is larger than %d", c.Order, maxOrder).With(CheckMemmap))
		return c, true
	}
	num := v1ChunkNum.Uint(data)
	if num > uint64(v1ChunkEntries.Count) {
		probs.add(phys.Errorf(phys.ErrMalformed, path+".num_elms", addr, int64(v1ChunkNum.Offset),
			"num_elms %d is larger than KHOSER_BITMAP_SIZE %d", num, v1ChunkEntries.Count).With(CheckMemmap))
		return c, true
	}
	c.Bitmaps = make([]BitmapV1, num)
	for i := range c.Bitmaps {
		off := v1ChunkEntries.Offset + i*v1Ptr.Size
		e := data[off : off+v1Ptr.Size]
		c.Bitmaps[i] = BitmapV1{PhysStart: v1PtrStart.Uint(e), Addr: v1PtrBitmap.Uint(e)}
		if c.Bitmaps[i].Addr == 0 {
			probs.add(phys.Errorf(phys.ErrMalformed, fmt.Sprintf("%s.bitmap[%d]", path, i), addr,
				int64(off+v1PtrBitmap.Offset), "bitmap pointer is 0").With(CheckMemmap))
		}
	}
	return c, true
}

// provesK1a applies the K1a heuristics of docs/abi/generations.md §2.1 to the
// chunk headers and bitmap pointers.
func provesK1a(mm *MemmapV1) bool {
	for _, c := range mm.Chunks {
		granule := uint(bits.Len64(k1bPreserveBits)-1) + uint(c.Order) + abi.PageShift
		for _, b := range c.Bitmaps {
			if b.Addr == 0 {
				continue // a refused pointer proves nothing
			}
			if b.Addr%abi.PageSize != 0 || !multipleOfPow2(b.PhysStart, granule) {
				return true
			}
		}
	}
	return false
}

// EncodeMemmapV1 writes blocks as the kho-v1 map of generation tag ("K1a"
// or "K1b") and returns the address of the first chunk (0 for no blocks).
// The map's own pages are allocated unpreserved. As in the kernel, the
// bitmaps exist before serialization: they are allocated first, in the
// order the blocks first touch them (K1a packs eight 512-byte bitmaps per
// page, as kmalloc-512 would; K1b uses one page each). The chunks follow:
// one run per order in ascending order, bitmap pointers in ascending
// phys_start within a run, a new chunk whenever one holds
// KHOSER_BITMAP_SIZE pointers, phys_start = (index * PRESERVE_BITS) <<
// (order + 12). Every block must be aligned to its own size.
func EncodeMemmapV1(a *phys.Allocator, blocks []phys.Block, tag abi.Tag) (uint64, error) {
	size, preserveBits, err := v1Variant(tag)
	if err != nil {
		return 0, err
	}
	type key struct {
		order uint
		index uint64
	}
	type bitmap struct {
		addr uint64
		bits []byte
	}
	maps := map[key]bitmap{}
	var slab []byte
	var slabAddr uint64
	// The bitmap of the previous block: consecutive blocks nearly always
	// share it, so the map is consulted once per bitmap, not per block.
	var last bitmap
	var lastKey key
	var lastOK bool
	for i, b := range blocks {
		if err := checkBlock(b); err != nil {
			return 0, fmt.Errorf("kho: encode memory map: block %d: %w", i, err)
		}
		pfnHigh := b.Addr >> (b.Order + abi.PageShift)
		k := key{b.Order, pfnHigh / preserveBits}
		bm, ok := last, lastOK && k == lastKey
		if !ok {
			bm, ok = maps[k]
		}
		if !ok {
			if len(slab) < size {
				slabAddr, slab = a.AllocUnpreserved(0)
			}
			bm = bitmap{slabAddr, slab[:size:size]}
			slab, slabAddr = slab[size:], slabAddr+uint64(size)
			maps[k] = bm
		}
		last, lastKey, lastOK = bm, k, true
		bit := pfnHigh % preserveBits
		bm.bits[bit/8] |= 1 << (bit % 8)
	}
	keys := make([]key, 0, len(maps))
	for k := range maps {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		return cmp.Or(cmp.Compare(x.order, y.order), cmp.Compare(x.index, y.index))
	})
	var first uint64
	var chunk []byte
	for i, k := range keys {
		if i == 0 || k.order != keys[i-1].order || v1ChunkNum.Uint(chunk) == uint64(v1ChunkEntries.Count) {
			addr, page := a.AllocUnpreserved(0)
			v1ChunkOrder.PutUint(page, uint64(k.order))
			if chunk == nil {
				first = addr
			} else {
				v1ChunkNext.PutUint(chunk, addr)
			}
			chunk = page
		}
		n := int(v1ChunkNum.Uint(chunk))
		off := v1ChunkEntries.Offset + n*v1Ptr.Size
		e := chunk[off : off+v1Ptr.Size]
		v1PtrStart.PutUint(e, (k.index*preserveBits)<<(k.order+abi.PageShift))
		v1PtrBitmap.PutUint(e, maps[k].addr)
		v1ChunkNum.PutUint(chunk, uint64(n+1))
	}
	return first, nil
}

// checkBlock refuses a block the map cannot describe: an order whose size
// does not fit in 64 bits, or an address not aligned to the block size.
func checkBlock(b phys.Block) error {
	if b.Order > maxOrder {
		return fmt.Errorf("order %d is larger than %d: %w", b.Order, maxOrder, phys.ErrMalformed)
	}
	if !multipleOfPow2(b.Addr, b.Order+abi.PageShift) {
		return fmt.Errorf("address 0x%x is not aligned to its order %d: %w", b.Addr, b.Order, phys.ErrMalformed)
	}
	return nil
}
