package memfd

import (
	"reflect"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
)

// TestFolioFlagNames names flags from the registry, per generation, and
// reads the names back.
func TestFolioFlagNames(t *testing.T) {
	for _, gen := range Tags {
		fs := FolioFlags(gen)
		if len(fs) != 2 {
			t.Fatalf("%s names %d flags: %+v", gen, len(fs), fs)
		}
		g, _ := abi.Lookup(gen)
		for _, f := range fs {
			c, ok := g.Constant(f.Constant)
			if !ok || c.Value != uint64(f.Bit) {
				t.Errorf("%s: %+v is not the registry's %+v", gen, f, c)
			}
		}
		want := "MEMFD_LUO_FOLIO_DIRTY"
		if gen == M0 {
			want = "PRESERVED_FLAG_DIRTY"
		}
		if fs[0].Name != "dirty" || fs[0].Constant != want || fs[1].Name != "uptodate" {
			t.Errorf("%s: %+v", gen, fs)
		}
		for _, flags := range []uint16{0, FolioDirty, FolioDirty | FolioUptodate, FolioUptodate | 0x10, 0x800} {
			names := FolioFlagNames(gen, flags)
			got, err := ParseFolioFlags(gen, names)
			if err != nil || got != flags || names == nil {
				t.Errorf("%s 0x%x: %q reads back as 0x%x, %v", gen, flags, names, got, err)
			}
		}
		if got, err := ParseFolioFlags(gen, []string{"UPTODATE", want}); err != nil || got != FolioDirty|FolioUptodate {
			t.Errorf("%s: constant names and case: 0x%x %v", gen, got, err)
		}
		if _, err := ParseFolioFlags(gen, []string{"0x1000"}); err == nil || !strings.Contains(err.Error(), "12-bit") {
			t.Errorf("%s: a bit past the field: %v", gen, err)
		}
	}
	if got := FolioFlagNames(M1, FolioUptodate|0x4); !reflect.DeepEqual(got, []string{"uptodate", "0x4"}) {
		t.Errorf("names %q", got)
	}
	if _, err := ParseFolioFlags("M9", nil); err == nil {
		t.Error("an unknown generation parses")
	}
}

// TestRunBuilder coalesces folios into runs with and without PFNs.
func TestRunBuilder(t *testing.T) {
	fos := []struct {
		fo    Folio
		order uint
	}{
		{Folio{PFN: 0x1000, Flags: 3, Index: 0}, 9},
		{Folio{PFN: 0x1200, Flags: 3, Index: 512}, 9},
		{Folio{PFN: 0x5000, Flags: 3, Index: 1024}, 9}, // elsewhere in memory
		{Folio{PFN: 0x5200, Flags: 2, Index: 1536}, 0}, // other flags and order
		{Folio{PFN: 0x5201, Flags: 2, Index: 1537}, 0},
		{Folio{PFN: 0x5202, Flags: 2, Index: 1600}, 0}, // a hole before it
	}
	b := NewRunBuilder(true, 0)
	for _, f := range fos {
		b.Add(f.fo, f.order)
	}
	want := []FolioRun{
		{Index: 0, Count: 2, Order: 9, Flags: 3, PFN: 0x1000},
		{Index: 1024, Count: 1, Order: 9, Flags: 3, PFN: 0x5000},
		{Index: 1536, Count: 2, Flags: 2, PFN: 0x5200},
		{Index: 1600, Count: 1, Flags: 2, PFN: 0x5202},
	}
	if !reflect.DeepEqual(b.Runs(), want) || b.Coarse() {
		t.Fatalf("runs %+v", b.Runs())
	}
	if err := CheckRuns(b.Runs()); err != nil {
		t.Fatal(err)
	}
	coarse := []FolioRun{
		{Index: 0, Count: 3, Order: 9, Flags: 3},
		{Index: 1536, Count: 2, Flags: 2},
		{Index: 1600, Count: 1, Flags: 2},
	}
	if got := MergeRuns(append([]FolioRun(nil), want...)); !reflect.DeepEqual(got, coarse) {
		t.Errorf("merged %+v", got)
	}
	// Past the bound the builder drops PFNs and keeps coalescing.
	b = NewRunBuilder(true, 1)
	for _, f := range fos {
		b.Add(f.fo, f.order)
	}
	if !b.Coarse() || !reflect.DeepEqual(b.Runs(), coarse) {
		t.Errorf("bounded: coarse %v, runs %+v", b.Coarse(), b.Runs())
	}
}

// TestCheckRuns refuses runs no producer writes.
func TestCheckRuns(t *testing.T) {
	for _, tc := range []struct {
		runs []FolioRun
		want abi.Tag
	}{
		{[]FolioRun{{Count: 0}}, "0 folios"},
		{[]FolioRun{{Count: 1, Order: MaxFolioOrder + 1}}, "MAX_PAGE_ORDER"},
		{[]FolioRun{{Count: 1 << 60, Order: 9}}, "more than 2^64 pages"},
		{[]FolioRun{{Index: ^uint64(0), Count: 1}}, "past 2^64"},
		{[]FolioRun{{Count: 1, PFN: 1<<52 - 1, Order: 1}}, "52-bit"},
		{[]FolioRun{{Index: 10, Count: 1}, {Index: 5, Count: 1}}, "must ascend"},
		{[]FolioRun{{Index: 0, Count: 2, Order: 1}, {Index: 3, Count: 1}}, "must ascend"},
	} {
		if err := CheckRuns(tc.runs); err == nil || !strings.Contains(err.Error(), string(tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.runs, err, tc.want)
		}
	}
}

// TestEncodeRuns writes runs in every generation and decodes the same
// records back.
func TestEncodeRuns(t *testing.T) {
	runs := []FolioRun{
		{Index: 0, Count: 2, Order: 9, Flags: 3, PFN: 0x200000},
		{Index: 2048, Count: 3, Flags: 0x12, PFN: 0x300000},
	}
	var want []Folio
	for _, r := range runs {
		for k := range r.Count {
			want = append(want, r.Folio(k))
		}
	}
	for _, gen := range Tags {
		s := encodeState(t, 0x100000000, &File{Size: 3 << 23}, want, gen)
		f := s.decode(t)
		var got []Folio
		for fo, err := range f.FolioSeq(s.img) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fo)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: records %+v, want %+v", gen, got, want)
		}
		s2 := &state{img: s.img, a: s.a, gen: gen}
		var err error
		if s2.addr, err = EncodeRuns(s.a, &File{Size: 3 << 23}, runs, gen); err != nil {
			t.Fatal(err)
		}
		f2 := s2.decode(t)
		n, at := runFolios(runs)
		for i := range n {
			fo, err := f2.FolioAt(s.img, i)
			if err != nil || fo != at(i) || fo != want[i] {
				t.Fatalf("%s: EncodeRuns record %d: %+v %v, want %+v", gen, i, fo, err, want[i])
			}
		}
	}
	_, at := runFolios(runs)
	for i := len(want) - 1; i >= 0; i-- {
		if got := at(uint64(i)); got != want[i] {
			t.Errorf("folio %d asked out of order: %+v", i, got)
		}
	}
	if _, err := EncodeRuns(nil, &File{}, []FolioRun{{Count: 1}}, M1); err == nil || !strings.Contains(err.Error(), "no pfn") {
		t.Errorf("a run without pfn: %v", err)
	}
}
