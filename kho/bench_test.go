package kho

import (
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

// benchBlocks returns n contiguous order-0 blocks (a memfd's folios)
// followed by 64 scattered order-2 blocks (structures).
func benchBlocks(n uint64) []phys.Block {
	blocks := make([]phys.Block, 0, n+64)
	for i := range n {
		blocks = append(blocks, phys.Block{Addr: 0x100000000 + i<<12, Order: 0})
	}
	for i := range uint64(64) {
		blocks = append(blocks, phys.Block{Addr: 0x80000000 + i<<16, Order: 2})
	}
	return blocks
}

// BenchmarkMemmapDecode decodes a radix-tree map (K2 and later) and a
// kho-v1 bitmap map (K1b) of 2^16 and 2^20 blocks, then indexes the
// blocks with NewPreserved as handover.Walk does.
func BenchmarkMemmapDecode(b *testing.B) {
	for _, n := range []uint64{1 << 16, 1 << 20} {
		blocks := benchBlocks(n)
		for _, kind := range []string{"radix", "bitmap-K1b"} {
			img := phys.NewImage()
			a := phys.NewAllocator(img, 0x200000000)
			var root uint64
			var err error
			if kind == "radix" {
				root, err = EncodeMemmapRadix(a, blocks)
			} else {
				root, err = EncodeMemmapV1(a, blocks, "K1b")
			}
			if err != nil {
				b.Fatal(err)
			}
			decode := func() (Memmap, error) {
				if kind == "radix" {
					return DecodeMemmapRadix(img, root)
				}
				return DecodeMemmapV1(img, root, "K1b")
			}
			b.Run(fmt.Sprintf("%s/blocks=%d", kind, len(blocks)), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					mm, err := decode()
					if err != nil {
						b.Fatal(err)
					}
					if p := NewPreserved(mm.Blocks()); p.Len() != len(blocks) {
						b.Fatalf("%d blocks, want %d", p.Len(), len(blocks))
					}
				}
				b.ReportMetric(float64(len(blocks))*float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
			})
		}
	}
}

// BenchmarkMemmapEncode writes the radix and bitmap maps of 2^20 blocks.
func BenchmarkMemmapEncode(b *testing.B) {
	blocks := benchBlocks(1 << 20)
	for _, kind := range []string{"radix", "bitmap-K1b"} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a := phys.NewAllocator(phys.NewImage(), 0x200000000)
				var err error
				if kind == "radix" {
					_, err = EncodeMemmapRadix(a, blocks)
				} else {
					_, err = EncodeMemmapV1(a, blocks, "K1b")
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPreservedLookup looks every folio page up, in order, the way
// validate does: Preserved.HeadIndex (binary search) and Cursor.HeadIndex.
func BenchmarkPreservedLookup(b *testing.B) {
	const n = 1 << 20
	blocks := benchBlocks(n)
	p := NewPreserved(func(yield func(phys.Block) bool) {
		for _, bl := range blocks {
			if !yield(bl) {
				return
			}
		}
	})
	b.Run("HeadIndex", func(b *testing.B) {
		for b.Loop() {
			for i := range uint64(n) {
				if _, _, ok := p.HeadIndex(0x100000000 + i<<12); !ok {
					b.Fatal("miss")
				}
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
	b.Run("Cursor", func(b *testing.B) {
		for b.Loop() {
			c := p.Cursor()
			for i := range uint64(n) {
				if _, _, ok := c.HeadIndex(0x100000000 + i<<12); !ok {
					b.Fatal("miss")
				}
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
	b.Run("Contains", func(b *testing.B) {
		for b.Loop() {
			for i := range uint64(n) {
				if _, ok := p.Contains(0x100000000 + i<<12 + 8); !ok {
					b.Fatal("miss")
				}
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
}

// BenchmarkDecodeRoot decodes a K4 root with three clients.
func BenchmarkDecodeRoot(b *testing.B) {
	r, err := NewRoot("K4", 0x116be4000)
	if err != nil {
		b.Fatal(err)
	}
	for i, name := range []string{"memblock", "LUO", "kexec-metadata"} {
		r.AddSubtree(name, uint64(0x10a3c5000+i<<12), 4096)
	}
	blob, _, err := EncodeRoot(r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeRoot(blob); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMemblock decodes a memblock blob of 16 regions.
func BenchmarkDecodeMemblock(b *testing.B) {
	mb := &Memblock{Compatible: "memblock-v1"}
	for i := range 16 {
		mb.Regions = append(mb.Regions, MemblockRegion{Name: fmt.Sprintf("r%d", i), Compatible: "reserve-mem-v1", Start: uint64(i) << 20, Size: 1 << 20})
	}
	blob, _, err := mb.Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeMemblock(blob); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeKexecMetadata decodes the kexec-metadata blob.
func BenchmarkDecodeKexecMetadata(b *testing.B) {
	km := &KexecMetadata{Version: 1, PreviousRelease: "6.20.0", KexecCount: 3}
	blob, err := km.Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeKexecMetadata(blob); err != nil {
			b.Fatal(err)
		}
	}
}
