package statediff

import (
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// folioFile encodes an M1 memfd of n records, record i being at(i), and
// decodes it back.
func folioFile(t testing.TB, n uint64, at func(i uint64) memfd.Folio) (*memfd.File, phys.Memory) {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000000)
	addr, err := memfd.EncodeFunc(a, &memfd.File{Size: n << 12}, n, at, memfd.M1)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := memfd.Compatible(memfd.M1)
	f, err := memfd.Decode(img, addr, c, "test.data")
	if err != nil {
		t.Fatal(err)
	}
	return f, img
}

const dirtyUptodate = memfd.FolioDirty | memfd.FolioUptodate

func linear(pfn0 uint64) func(i uint64) memfd.Folio {
	return func(i uint64) memfd.Folio { return memfd.Folio{PFN: pfn0 + i, Flags: dirtyUptodate, Index: i} }
}

// with returns at, except that record i is f(i, record).
func with(at func(uint64) memfd.Folio, f func(i uint64, fo memfd.Folio) memfd.Folio) func(uint64) memfd.Folio {
	return func(i uint64) memfd.Folio { return f(i, at(i)) }
}

func TestCompareFolios(t *testing.T) {
	const n = 1000
	rev := func(at func(uint64) memfd.Folio) func(uint64) memfd.Folio {
		return func(i uint64) memfd.Folio { return at(n - 1 - i) }
	}
	base := linear(0x1000)
	tests := []struct {
		name     string
		a, b     func(uint64) memfd.Folio
		nb       uint64
		missing  string
		added    string
		flags    string
		moved    string
		streamed bool
	}{
		{"equal", base, base, n, "", "", "", "", true},
		{"moved", base, linear(0x9000), n, "", "", "", "0-7 and 992 more", true},
		{"tail cut", base, base, n - 3, "997-999", "", "", "", true},
		{"holes", base, with(base, func(i uint64, fo memfd.Folio) memfd.Folio {
			if i == 10 || i == 500 {
				fo.PFN = 0
			}
			return fo
		}), n, "10, 500", "", "", "", true},
		{"flags", base, with(base, func(i uint64, fo memfd.Folio) memfd.Folio {
			if i%100 == 0 {
				fo.Flags = memfd.FolioDirty
			}
			return fo
		}), n, "", "", "0, 100, 200, 300, 400, 500, 600, 700 and 2 more", "", true},
		{"reindexed", base, with(base, func(_ uint64, fo memfd.Folio) memfd.Folio {
			fo.Index += 2
			return fo
		}), n, "0-1", "1000-1001", "", "2-9 and 990 more", true},
		{"B reversed", base, rev(base), n, "", "", "", "", false},
		{"A reversed, B cut", rev(base), base, n - 1, "999", "", "", "", false},
		{"B reversed with extra", base, rev(linear(0x1000 - 5)), n, "", "", "", "0-7 and 992 more", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fa, ma := folioFile(t, n, tc.a)
			fb, mb := folioFile(t, tc.nb, tc.b)
			d, err := CompareFolios(fa, ma, fb, mb, FolioOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				what string
				got  IndexSample
				want string
			}{{"missing", d.Missing, tc.missing}, {"added", d.Added, tc.added}, {"flags", d.FlagsChanged, tc.flags}, {"moved", d.Moved, tc.moved}} {
				if c.got.String() != c.want {
					t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
				}
			}
			if d.Streamed != tc.streamed {
				t.Errorf("streamed %v", d.Streamed)
			}
			if d.Equal() != (tc.missing+tc.added+tc.flags+tc.moved == "") {
				t.Errorf("Equal() = %v", d.Equal())
			}
		})
	}
}

func TestCompareFoliosCounts(t *testing.T) {
	fa, ma := folioFile(t, 100, linear(0x1000))
	fb, mb := folioFile(t, 90, linear(0x1000))
	d, err := CompareFolios(fa, ma, fb, mb, FolioOptions{Sample: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.FoliosA != 100 || d.FoliosB != 90 || d.Matched != 90 || d.Missing.N != 10 || len(d.Missing.First) != 2 {
		t.Errorf("%+v", d)
	}
}

func TestCompareFoliosMapBound(t *testing.T) {
	const n = 100
	fa, ma := folioFile(t, n, linear(0x1000))
	fb, mb := folioFile(t, n, func(i uint64) memfd.Folio { return linear(0x1000)(n - 1 - i) })
	_, err := CompareFolios(fa, ma, fb, mb, FolioOptions{MaxMap: 50})
	if !errors.Is(err, ErrUnsortedTooLarge) {
		t.Errorf("err %v, want ErrUnsortedTooLarge", err)
	}
	if _, err := CompareFolios(fa, ma, fb, mb, FolioOptions{MaxMap: 100}); err != nil {
		t.Errorf("at the bound: %v", err)
	}
}

// TestCompareFoliosReadError reports a record block the source lacks.
func TestCompareFoliosReadError(t *testing.T) {
	fa, ma := folioFile(t, 10, linear(0x1000))
	if _, err := CompareFolios(fa, ma, fa, phys.NewImage(), FolioOptions{}); err == nil {
		t.Error("no error for records not in B's memory")
	}
}

// TestCompareFoliosLowMemory streams 1<<20 folios per side and requires
// that what CompareFolios allocates beyond opening the two record tables
// does not grow with the folio count. (Opening a table is memfd's: it
// lists the vmalloc blocks, 8 bytes per 4 KiB of records.) Materialising
// one side would take 24 MiB.
func TestCompareFoliosLowMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two 16 MiB record arrays")
	}
	cost := func(f func()) (allocs float64, bytes uint64) {
		return testing.AllocsPerRun(3, f), testutil.Allocated(f)
	}
	type extra struct {
		allocs float64
		bytes  int64
	}
	measure := func(n uint64) extra {
		fa, ma := folioFile(t, n, linear(0x1000))
		fb, mb := folioFile(t, n, linear(0x1000))
		ta, tb := cost(func() {
			if _, err := fa.Table(ma); err != nil {
				t.Fatal(err)
			}
			if _, err := fb.Table(mb); err != nil {
				t.Fatal(err)
			}
		})
		ca, cb := cost(func() {
			d, err := CompareFolios(fa, ma, fb, mb, FolioOptions{})
			if err != nil || !d.Equal() || d.Matched != n {
				t.Fatalf("%d folios: %+v %v", n, d, err)
			}
		})
		t.Logf("%d folios: compare %.0f allocs %d bytes, of which opening the tables %.0f allocs %d bytes", n, ca, cb, ta, tb)
		if cb > 1<<20 {
			t.Errorf("%d folios: %d bytes allocated", n, cb)
		}
		return extra{ca - ta, int64(cb) - int64(tb)}
	}
	small, big := measure(1<<10), measure(1<<20)
	// The two record buffers take 24 KiB. The count of allocations moves by
	// a few under -race and with background GC, so it gets slack; anything
	// that grew with the folio count would add about 1000 times more.
	if big.allocs > small.allocs+32 || big.bytes > 64<<10 || small.bytes > 64<<10 {
		t.Errorf("allocations beyond the tables grow with the folio count: %+v for 1<<10, %+v for 1<<20", small, big)
	}
}

func benchCompare(b *testing.B, n uint64, bAt func(uint64) memfd.Folio) {
	fa, ma := folioFile(b, n, linear(0x1000))
	fb, mb := folioFile(b, n, bAt)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := CompareFolios(fa, ma, fb, mb, FolioOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/folio")
}

// BenchmarkCompareFolios streams two sorted arrays of 1<<20 folios.
func BenchmarkCompareFolios(b *testing.B) {
	benchCompare(b, 1<<20, linear(0x1000))
}

// BenchmarkCompareFoliosUnsorted takes the map fallback (1<<18 folios,
// B in reverse order).
func BenchmarkCompareFoliosUnsorted(b *testing.B) {
	const n = 1 << 18
	benchCompare(b, n, func(i uint64) memfd.Folio { return linear(0x1000)(n - 1 - i) })
}
