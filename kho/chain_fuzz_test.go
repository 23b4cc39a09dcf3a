package kho

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzEntrySizes are the entry sizes of the block chains the kernel
// writes (luo_session_ser, luo_file_ser, luo_flb_ser and a u64 array) and
// a few odd ones.
var fuzzEntrySizes = []int{80, 64, 48, 8, 1, 4080, 4096}

// FuzzBlockChain follows a KHO block chain: byte 0 picks the page of the
// head, byte 1 the entry size, the rest is memory at fuzzBase. A chain
// that reads must respect every cap; one that fails must say why with a
// *phys.Error.
func FuzzBlockChain(f *testing.F) {
	for _, s := range blockChainSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		head := fuzzBase + uint64(data[0]%fuzzPages)*4096
		if data[0] >= 0xf0 {
			head = uint64(data[0]) // unaligned, out of the source, or 0 (empty)
		}
		size := fuzzEntrySizes[int(data[1])%len(fuzzEntrySizes)]
		capacity := BlockCapacity(size)
		blocks, err := ReadBlocks(fuzzImage(data[2:]), head, size, "fuzz")
		if err != nil {
			checkPhysError(t, err)
		}
		if len(blocks) > maxBlockChain {
			t.Fatalf("%d blocks, more than KHO_MAX_BLOCKS", len(blocks))
		}
		seen := map[uint64]bool{}
		for _, b := range blocks {
			if seen[b.Addr] {
				t.Fatalf("block at %#x read twice", b.Addr)
			}
			seen[b.Addr] = true
			if b.Count == 0 || b.Count > uint64(capacity) {
				t.Fatalf("block count %d outside [1, %d]", b.Count, capacity)
			}
			for i := 0; i < int(b.Count); i++ {
				_ = b.Entry(i, size)
			}
		}
	})
}

// FuzzVmalloc reads a preserved vmalloc area: the first VmallocDescSize
// bytes are the struct kho_vmalloc (its first pointer reduced into the
// image unless byte 0 says otherwise), the rest is memory at fuzzBase.
func FuzzVmalloc(f *testing.F) {
	for _, s := range vmallocSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		desc := make([]byte, VmallocDescSize)
		copy(desc, data)
		v, err := DecodeVmalloc(desc, "fuzz")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeVmalloc(data[:min(len(data), VmallocDescSize-1)], "fuzz"); err == nil {
			t.Fatal("short descriptor decoded")
		}
		img := fuzzImage(data[min(len(data), VmallocDescSize):])
		area, err := ReadVmalloc(img, v, "fuzz")
		if area == nil {
			t.Fatalf("no area (%v)", err)
		}
		if err != nil {
			checkPhysError(t, err)
		}
		if max := uint64(v.TotalPages) >> min(v.Order, 63); uint64(len(area.Blocks)) > max {
			t.Fatalf("%d blocks, total_pages %d at order %d allows %d", len(area.Blocks), v.TotalPages, v.Order, max)
		}
		n := 0
		for _, c := range area.Chunks {
			n += len(c.Blocks)
		}
		// A chunk that hits the total_pages limit is left out of Chunks,
		// its blocks up to the limit are in Blocks.
		if n > len(area.Blocks) || (err == nil && n != len(area.Blocks)) {
			t.Fatalf("chunks list %d blocks, the area %d", n, len(area.Blocks))
		}
		if err == nil {
			if err := area.Verify("fuzz"); err != nil {
				checkPhysError(t, err)
			}
		}
		size := area.Size()
		buf := make([]byte, 64)
		for _, off := range []uint64{0, size / 2, size - min(size, 64), size, 1 << 63} {
			if err := area.ReadAt(img, buf, off, "fuzz"); err != nil {
				checkPhysError(t, err)
			}
		}
	})
}

// FuzzClients decodes the small KHO structures: byte 0 picks the decoder
// (kho_data, the scratch array, kexec-metadata, memblock, kho_test, the
// root read through kho_data), the rest is the input. What decodes must
// encode and decode to the same value where an encoder exists.
func FuzzClients(f *testing.F) {
	for _, s := range clientSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		sel, b := data[0]%6, data[1:]
		switch sel {
		case 0:
			d, err := DecodeKhoData(b)
			if err != nil {
				checkPhysError(t, err)
				return
			}
			if got, err := DecodeKhoData(d.Encode()); err != nil || got != d {
				t.Fatalf("kho_data round trip: %+v, %v", got, err)
			}
		case 1:
			areas, err := DecodeScratch(b)
			if err != nil {
				checkPhysError(t, err)
				return
			}
			if got, err := DecodeScratch(EncodeScratch(areas)); err != nil || !slices.Equal(got, areas) {
				t.Fatalf("scratch round trip: %v, %v", got, err)
			}
		case 2:
			k, err := DecodeKexecMetadata(b)
			if err != nil {
				checkPhysError(t, err)
				return
			}
			enc, err := k.Encode()
			if err != nil {
				t.Fatalf("decoded kexec-metadata does not encode: %v", err)
			}
			if got, err := DecodeKexecMetadata(enc); err != nil || *got != *k {
				t.Fatalf("kexec-metadata round trip: %+v, %v", got, err)
			}
		case 3:
			mb, err := DecodeMemblock(b)
			if err != nil {
				checkPhysError(t, err)
				return
			}
			enc, _, err := (&Memblock{Compatible: mb.Compatible, Regions: mb.Regions}).Encode()
			if err != nil {
				return // more regions than one page holds: the kernel writes one page
			}
			got, err := DecodeMemblock(enc)
			if err != nil || !slices.Equal(got.Regions, mb.Regions) {
				t.Fatalf("memblock round trip: %v, %v", got, err)
			}
		case 4:
			if _, err := DecodeKhoTest(b); err != nil {
				checkPhysError(t, err)
			}
		case 5:
			// kho_data, then memory at fuzzBase holding the root and the
			// scratch array it points to.
			if len(b) < khoData.Size {
				return
			}
			d, _ := DecodeKhoData(b[:khoData.Size])
			img := fuzzImage(b[khoData.Size:])
			if _, err := ReadScratch(img, d); err != nil {
				checkPhysError(t, err)
			}
			if _, err := ReadRoot(img, d.FDTAddr, d.FDTSize); err != nil {
				checkPhysError(t, err)
			}
		}
	})
}

func blockChainSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, n := range []int{1, 51, 120} {
		img := phys.NewImage()
		a := phys.NewAllocator(img, fuzzBase)
		head, err := EncodeBlocks(a, n, 80, func(i int, e []byte) error {
			binary.LittleEndian.PutUint64(e, uint64(i)+1)
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, append([]byte{byte((head - fuzzBase) / 4096), 0}, imageBytes(tb, img)...))
	}
	// The three-block chain with its last block pointing at the first.
	cyc := slices.Clone(out[2])
	blockNext.PutUint(cyc[2+2*4096:], fuzzBase)
	// A block with a count larger than its capacity.
	over := slices.Clone(out[0])
	blockCount.PutUint(over[2:], 52)
	return append(out, cyc, over)
}

func vmallocSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, tc := range []struct {
		n     int
		order uint16
	}{{4096, 0}, {3 * 8192, 1}, {600 * 4096, 0}} {
		img := phys.NewImage()
		data := make([]byte, tc.n)
		for i := range data {
			data[i] = byte(i / 4096)
		}
		// Chunks only: place the data blocks outside the fuzz image.
		a := phys.NewAllocator(img, 1<<40)
		v, err := EncodeVmalloc(a, data, tc.order, VmallocAlloc)
		if err != nil {
			tb.Fatal(err)
		}
		// Move the chunk pages down to fuzzBase.
		desc := make([]byte, VmallocDescSize)
		var mem []byte
		for addr, i := v.First, 0; addr != 0; i++ {
			page, _ := img.View(addr, 4096)
			page = slices.Clone(page)
			next := vmallocChunkNext.Uint(page)
			if next != 0 {
				vmallocChunkNext.PutUint(page, fuzzBase+uint64(i+1)*4096)
			}
			mem = append(mem, page...)
			addr = next
		}
		v.First = fuzzBase
		v.Put(desc)
		out = append(out, append(desc, mem...))
	}
	// total_pages 2^32-1 at order 70, and a chunk pointing at itself.
	huge := slices.Clone(out[0])
	Vmalloc{First: fuzzBase, TotalPages: 1<<32 - 1, Order: 70}.Put(huge)
	cyc := slices.Clone(out[0])
	vmallocChunkNext.PutUint(cyc[VmallocDescSize:], fuzzBase)
	return append(out, huge, cyc)
}

func clientSeeds(tb testing.TB) [][]byte {
	d := KhoData{FDTAddr: fuzzBase + 4096, FDTSize: 4096, ScratchAddr: fuzzBase, ScratchSize: 32}
	scratch := EncodeScratch([]Scratch{{0x1000000, 0x4000000}, {0x100000000, 0x10000000}})
	km, err := (&KexecMetadata{Version: 1, PreviousRelease: "6.19.0", KexecCount: 2}).Encode()
	if err != nil {
		tb.Fatal(err)
	}
	mb, _, err := (&Memblock{Regions: []MemblockRegion{{Name: "trace", Start: 0x1000000, Size: 0x100000}}}).Encode()
	if err != nil {
		tb.Fatal(err)
	}
	info := make([]byte, VmallocDescSize)
	Vmalloc{First: 0x123000, TotalPages: 1, Flags: VmallocAlloc}.Put(info)
	kt := khoTestBlob("kho-test-v1", uint32(khoTestMagicValue), info, true)
	root := rootSeeds(tb)[2]
	mem := make([]byte, 4096+len(root))
	copy(mem, scratch)
	copy(mem[4096:], root)
	return [][]byte{
		append([]byte{0}, d.Encode()...),
		append([]byte{1}, scratch...),
		append([]byte{2}, km...),
		append([]byte{3}, mb...),
		append([]byte{4}, kt...),
		append(append([]byte{5}, d.Encode()...), mem...),
	}
}

// TestWriteChainFuzzSeeds rewrites the committed seed corpora of the
// targets in this file when KHO_WRITE_FUZZ_SEEDS=1, and otherwise
// checks that they are present.
func TestWriteChainFuzzSeeds(t *testing.T) {
	testutil.WriteSeeds(t, "KHO_WRITE_FUZZ_SEEDS", testutil.SeedsPresent, numberedSeeds(map[string][][]byte{
		"FuzzBlockChain": blockChainSeeds(t),
		"FuzzVmalloc":    vmallocSeeds(t),
		"FuzzClients":    clientSeeds(t),
	}))
}
