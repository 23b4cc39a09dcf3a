package phys

import (
	"errors"
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/fdt"
)

func TestRangeHelpers(t *testing.T) {
	const top = ^uint64(0)
	if got := SatAdd(top-1, 5); got != top {
		t.Errorf("SatAdd wraps: 0x%x", got)
	}
	if got := Total([]Range{{0, 10}, {top - 5, top}}); got != top {
		t.Errorf("Total = 0x%x, want saturation", got)
	}
	for _, c := range []struct {
		a, b Range
		want bool
	}{
		{Range{0, 10}, Range{10, 5}, false},
		{Range{0, 10}, Range{9, 5}, true},
		{Range{5, 0}, Range{0, 10}, true}, // empty, strictly inside
		{Range{top - 1, 10}, Range{top - 1, 1}, true},
	} {
		if got := c.a.Overlaps(c.b); got != c.want || c.b.Overlaps(c.a) != c.want {
			t.Errorf("%v overlaps %v = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if got := (Block{Addr: 0x1000, Order: 52}).End(); got != top {
		t.Errorf("End of an order-52 block = 0x%x, want saturation", got)
	}
	if r := (Block{Addr: 0x2000, Order: 1}).Range(); r != (Range{0x2000, 0x2000}) {
		t.Errorf("Range = %v", r)
	}
	blocks := []Block{{0x2000, 1}, {0x1000, 2}, {0x1000, 0}}
	slices.SortFunc(blocks, CompareBlocks)
	if want := []Block{{0x1000, 0}, {0x1000, 2}, {0x2000, 1}}; !slices.Equal(blocks, want) {
		t.Errorf("CompareBlocks order %v, want %v", blocks, want)
	}
}

func TestSweepAndFirstOverlap(t *testing.T) {
	type item struct {
		name string
		r    Range
	}
	rng := func(i item) Range { return i.r }
	// b starts inside a, which reaches past c: c overlaps a, not b.
	s := []item{{"c", Range{0x30, 0x10}}, {"b", Range{0x10, 0x10}}, {"a", Range{0, 0x100}}, {"a2", Range{0, 1}}}
	SortRanges(s, rng)
	if got := []string{s[0].name, s[1].name, s[2].name, s[3].name}; !slices.Equal(got, []string{"a", "a2", "b", "c"}) {
		t.Fatalf("SortRanges: %v (equal starts keep their order)", got)
	}
	var sw Sweep[item]
	var found []string
	for _, it := range s {
		prev, _, _ := sw.Reach()
		if sw.Next(it, it.r) {
			found = append(found, it.name+">"+prev.name)
		}
	}
	if want := []string{"a2>a", "b>a", "c>a"}; !slices.Equal(found, want) {
		t.Errorf("Sweep found %v, want %v", found, want)
	}
	a, b, ok := FirstOverlap([]item{{"x", Range{0x100, 0x10}}, {"e", Range{0x105, 0}}, {"y", Range{0x108, 4}}}, rng)
	if !ok || a.name != "x" || b.name != "y" {
		t.Errorf("FirstOverlap = %v, %v, %v; want x, y (the empty range overlaps nothing)", a, b, ok)
	}
	if _, _, ok := FirstOverlap([]item{{"x", Range{0, 0x10}}, {"y", Range{0x10, 0x10}}}, rng); ok {
		t.Error("adjacent ranges reported as overlapping")
	}
}

func TestFDTError(t *testing.T) {
	_, err := fdt.Parse([]byte("not an FDT blob at all, but long enough"))
	pe := FDTError(err, "LUO", 0x1000)
	if !errors.Is(pe, ErrMalformed) || pe.Addr != 0x1000 || pe.Offset != 0 || pe.Path != "LUO" {
		t.Errorf("FDTError = %+v", pe)
	}
	if pe := FDTError(errors.New("other"), "x", NoAddr); pe.Offset != -1 {
		t.Errorf("offset of a foreign error = %d, want -1", pe.Offset)
	}
}
