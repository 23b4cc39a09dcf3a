package memfd

import (
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// varied returns a record whose every field depends on i.
func varied(i uint64) Folio {
	return Folio{PFN: (i*0x9e3779b1 + 1) & (1<<52 - 1), Flags: uint16(i % 4), Index: i}
}

func mix(sum uint64, fo Folio) uint64 {
	sum ^= fo.PFN + 0x9e3779b97f4a7c15 + sum<<6 + sum>>2
	sum ^= uint64(fo.Flags)<<48 + fo.Index
	return sum * 0xff51afd7ed558ccd
}

func bigState(t testing.TB, n uint64, gen abi.Tag) (*phys.Image, *File) {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	addr, err := EncodeFunc(a, &File{Size: n << pageShift}, n, varied, gen)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Compatible(gen)
	f, err := Decode(img, addr, c, testPath)
	if err != nil {
		t.Fatal(err)
	}
	return img, f
}

func TestStreamMillion(t *testing.T) {
	const n = 1_000_000
	img, f := bigState(t, n, M1)
	var want uint64
	for i := range uint64(n) {
		want = mix(want, varied(i))
	}
	check := func(name string, count, sum uint64) {
		t.Helper()
		if count != n || sum != want {
			t.Errorf("%s: %d records, checksum %#x, want %d and %#x", name, count, sum, uint64(n), want)
		}
	}
	for _, m := range []struct {
		name string
		mem  phys.Memory
	}{{"view", img}, {"copy", noViewer{img}}} {
		var count, sum uint64
		it := f.Iter(m.mem)
		for it.Next() {
			sum = mix(sum, it.Folio())
			count++
			if it.Pos() != count {
				t.Fatalf("Pos %d after %d records", it.Pos(), count)
			}
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		check(m.name+" Next", count, sum)

		count, sum = 0, 0
		it = f.Iter(m.mem)
		buf := make([]Folio, 1000)
		for k := it.NextBatch(buf); k > 0; k = it.NextBatch(buf) {
			for _, fo := range buf[:k] {
				sum = mix(sum, fo)
			}
			count += uint64(k)
		}
		check(m.name+" NextBatch", count, sum)

		count, sum = 0, 0
		for fo, err := range f.FolioSeq(m.mem) {
			if err != nil {
				t.Fatal(err)
			}
			sum = mix(sum, fo)
			count++
		}
		check(m.name+" FolioSeq", count, sum)
	}
	// Breaking out early is fine.
	count := 0
	for range f.FolioSeq(img) {
		if count++; count == 10 {
			break
		}
	}
	if fo, err := f.FolioAt(noViewer{img}, 765432); err != nil || fo != varied(765432) {
		t.Fatalf("FolioAt = %+v, %v", fo, err)
	}
	if found := f.Check(img); len(found) != 0 {
		t.Fatalf("findings: %v", found[:min(3, len(found))])
	}
}

// TestStreamBound checks that an area bigger than nr_folios yields
// exactly nr_folios records.
func TestStreamBound(t *testing.T) {
	s := encodeState(t, 0x100000, &File{Size: 1 << 30}, []Folio{synth(0), synth(1), synth(2)}, M1)
	serLayouts[M1].nrFolios.PutUint(s.ser(t), 2)
	f := s.decode(t)
	if got := collect(t, f, s.img); len(got) != 2 {
		t.Fatalf("%d records", len(got))
	}
	serLayouts[M1].nrFolios.PutUint(s.ser(t), 256) // the whole block
	f = s.decode(t)
	if got := collect(t, f, s.img); len(got) != 256 || got[3] != (Folio{}) {
		t.Fatalf("%d records, [3] = %+v", len(got), got[3])
	}
}

const benchFolios = 1 << 20

func BenchmarkFolioStream(b *testing.B) { benchStream(b, benchFolios) }

// BenchmarkFolioStreamLarge streams 2^24 records (16.7 million folios, a
// 64 GiB memfd of order-0 folios; 256 MiB of records), beyond any cache.
func BenchmarkFolioStreamLarge(b *testing.B) { benchStream(b, 1<<24) }

func benchStream(b *testing.B, n uint64) {
	img, f := bigState(b, n, M1)
	size := int64(n * recordSize)
	b.Run("Next", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			var sum uint64
			it := f.Iter(img)
			for it.Next() {
				fo := it.Folio()
				sum += fo.PFN ^ fo.Index ^ uint64(fo.Flags)
			}
			if it.Err() != nil || sum == 0 {
				b.Fatal(it.Err())
			}
		}
	})
	b.Run("NextBatch", func(b *testing.B) {
		b.SetBytes(size)
		buf := make([]Folio, 256)
		for b.Loop() {
			var sum uint64
			it := f.Iter(img)
			for k := it.NextBatch(buf); k > 0; k = it.NextBatch(buf) {
				for _, fo := range buf[:k] {
					sum += fo.PFN ^ fo.Index ^ uint64(fo.Flags)
				}
			}
			if it.Err() != nil || sum == 0 {
				b.Fatal(it.Err())
			}
		}
	})
	b.Run("FolioSeq", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			var sum uint64
			for fo, err := range f.FolioSeq(img) {
				if err != nil {
					b.Fatal(err)
				}
				sum += fo.PFN ^ fo.Index ^ uint64(fo.Flags)
			}
			if sum == 0 {
				b.Fatal("no records")
			}
		}
	})
	b.Run("Copying", func(b *testing.B) {
		b.SetBytes(size)
		m := noViewer{img}
		for b.Loop() {
			var sum uint64
			it := f.Iter(m)
			for it.Next() {
				fo := it.Folio()
				sum += fo.PFN ^ fo.Index ^ uint64(fo.Flags)
			}
			if it.Err() != nil || sum == 0 {
				b.Fatal(it.Err())
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.Table(img); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMemcpyBaseline copies the same record bytes, block by block,
// from the same image into one buffer: the floor a streaming decoder is
// compared with.
func BenchmarkMemcpyBaseline(b *testing.B) { benchMemcpy(b, benchFolios) }

// BenchmarkMemcpyBaselineLarge is the baseline for BenchmarkFolioStreamLarge.
func BenchmarkMemcpyBaselineLarge(b *testing.B) { benchMemcpy(b, 1<<24) }

func benchMemcpy(b *testing.B, n uint64) {
	img, f := bigState(b, n, M1)
	t, err := f.Table(img)
	if err != nil {
		b.Fatal(err)
	}
	views := make([][]byte, len(t.segs))
	for i, pa := range t.segs {
		views[i], _ = img.View(pa, t.segLen)
	}
	dst := make([]byte, n*recordSize)
	copy(dst, views[0])
	for off := 0; off < len(dst); off += pageSize {
		dst[off] = 1 // fault the pages in before timing
	}
	b.SetBytes(int64(n * recordSize))
	for b.Loop() {
		off := 0
		for _, v := range views {
			off += copy(dst[off:], v)
		}
	}
}

// TestIteratorMix interleaves Next and NextBatch and checks Pos and Folio.
func TestIteratorMix(t *testing.T) {
	img, f := bigState(t, 3000, M1)
	it := f.Iter(img)
	if it.Folio() != (Folio{}) || it.Pos() != 0 {
		t.Fatal("fresh iterator has a record")
	}
	var pos uint64
	buf := make([]Folio, 700)
	for step := 0; ; step++ {
		if step%3 == 2 {
			k := it.NextBatch(buf[:step%700+1])
			if k == 0 {
				break
			}
			for j, fo := range buf[:k] {
				if fo != varied(pos+uint64(j)) {
					t.Fatalf("batch record %d = %+v", pos+uint64(j), fo)
				}
			}
			pos += uint64(k)
		} else {
			if !it.Next() {
				break
			}
			pos++
		}
		if it.Pos() != pos || it.Folio() != varied(pos-1) {
			t.Fatalf("step %d: Pos %d Folio %+v, want %d %+v", step, it.Pos(), it.Folio(), pos, varied(pos-1))
		}
	}
	if pos != 3000 || it.Err() != nil || it.Next() || it.NextBatch(buf) != 0 {
		t.Fatalf("ended at %d: %v", pos, it.Err())
	}
}
