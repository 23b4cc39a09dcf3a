package kho

import (
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

func TestV1BitmapSize(t *testing.T) {
	for tag, want := range map[string]int{"K1a": 512, "K1b": 4096, "K2": 0, "K4": 0, "L-FLB": 0, "nope": 0} {
		got, ok := V1BitmapSize(abi.Tag(tag))
		if got != want || ok != (want != 0) {
			t.Errorf("V1BitmapSize(%s) = %d, %v; want %d", tag, got, ok, want)
		}
	}
}

func TestBlockAt(t *testing.T) {
	a := phys.NewAllocator(phys.NewImage(), 0x100000)
	head, err := EncodeBlocks(a, 3, 64, func(int, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	data, err := phys.Read(a.Image, head, BlockSize(), "b")
	if err != nil {
		t.Fatal(err)
	}
	b := BlockAt(head, data)
	if b.Count != 3 || b.Next != 0 || b.Addr != head {
		t.Errorf("BlockAt = %+v", b)
	}
	if got, want := b.EntryAddr(2, 64), head+uint64(BlockEntryOffset(2, 64)); got != want || BlockEntryOffset(0, 64) == 0 {
		t.Errorf("EntryAddr(2) = 0x%x, want 0x%x after the header", got, want)
	}
	if off := BlockCountOffset(); off < 0 || off+8 > BlockEntryOffset(0, 1) {
		t.Errorf("count at %d lies outside the header", off)
	}
}
