package kho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

func TestBlockChainRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 51, 52, 2000} {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		head, err := EncodeBlocks(a, n, 80, func(i int, e []byte) error {
			binary.LittleEndian.PutUint64(e, uint64(i)+1)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := ReadBlocks(img, head, 80, "LUO/sessions")
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		got := 0
		for _, b := range blocks {
			for i := 0; i < int(b.Count); i++ {
				got++
				if v := binary.LittleEndian.Uint64(b.Entry(i, 80)); v != uint64(got) {
					t.Fatalf("n=%d: entry %d = %d", n, got, v)
				}
			}
		}
		if got != n || len(blocks) != (n+50)/51 || len(a.Preserved) != len(blocks) {
			t.Fatalf("n=%d: %d entries in %d blocks, %d preserved", n, got, len(blocks), len(a.Preserved))
		}
	}
}

func TestBlockChainRejects(t *testing.T) {
	build := func(n int) (*phys.Image, uint64, []uint64) {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x10000)
		head, _ := EncodeBlocks(a, n, 64, func(int, []byte) error { return nil })
		var addrs []uint64
		for _, b := range a.Preserved {
			addrs = append(addrs, b.Addr)
		}
		return img, head, addrs
	}
	poke := func(img *phys.Image, addr uint64, off int, v uint64) {
		b, _ := img.View(addr, 4096)
		binary.LittleEndian.PutUint64(b[off:], v)
	}
	tests := []struct {
		name   string
		mutate func(img *phys.Image, blocks []uint64)
		kind   error
		path   string
	}{
		{"cycle", func(img *phys.Image, b []uint64) { poke(img, b[2], 0, b[0]) }, phys.ErrCycle, "F.block[3]"},
		{"self loop", func(img *phys.Image, b []uint64) { poke(img, b[0], 0, b[0]) }, phys.ErrCycle, "F.block[1]"},
		{"count zero", func(img *phys.Image, b []uint64) { poke(img, b[1], 8, 0) }, phys.ErrMalformed, "F.block[1].count"},
		{"count over capacity", func(img *phys.Image, b []uint64) { poke(img, b[0], 8, 64) }, phys.ErrMalformed, "F.block[0].count"},
		{"next outside", func(img *phys.Image, b []uint64) { poke(img, b[2], 0, 0xdead000) }, phys.ErrUnresolved, "F.block[3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, head, blocks := build(63 * 3)
			tc.mutate(img, blocks)
			_, err := ReadBlocks(img, head, 64, "F")
			var pe *phys.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.Path != tc.path {
				t.Fatalf("err = %v, want %v at %s", err, tc.kind, tc.path)
			}
		})
	}
}

func TestBlockChainLimit(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x1000)
	head, _ := EncodeBlocks(a, maxBlockChain+1, 4080, func(int, []byte) error { return nil })
	_, err := ReadBlocks(img, head, 4080, "F")
	if !errors.Is(err, phys.ErrLimit) || !strings.Contains(err.Error(), "F.block[10000]") {
		t.Fatalf("err = %v", err)
	}
}

func TestVmallocRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		size  int
		order uint16
	}{{1, 0}, {4096, 0}, {4096*511 + 1, 0}, {4096 * 1200, 0}, {3 * 8192, 1}, {5000, 2}} {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x200000)
		data := make([]byte, tc.size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		v, err := EncodeVmalloc(a, data, tc.order, VmallocAlloc)
		if err != nil {
			t.Fatal(err)
		}
		desc := make([]byte, VmallocDescSize)
		v.Put(desc)
		v2, err := DecodeVmalloc(desc, "x")
		if err != nil || v2 != v {
			t.Fatalf("descriptor round trip: %+v vs %+v (%v)", v2, v, err)
		}
		area, err := ReadVmalloc(img, v, "memfd.folios")
		if err != nil {
			t.Fatal(err)
		}
		if err := area.Verify("memfd.folios"); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, tc.size)
		if err := area.ReadAt(img, got, 0, "memfd.folios"); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("size %d order %d: data differs", tc.size, tc.order)
		}
		wantChunks := (len(area.Blocks) + 510) / 511
		if len(area.Chunks) != wantChunks {
			t.Errorf("%d chunks for %d blocks", len(area.Chunks), len(area.Blocks))
		}
	}
}

func TestVmallocRejects(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x200000)
	v, _ := EncodeVmalloc(a, make([]byte, 4096*600), 0, VmallocAlloc)
	area, _ := ReadVmalloc(img, v, "m")
	second := area.Chunks[1].Addr
	page, _ := img.View(second, 4096)

	short := v
	short.TotalPages = 599
	if _, err := ReadVmalloc(img, short, "m"); !errors.Is(err, phys.ErrLimit) {
		t.Errorf("too many blocks: %v", err)
	}
	long := v
	long.TotalPages = 601
	area, err := ReadVmalloc(img, long, "m")
	if err != nil || !errors.Is(area.Verify("m"), phys.ErrMalformed) {
		t.Errorf("too few blocks: %v / %v", err, area.Verify("m"))
	}
	huge := v
	huge.Order = 70
	if _, err := ReadVmalloc(img, huge, "m"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("order 70: %v", err)
	}
	binary.LittleEndian.PutUint64(page, v.First)
	if _, err := ReadVmalloc(img, v, "m"); !errors.Is(err, phys.ErrCycle) {
		t.Errorf("cycle: %v", err)
	}
	if _, err := DecodeVmalloc(make([]byte, 15), "m"); !errors.Is(err, phys.ErrMalformed) {
		t.Errorf("short descriptor: %v", err)
	}
}
