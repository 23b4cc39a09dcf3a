package kho

import (
	"cmp"
	"encoding/binary"
	"errors"
	"iter"
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// sampleBlocks returns preserved blocks of several orders, some sharing a
// bitmap, enough order-0 blocks in distinct bitmaps to need a second chunk,
// and one unordered duplicate.
func sampleBlocks(spread uint64) []phys.Block {
	b := []phys.Block{
		blk(0x116be4000, 0), blk(0x116be5000, 0), blk(0x40000000, 9), blk(0x40200000, 9),
		blk(0x80000000, 18), blk(0x2000, 1), blk(0x116be4000, 0), blk(0x7000, 0),
	}
	for i := uint64(0); i < 300; i++ {
		b = append(b, phys.Block{Addr: 0x1_0000_0000 + i*spread, Order: 0})
	}
	return b
}

func blk(addr uint64, order uint) phys.Block { return phys.Block{Addr: addr, Order: order} }

func canonical(seq iter.Seq[phys.Block]) []phys.Block {
	out := slices.Collect(seq)
	slices.SortFunc(out, func(x, y phys.Block) int {
		return cmp.Or(cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.Order, y.Order))
	})
	return slices.Compact(out)
}

func TestMemmapV1RoundTrip(t *testing.T) {
	for _, tc := range []struct {
		tag, auto abi.Tag
		spread    uint64 // one bitmap's span at order 0
		ambiguous bool
	}{
		{"K1a", "K1a", 16 << 20, false},
		{"K1b", "K1b", 128 << 20, true},
	} {
		t.Run(string(tc.tag), func(t *testing.T) {
			img := phys.NewImage()
			a := phys.NewAllocator(img, 0x100000)
			blocks := sampleBlocks(tc.spread)
			pa, err := EncodeMemmapV1(a, blocks, abi.Tag(tc.tag))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Preserved) != 0 {
				t.Errorf("the map's own pages were preserved: %v", a.Preserved)
			}
			mm, err := DecodeMemmapV1(img, pa, abi.Tag(tc.tag))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := canonical(mm.Blocks()), canonical(slices.Values(blocks)); !slices.Equal(got, want) {
				t.Fatalf("blocks differ: got %d, want %d", len(got), len(want))
			}
			// Kernel layout: ascending order, ascending phys_start, full
			// chunks before a new one of the same order.
			for i, c := range mm.Chunks {
				if i > 0 {
					p := mm.Chunks[i-1]
					if c.Order < p.Order || c.Order == p.Order && len(p.Bitmaps) != v1ChunkEntries.Count {
						t.Errorf("chunk %d (order %d) after chunk of order %d with %d entries", i, c.Order, p.Order, len(p.Bitmaps))
					}
				}
				for j := 1; j < len(c.Bitmaps); j++ {
					if c.Bitmaps[j].PhysStart <= c.Bitmaps[j-1].PhysStart {
						t.Errorf("chunk %d: phys_start not ascending at %d", i, j)
					}
				}
			}
			if len(mm.Chunks) != 5 {
				t.Errorf("%d chunks, want 5 (orders 0, 0, 1, 9, 18)", len(mm.Chunks))
			}
			auto, err := DecodeMemmapV1(img, pa, "")
			if err != nil || auto.Tag != tc.auto || auto.Ambiguous != tc.ambiguous {
				t.Errorf("auto: %v, tag %s ambiguous %v", err, auto.Tag, auto.Ambiguous)
			}
		})
	}
	if pa, err := EncodeMemmapV1(phys.NewAllocator(phys.NewImage(), 0), nil, "K1b"); pa != 0 || err != nil {
		t.Errorf("empty map: %#x %v", pa, err)
	}
	if mm, err := DecodeMemmapV1(phys.NewImage(), 0, "K1a"); err != nil || len(mm.Chunks) != 0 {
		t.Errorf("PA 0: %v", err)
	}
	if _, err := EncodeMemmapV1(phys.NewAllocator(phys.NewImage(), 0), []phys.Block{blk(0x1000, 1)}, "K1b"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("misaligned block: %v", err)
	}
	if _, err := EncodeMemmapV1(phys.NewAllocator(phys.NewImage(), 0), nil, "K2"); !errors.Is(err, phys.ErrUnsupported) {
		t.Errorf("tag K2: %v", err)
	}
}

// v1Fixture encodes a K1b map of four orders with eight bitmaps each and
// returns the image, the first chunk and the chunk pages in list order.
func v1Fixture(t *testing.T) (*phys.Image, uint64, [][]byte) {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	var blocks []phys.Block
	for order := uint(0); order < 4; order++ {
		for i := uint64(0); i < 8; i++ {
			blocks = append(blocks, phys.Block{Addr: i << (order + 27), Order: order})
		}
	}
	pa, err := EncodeMemmapV1(a, blocks, "K1b")
	if err != nil {
		t.Fatal(err)
	}
	var pages [][]byte
	for addr := pa; addr != 0; {
		p, _ := img.View(addr, 4096)
		pages = append(pages, p)
		addr = v1ChunkNext.Uint(p)
	}
	return img, pa, pages
}

func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

func entryOff(i int) int { return v1ChunkEntries.Offset + i*v1Ptr.Size }

func TestDecodeMemmapV1Rejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(img *phys.Image, pa uint64, c [][]byte)
		kind   error
		path   string
	}{
		{"cycle", func(_ *phys.Image, pa uint64, c [][]byte) { put64(c[2], v1ChunkNext.Offset, pa) }, phys.ErrCycle, "KHO/preserved-memory-map/chunk[3]"},
		{"num_elms", func(_ *phys.Image, _ uint64, c [][]byte) { put64(c[1], v1ChunkOrder.Offset, 256<<32) }, phys.ErrMalformed, "KHO/preserved-memory-map/chunk[1].num_elms"},
		{"order", func(_ *phys.Image, _ uint64, c [][]byte) { put64(c[1], v1ChunkOrder.Offset, 8<<32|60) }, phys.ErrMalformed, "KHO/preserved-memory-map/chunk[1].order"},
		{"null bitmap", func(_ *phys.Image, _ uint64, c [][]byte) { put64(c[3], entryOff(7)+v1PtrBitmap.Offset, 0) }, phys.ErrMalformed, "KHO/preserved-memory-map/chunk[3].bitmap[7]"},
		{"unresolved bitmap", func(_ *phys.Image, _ uint64, c [][]byte) { put64(c[3], entryOff(7)+v1PtrBitmap.Offset, 0xdead0000) }, phys.ErrUnresolved, "KHO/preserved-memory-map/chunk[3].bitmap[7]"},
		{"unresolved chunk", func(_ *phys.Image, _ uint64, c [][]byte) { put64(c[1], v1ChunkNext.Offset, 0xdead0000) }, phys.ErrUnresolved, "KHO/preserved-memory-map/chunk[2]"},
		{"past 2^64", func(_ *phys.Image, _ uint64, c [][]byte) {
			put64(c[3], entryOff(7)+v1PtrStart.Offset, ^uint64(0)-0x1000)
		}, phys.ErrMalformed, "KHO/preserved-memory-map/chunk[3].bitmap[7]"},
		{"shared bitmaps", func(_ *phys.Image, _ uint64, c [][]byte) {
			v1ChunkNum.PutUint(c[0], 255)
			bm := v1PtrBitmap.Uint(c[0][entryOff(0):])
			for i := 0; i < 255; i++ {
				put64(c[0], entryOff(i)+v1PtrBitmap.Offset, bm+uint64(i%2)*8)
			}
		}, phys.ErrLimit, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, pa, chunks := v1Fixture(t)
			tc.mutate(img, pa, chunks)
			_, err := DecodeMemmapV1(img, pa, "K1b")
			var pe *phys.Error
			if !errors.As(err, &pe) || !errors.Is(err, tc.kind) || tc.path != "" && pe.Path != tc.path {
				t.Fatalf("error %v, want %v at %s", err, tc.kind, tc.path)
			}
		})
	}
	if _, err := DecodeMemmapV1(phys.NewImage(), 0, "K9"); !errors.Is(err, phys.ErrUnsupported) {
		t.Errorf("tag K9: %v", err)
	}
}

func TestRadixKey(t *testing.T) {
	// docs/abi/generations.md §2.2 worked examples.
	if k := RadixKey(0x116be4000, 0); k != 1<<52|0x116be4 {
		t.Errorf("order 0 key %#x", k)
	}
	if k := RadixKey(0x40000000, 9); k != 1<<43|0x200 {
		t.Errorf("order 9 key %#x", k)
	}
	for _, b := range []phys.Block{blk(0x116be4000, 0), blk(0x40000000, 9), blk(0, 0), blk(1<<63, 51), blk(0xffff_ffff_ffff_f000, 0)} {
		if got, ok := RadixDecodeKey(RadixKey(b.Addr, b.Order)); !ok || got != b {
			t.Errorf("decode(key(%v)) = %v, %v", b, got, ok)
		}
	}
	for _, k := range []uint64{0, 1, 1 << 53, ^uint64(0)} {
		if _, ok := RadixDecodeKey(k); ok {
			t.Errorf("key %#x accepted", k)
		}
	}
}

func TestMemmapRadixRoundTrip(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	blocks := append(sampleBlocks(128<<20), phys.Block{Addr: 0xffff_ffff_ffff_f000, Order: 0})
	root, err := EncodeMemmapRadix(a, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Preserved) != 0 {
		t.Errorf("tree pages preserved: %v", a.Preserved)
	}
	mm, err := DecodeMemmapRadix(img, root)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Collect(mm.Blocks())
	if want := canonical(slices.Values(blocks)); !slices.Equal(canonical(slices.Values(got)), want) {
		t.Fatalf("blocks differ: got %d, want %d", len(got), len(want))
	}
	if !slices.IsSortedFunc(got, func(x, y phys.Block) int {
		return cmp.Compare(RadixKey(x.Addr, x.Order), RadixKey(y.Addr, y.Order))
	}) {
		t.Error("blocks not in key order")
	}
	if mm.Root != root || mm.Tables < radixTopLevel || len(mm.Leaves) == 0 {
		t.Errorf("tables %d, leaves %d", mm.Tables, len(mm.Leaves))
	}
	empty := phys.NewImage()
	r, err := EncodeMemmapRadix(phys.NewAllocator(empty, 0x1000), nil)
	if mm, err2 := DecodeMemmapRadix(empty, r); err != nil || err2 != nil || mm.Tables != 1 || len(mm.Leaves) != 0 {
		t.Errorf("empty tree: %v %v", err, err2)
	}
	if _, err := EncodeMemmapRadix(phys.NewAllocator(phys.NewImage(), 0), []phys.Block{blk(0x1000, 60)}); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("order 60: %v", err)
	}
}

func TestDecodeMemmapRadixRejects(t *testing.T) {
	// One order-0 block at 0x116be4000: the root is the first page, then
	// one table per level, then the leaf.
	fixture := func() (*phys.Image, uint64, [][]byte) {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		root, err := EncodeMemmapRadix(a, []phys.Block{blk(0x116be4000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		var pages [][]byte
		for i := 0; i < radixDepth; i++ {
			p, _ := img.View(root+uint64(i)*4096, 4096)
			pages = append(pages, p)
		}
		return img, root, pages
	}
	key := RadixKey(0x116be4000, 0)
	idx := func(level int) int { return int(key>>radixShift(level)) & 511 }
	tests := []struct {
		name   string
		mutate func(root uint64, p [][]byte) uint64
		kind   error
		path   string
	}{
		{"root 0", func(uint64, [][]byte) uint64 { return 0 }, phys.ErrMalformed, MemmapPath},
		{"unresolved root", func(uint64, [][]byte) uint64 { return 0xdead0000 }, phys.ErrUnresolved, MemmapPath + "/root"},
		{"root index 4", func(r uint64, p [][]byte) uint64 { put64(p[0], 4*8, r+4096); return r }, phys.ErrMalformed, MemmapPath + "/root.table[4]"},
		{"cycle", func(r uint64, p [][]byte) uint64 { put64(p[1], 8*7, r); return r }, phys.ErrCycle, MemmapPath + "/root.table[2].table[7]"},
		{"unresolved leaf", func(r uint64, p [][]byte) uint64 { put64(p[4], 8*idx(1), 0xdead0000); return r }, phys.ErrUnresolved, ""},
		{"no order marker", func(r uint64, p [][]byte) uint64 {
			// Re-home the leaf under all-zero table indices.
			move := func(pg []byte, from int) {
				put64(pg, 0, binary.LittleEndian.Uint64(pg[8*from:]))
				put64(pg, 8*from, 0)
			}
			move(p[0], idx(5))
			move(p[4], idx(1))
			p[5][0] = 1
			return r
		}, phys.ErrMalformed, MemmapPath + "/root.table[0].table[0].table[0].table[0].table[0].bit[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, root, pages := fixture()
			_, err := DecodeMemmapRadix(img, tc.mutate(root, pages))
			var pe *phys.Error
			if !errors.As(err, &pe) || !errors.Is(err, tc.kind) || tc.path != "" && pe.Path != tc.path {
				t.Fatalf("error %v, want %v at %s", err, tc.kind, tc.path)
			}
		})
	}
}

func TestPreserved(t *testing.T) {
	p := NewPreserved(slices.Values([]phys.Block{
		blk(0x10000, 4), blk(0x12000, 0), blk(0x12000, 0), blk(0x40000, 0), blk(0x0, 9), blk(0x100000, 0),
	}))
	if p.Len() != 5 {
		t.Errorf("Len %d", p.Len())
	}
	tests := []struct {
		addr uint64
		want phys.Block
		ok   bool
	}{
		{0x0, phys.Block{Addr: 0, Order: 9}, true},
		{0x12fff, phys.Block{Addr: 0x12000}, true},
		{0x13000, phys.Block{Addr: 0x10000, Order: 4}, true},
		{0x1ffff, phys.Block{Addr: 0x10000, Order: 4}, true},
		{0x1ff000, phys.Block{Addr: 0, Order: 9}, true}, // inside the order-9 block at 0
		{0x200000, phys.Block{}, false},
		{0x100fff, phys.Block{Addr: 0x100000}, true},
		{^uint64(0), phys.Block{}, false},
	}
	for _, tc := range tests {
		if got, ok := p.Contains(tc.addr); ok != tc.ok || got != tc.want {
			t.Errorf("Contains(%#x) = %v, %v; want %v, %v", tc.addr, got, ok, tc.want, tc.ok)
		}
	}
	if b, ok := p.Head(0x12000); !ok || b.Order != 0 {
		t.Errorf("Head(0x12000) = %v %v", b, ok)
	}
	if _, ok := p.Head(0x13000); ok {
		t.Error("Head(0x13000) found a block")
	}
	if n := len(slices.Collect(p.All())); n != 5 {
		t.Errorf("All yields %d", n)
	}
	var _ Memmap = (*MemmapV1)(nil)
	var _ Memmap = (*MemmapRadix)(nil)
}
