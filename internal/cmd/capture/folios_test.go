package capture

import (
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

func TestClipRanges(t *testing.T) {
	r := func(s, n uint64) phys.Range { return phys.Range{Start: s, Size: n} }
	held := []phys.Range{r(0x1000, 0x2000), r(0x5000, 0x1000)}
	got := clipRanges([]phys.Range{r(0, 0x2000), r(0x2800, 0x4000)}, held)
	want := []phys.Range{r(0x1000, 0x1000), r(0x2800, 0x800), r(0x5000, 0x1000)}
	if !slices.Equal(got, want) {
		t.Errorf("clipRanges = %v, want %v", got, want)
	}
}

func TestRecordHeld(t *testing.T) {
	img := phys.NewImage()
	if err := img.Add(0x10000, make([]byte, 0x2000)); err != nil {
		t.Fatal(err)
	}
	rec := phys.NewRecorder(img)
	if missing := recordHeld(rec, img.Ranges(), 0x11000, 0x3000); missing != 0x2000 {
		t.Errorf("missing %#x, want 0x2000", missing)
	}
	if missing := recordHeld(rec, img.Ranges(), 0x10000, 0x1000); missing != 0 {
		t.Errorf("missing %#x, want 0", missing)
	}
	if got := rec.Pages(); !slices.Equal(got, []phys.Range{{Start: 0x10000, Size: 0x2000}}) {
		t.Errorf("recorded %v", got)
	}
}
