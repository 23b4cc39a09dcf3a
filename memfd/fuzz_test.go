package memfd

import (
	"errors"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzBase is where FuzzDecode places its bytes; the descriptor is the
// first byte.
const fuzzBase = 0x10000

// fuzzCompats are the handler strings a seed's selector byte picks from.
var fuzzCompats = []string{"memfd-v1", "memfd-v2", "memfd-v2;vmalloc-v1", "memfd", "memfd-v3"}

func compatSel(c string) byte {
	for i, s := range fuzzCompats {
		if s == c {
			return byte(i)
		}
	}
	panic(c)
}

type seed struct {
	name string
	sel  byte
	data []byte
}

// flatten returns the image's bytes from fuzzBase to its end.
func flatten(img *phys.Image) []byte {
	rs := img.Ranges()
	out := make([]byte, rs[len(rs)-1].End()-fuzzBase)
	for _, r := range rs {
		b, _ := img.View(r.Start, r.Size)
		copy(out[r.Start-fuzzBase:], b)
	}
	return out
}

// fuzzSeeds builds the seed corpus: one state per generation plus the
// malformed shapes of docs/abi/kernel-rules.md §9.4.
func fuzzSeeds(t testing.TB) []seed {
	mk := func(name, gen abi.Tag, f File, n uint64, mutate func(s *state)) seed {
		folios := make([]Folio, n)
		for i := range folios {
			folios[i] = synth(uint64(i))
		}
		s := encodeState(t, fuzzBase, &f, folios, gen)
		if s.addr != fuzzBase {
			t.Fatalf("%s: descriptor at %#x", name, s.addr)
		}
		if mutate != nil {
			mutate(s)
		}
		c, _ := Compatible(gen)
		return seed{string(name), compatSel(c), flatten(s.img)}
	}
	l := serLayouts[M1]
	return []seed{
		mk("m0", M0, File{Pos: 1, Size: 3 * 4096}, 3, nil),
		mk("m0-nr-folios", M0, File{Size: 2 * 4096, FDT: &FDTInfo{HasNrFolios: true}}, 2, nil),
		mk("m1", M1, File{Pos: 5, Size: 3 * 4096}, 3, nil),
		mk("m1-empty", M1, File{}, 0, nil),
		mk("m1-two-blocks", M1, File{Size: 300 * 4096}, 300, nil),
		mk("m2b-seals", M2b, File{Size: 4096, Seals: 0x1f}, 1, nil),
		mk("m2b-flags", M2b, File{Size: 4096, Seals: 0x1, Flags: 1}, 1, nil),
		mk("m3", M3, File{Size: 2 * 4096, Seals: 0x8}, 2, nil),
		mk("m4", M4, File{Size: 2 * 4096, Seals: 0x4}, 2, nil),
		mk("m1-nr-folios-past-area", M1, File{Size: 1 << 30}, 3, func(s *state) {
			l.nrFolios.PutUint(s.ser(t), 300)
		}),
		mk("m1-chunk-cycle", M1, File{Size: 4096}, 1, func(s *state) {
			c := s.area(t).Chunks[0].Addr
			vmChunkNext.PutUint(s.bytesAt(t, c, pageSize), c)
		}),
		mk("m1-order-70", M1, File{Size: 4096}, 1, func(s *state) {
			s.ser(t)[l.folios.Offset+14] = 70
		}),
		mk("m1-total-pages-max", M1, File{Size: 4096}, 1, func(s *state) {
			put64(s.ser(t), l.folios.Offset+8, 0xffffffff)
		}),
		{"unknown-compat", compatSel("memfd-v3"), make([]byte, 64)},
	}
}

// TestFuzzSeedFiles keeps testdata/fuzz/FuzzDecode in step with the
// encoder: MEMFD_WRITE_SEEDS=1 rewrites the files, otherwise each must
// exist with the current values.
func TestFuzzSeedFiles(t *testing.T) {
	seeds := map[string][]any{}
	for _, s := range fuzzSeeds(t) {
		seeds["FuzzDecode/"+s.name] = []any{s.sel, s.data}
	}
	testutil.WriteSeeds(t, "MEMFD_WRITE_SEEDS", testutil.SeedsCurrent, seeds)
}

func FuzzDecode(f *testing.F) {
	f.Add(compatSel("memfd-v2"), make([]byte, 48))
	f.Fuzz(func(t *testing.T, sel byte, data []byte) {
		img := phys.NewImage()
		if len(data) > 0 {
			img.Add(fuzzBase, data)
		}
		compat := fuzzCompats[int(sel)%len(fuzzCompats)]
		file, err := Decode(img, fuzzBase, compat, "fuzz")
		if err != nil {
			mustPhys(t, err)
			mustCheck(t, err, nil)
			return
		}
		ke := areaErr(img, file)
		for _, e := range file.CheckDescriptor() {
			mustPhys(t, e)
			mustCheck(t, e, nil)
		}
		if tab, err := file.Table(img); err != nil {
			mustPhys(t, err)
			mustCheck(t, err, ke)
		} else {
			var n uint64
			var last Folio
			it := tab.Iter()
			for it.Next() {
				last = it.Folio()
				n++
			}
			if it.Err() != nil || n != file.NrFolios {
				t.Fatalf("%d of %d records: %v", n, file.NrFolios, it.Err())
			}
			if n > 0 {
				if fo, err := tab.At(n - 1); err != nil || fo != last {
					t.Fatalf("At(%d) = %+v, %v; iterator gave %+v", n-1, fo, err, last)
				}
			}
			if _, err := tab.At(n); err == nil {
				t.Fatal("At past the end succeeded")
			}
		}
		for _, e := range file.Check(img) {
			mustPhys(t, e)
			mustCheck(t, e, ke)
		}
	})
}

// mustCheck fails unless err carries a memfd check, is unresolved memory,
// or is khoErr, the error kho itself gives for the folio area.
func mustCheck(t *testing.T, err, khoErr error) {
	t.Helper()
	var pe *phys.Error
	if !errors.As(err, &pe) || errors.Is(err, phys.ErrUnresolved) || (khoErr != nil && err.Error() == khoErr.Error()) {
		return
	}
	if !strings.HasPrefix(string(pe.Check), "memfd/") {
		t.Fatalf("error %v carries check %q, want a memfd check", err, pe.Check)
	}
}

func mustPhys(t *testing.T, err error) {
	t.Helper()
	var pe *phys.Error
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Path, "fuzz") {
		t.Fatalf("error %v is not a *phys.Error under the fuzz path", err)
	}
}
