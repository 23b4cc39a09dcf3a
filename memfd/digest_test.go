package memfd

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

// digestCase places folio pages (each order given) in an image, records
// them, and states the file contents independently of ContentDigest.
type digestCase struct {
	name   string
	size   uint64
	folios []struct{ index, order uint64 } // data pages, in index order
	hole   bool                            // add a pfn-0 record (a hole the kernel skips)
	drop   bool                            // leave the last folio's pages out of the image
	wrong  bool                            // report an unknown size for the first folio
}

func TestContentDigest(t *testing.T) {
	type fo = struct{ index, order uint64 }
	for _, tc := range []digestCase{
		{name: "empty", size: 0},
		{name: "one page", size: 4096, folios: []fo{{0, 0}}},
		{name: "cut at size", size: 5000, folios: []fo{{0, 0}, {1, 0}}},
		{name: "holes as zeros", size: 16 * 4096, folios: []fo{{0, 0}, {5, 0}, {15, 0}}},
		{name: "large folios", size: 8 << 20, folios: []fo{{0, 9}, {1024, 9}}},
		{name: "large folio past size", size: 3 << 20, folios: []fo{{0, 9}, {512, 9}}},
		{name: "pfn 0 is a hole", size: 3 * 4096, folios: []fo{{0, 0}}, hole: true},
		{name: "page not in the source", size: 2 * 4096, folios: []fo{{0, 0}, {1, 0}}, drop: true},
		{name: "unknown folio size", size: 4096, folios: []fo{{0, 0}}, wrong: true},
		{name: "size above the limit", size: MaxDigestSize + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := phys.NewImage()
			want := make([]byte, min(tc.size, 1<<24))
			var recs []Folio
			orders := map[uint64]uint64{}
			next := uint64(0x10000000)
			for k, f := range tc.folios {
				n := uint64(1) << f.order
				data := make([]byte, n*4096)
				for i := range data {
					data[i] = byte(k*7+i) ^ byte(i>>12)
				}
				if !(tc.drop && k == len(tc.folios)-1) {
					if err := img.Add(next, data); err != nil {
						t.Fatal(err)
					}
				}
				copy(want[min(f.index*4096, tc.size):], data)
				recs = append(recs, Folio{PFN: next >> 12, Flags: FolioDirty | FolioUptodate, Index: f.index})
				orders[next>>12] = n
				next += n * 4096
			}
			if tc.hole {
				recs = append(recs, Folio{PFN: 0, Index: 2})
			}
			s := encodeState(t, 0x1000000, &File{Size: tc.size}, recs, "M2b")
			for a := uint64(0x10000000); a < next; a += 4096 { // folio pages live apart from the state
				if v, ok := img.View(a, 4096); ok {
					s.img.Add(a, bytes.Clone(v))
				}
			}
			f := s.decode(t)
			pages := func(pfn uint64) (uint64, bool) {
				n, ok := orders[pfn]
				return n, ok && !tc.wrong
			}
			d, err := f.ContentDigest(s.img, pages)
			switch {
			case tc.size > MaxDigestSize:
				if !errors.Is(err, phys.ErrLimit) {
					t.Fatalf("err %v, want limit", err)
				}
			case tc.drop:
				if !errors.Is(err, phys.ErrUnresolved) {
					t.Fatalf("err %v, want unresolved", err)
				}
			case tc.wrong:
				if !errors.Is(err, phys.ErrMalformed) {
					t.Fatalf("err %v, want malformed", err)
				}
			case err != nil:
				t.Fatal(err)
			case d != Digest(sha256.Sum256(want)):
				t.Errorf("digest %s, want %x", d, sha256.Sum256(want))
			}
		})
	}
}

// BenchmarkContentDigest hashes a 64 MiB memfd of order-9 folios read
// from an image; BenchmarkSHA256Baseline hashes the same bytes from one
// slice: the ratio is the cost of reading folio pages through phys.
func BenchmarkContentDigest(b *testing.B) {
	f, img, _ := digestBench(b)
	pages := func(uint64) (uint64, bool) { return 512, true }
	b.SetBytes(int64(f.Size))
	for b.Loop() {
		if _, err := f.ContentDigest(img, pages); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSHA256Baseline(b *testing.B) {
	f, _, data := digestBench(b)
	b.SetBytes(int64(f.Size))
	for b.Loop() {
		sha256.Sum256(data)
	}
}

func digestBench(b *testing.B) (*File, *phys.Image, []byte) {
	const n, size = 32, 32 << 21
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 31)
	}
	var recs []Folio
	for k := range n {
		recs = append(recs, Folio{PFN: (0x40000000 + uint64(k)<<21) >> 12, Flags: FolioDirty | FolioUptodate, Index: uint64(k) * 512})
	}
	st := encodeState(b, 0x1000000, &File{Size: size}, recs, "M2b")
	if err := st.img.Add(0x40000000, data); err != nil {
		b.Fatal(err)
	}
	return st.decode(b), st.img, data
}
