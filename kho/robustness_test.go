package kho

import (
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// checkBound fails the test when got, what a decoder allocated for an
// input of input bytes, is above testutil.AllocBound.
func checkBound(t *testing.T, what string, input int, got uint64) {
	t.Helper()
	if limit := testutil.AllocBound(input); got > limit {
		t.Errorf("%s: allocated %d bytes for a %d-byte input, more than %d", what, got, input, limit)
	} else {
		t.Logf("%s: %d bytes allocated for a %d-byte input", what, got, input)
	}
}

// advBase is where the adversarial inputs live.
const advBase = 0x100000

// vmallocBomb is n chunk pages at advBase, chained in order (the last one
// back to the first when cyclic), every phys[] slot a distinct non-zero
// address: the most blocks a chunk chain of that size can list.
func vmallocBomb(n int, cyclic bool) *phys.Image {
	mem := make([]byte, n*4096)
	for c := 0; c < n; c++ {
		page := mem[c*4096 : (c+1)*4096]
		switch {
		case c+1 < n:
			vmallocChunkNext.PutUint(page, advBase+uint64(c+1)*4096)
		case cyclic:
			vmallocChunkNext.PutUint(page, advBase)
		}
		for i := 0; i < vmallocChunkPhys.Count; i++ {
			vmallocChunkPhys.PutElem(page, i, 1<<40+uint64(c*vmallocChunkPhys.Count+i)*4096)
		}
	}
	img := phys.NewImage()
	_ = img.Add(advBase, mem)
	return img
}

// TestBoundsVmalloc: total_pages 2^32-1 over 1 MiB of full chunks reads
// every listed block and allocates a small multiple of the input; order
// 70 and a cyclic chain stop at once.
func TestBoundsVmalloc(t *testing.T) {
	const pages = 256
	img := vmallocBomb(pages, false)
	v := Vmalloc{First: advBase, TotalPages: 1<<32 - 1}
	var area *VmallocArea
	var err error
	checkBound(t, "ReadVmalloc, total_pages 2^32-1", pages*4096, testutil.Allocated(func() { area, err = ReadVmalloc(img, v, "adv") }))
	if err != nil || len(area.Blocks) != pages*vmallocChunkPhys.Count {
		t.Fatalf("%v blocks, %v", len(area.Blocks), err)
	}
	if err := area.Verify("adv"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("Verify: %v", err)
	}
	v.Order = 70
	if _, err := ReadVmalloc(img, v, "adv"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("order 70: %v", err)
	}
	if a, _ := ReadVmalloc(img, v, "adv"); a.ReadAt(img, make([]byte, 8), 0, "adv") == nil {
		t.Error("read through an order-70 area succeeded")
	}
	v.Order = 0
	if _, err := ReadVmalloc(vmallocBomb(pages, true), v, "adv"); !errors.Is(err, phys.ErrCycle) {
		t.Errorf("cyclic chain: %v", err)
	}
	// total_pages caps what is read: 3 blocks are allowed, the chain
	// lists more.
	v.TotalPages = 3
	if a, err := ReadVmalloc(img, v, "adv"); !errors.Is(err, phys.ErrLimit) || len(a.Blocks) != 3 {
		t.Errorf("total_pages 3: %d blocks, %v", len(a.Blocks), err)
	}
}

// TestBoundsBlockChain: a block claiming 2^63 entries is refused, and a
// chain filling 1 MiB allocates a small multiple of it.
func TestBoundsBlockChain(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, advBase)
	head, err := EncodeBlocks(a, 256*BlockCapacity(8), 8, func(int, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var blocks []Block
	checkBound(t, "ReadBlocks, 256 full blocks", 256*4096, testutil.Allocated(func() { blocks, err = ReadBlocks(img, head, 8, "adv") }))
	if err != nil || len(blocks) != 256 {
		t.Fatalf("%d blocks, %v", len(blocks), err)
	}
	page, _ := img.View(head, 4096)
	blockCount.PutUint(page, 1<<63)
	if _, err := ReadBlocks(img, head, 8, "adv"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("count 2^63: %v", err)
	}
}

// scatteredRadix encodes n order-0 blocks two pages apart (every other
// bit of each leaf set: the densest map with no two blocks adjacent).
func scatteredRadix(t testing.TB, n int) (*phys.Image, uint64) {
	blocks := make([]phys.Block, n)
	for i := range blocks {
		blocks[i] = phys.Block{Addr: 1<<32 + uint64(i)*2*4096}
	}
	img := phys.NewImage()
	root, err := EncodeMemmapRadix(phys.NewAllocator(img, advBase), blocks)
	if err != nil {
		t.Fatal(err)
	}
	return img, root
}

// TestBoundsMemmap: the map decoders alias the bitmaps they read, so a
// map of scattered blocks costs a small multiple of its bytes. The
// Preserved index built over it costs one 24-byte run per block that
// does not follow the previous one: up to 192 bytes per bitmap byte. That
// is linear in the input but not within testutil.AllocBound; the test pins it.
func TestBoundsMemmap(t *testing.T) {
	const n = 1 << 17
	img, root := scatteredRadix(t, n)
	held := int(heldBytes(img))
	var mm *MemmapRadix
	var err error
	checkBound(t, "DecodeMemmapRadix, scattered", held, testutil.Allocated(func() { mm, err = DecodeMemmapRadix(img, root) }))
	if err != nil {
		t.Fatal(err)
	}
	var p *Preserved
	got := testutil.Allocated(func() { p = NewPreserved(mm.Blocks()) })
	if p.Len() != n || p.Runs() != n {
		t.Fatalf("%d blocks in %d runs", p.Len(), p.Runs())
	}
	// 24 bytes per run, about five times over as append grows the slice
	// by 1.25: some 120 bytes per scattered block.
	if got > 160*n+1<<20 {
		t.Errorf("NewPreserved: %d bytes for %d scattered blocks", got, n)
	}
	t.Logf("NewPreserved: %d bytes for %d scattered blocks (%d-byte map): %.0fx the map", got, n, held, float64(got)/float64(held))

	// kho-v1: a chunk claiming 2^32-1 bitmaps (num_elms is 32 bits), and
	// an order of 70.
	v1img, pa, chunks := v1Fixture(t)
	v1ChunkNum.PutUint(chunks[0], 1<<32-1)
	if _, err := DecodeMemmapV1(v1img, pa, "K1b"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("num_elms 2^32-1: %v", err)
	}
	v1ChunkNum.PutUint(chunks[0], 1)
	v1ChunkOrder.PutUint(chunks[0], 70)
	if _, err := DecodeMemmapV1(v1img, pa, "K1b"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("order 70: %v", err)
	}
}

// BenchmarkAdversarialVmalloc reads a 1 MiB chunk chain claiming
// total_pages 2^32-1 (130816 blocks).
func BenchmarkAdversarialVmalloc(b *testing.B) {
	img := vmallocBomb(256, false)
	v := Vmalloc{First: advBase, TotalPages: 1<<32 - 1}
	b.SetBytes(256 * 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadVmalloc(img, v, "adv"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdversarialBlockChain reads the longest chain the kernel allows
// (KHO_MAX_BLOCKS blocks, 40 MiB) and fails on its last link.
func BenchmarkAdversarialBlockChain(b *testing.B) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, advBase)
	head, _ := EncodeBlocks(a, maxBlockChain+1, 4080, func(int, []byte) error { return nil })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadBlocks(img, head, 4080, "adv"); !errors.Is(err, phys.ErrLimit) {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdversarialRadix decodes a 1 MiB-class radix map of scattered
// blocks and indexes it.
func BenchmarkAdversarialRadix(b *testing.B) {
	img, root := scatteredRadix(b, 1<<20)
	b.SetBytes(int64(heldBytes(img)))
	b.ReportAllocs()
	for b.Loop() {
		mm, err := DecodeMemmapRadix(img, root)
		if err != nil {
			b.Fatal(err)
		}
		NewPreserved(mm.Blocks())
	}
}
