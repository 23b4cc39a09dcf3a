package kho

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzBase is where the memory-map fuzz targets place their input.
const fuzzBase = 0x100000

// fuzzPages caps the memory-map fuzz input, in pages.
const fuzzPages = 8

// fuzzImage places data at fuzzBase, zero-padded to whole pages (so seeds
// can leave trailing zeros out) and cut to fuzzPages pages.
func fuzzImage(data []byte) *phys.Image {
	img := phys.NewImage()
	if len(data) > 0 {
		n := min((len(data)+4095)&^4095, fuzzPages*4096)
		page := make([]byte, n)
		copy(page, data)
		img.Add(fuzzBase, page)
	}
	return img
}

// checkPhysError checks a decoder's error: a *phys.Error or an
// errors.Join of them, each naming its check unless it is about
// unresolved memory.
func checkPhysError(t *testing.T, err error) {
	t.Helper()
	var pe *phys.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *phys.Error", err, err)
	}
	checkProblems(t, err)
}

// checkBlocks walks a decoded map and checks every block against an index
// of the same blocks.
func checkBlocks(t *testing.T, mm Memmap) {
	t.Helper()
	blocks := slices.Collect(mm.Blocks())
	p := NewPreserved(slices.Values(blocks))
	for _, b := range blocks {
		if got, ok := p.Contains(b.Addr); !ok || got.Addr > b.Addr {
			t.Fatalf("Contains(%#x) = %v, %v", b.Addr, got, ok)
		}
		if _, ok := p.Head(b.Addr); !ok {
			t.Fatalf("Head(%#x) misses", b.Addr)
		}
	}
}

// FuzzDecodeRoot decodes arbitrary bytes as a KHO root; what decodes must
// encode and decode again to the same clients.
func FuzzDecodeRoot(f *testing.F) {
	for _, s := range rootSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		r, err := DecodeRoot(blob)
		if err != nil {
			checkPhysError(t, err)
			if r == nil {
				return
			}
			// A partial root: every client's Err is among the problems.
			listed := map[*phys.Error]bool{}
			for _, pe := range phys.Flatten(err, "") {
				listed[pe] = true
			}
			for _, s := range r.Subtrees {
				if s.Err != nil && !listed[s.Err] && len(listed) < maxProblems {
					t.Fatalf("client %q: Err %v is not in the returned error", s.Name, s.Err)
				}
			}
			r.Generations()
			return
		}
		again, _, err := EncodeRoot(r)
		if err != nil {
			return // e.g. a client name libfdt's read-write mode refuses
		}
		r2, err := DecodeRoot(again)
		if err != nil {
			t.Fatalf("re-encoded root does not decode: %v", err)
		}
		if len(r2.Subtrees) != len(r.Subtrees) || r2.MemoryMap != r.MemoryMap || r2.Compatible != r.Compatible {
			t.Fatalf("round trip changed the root: %+v -> %+v", r, r2)
		}
		for i := range r.Subtrees {
			if a, b := r.Subtrees[i], r2.Subtrees[i]; a.Name != b.Name || a.Addr != b.Addr || a.Size != b.Size || a.HasSize != b.HasSize {
				t.Fatalf("client %d changed: %+v -> %+v", i, a, b)
			}
		}
	})
}

// FuzzMemmapV1 decodes a kho-v1 map from the input: byte 0 picks the tag
// ("" auto, K1a, K1b), byte 1 the page of the first chunk, the rest is
// memory at fuzzBase.
func FuzzMemmapV1(f *testing.F) {
	for _, s := range v1Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		tag := []string{"", "K1a", "K1b"}[data[0]%3]
		pa := fuzzBase + uint64(data[1]%fuzzPages)*4096
		mm, err := DecodeMemmapV1(fuzzImage(data[2:]), pa, abi.Tag(tag))
		if err != nil {
			checkPhysError(t, err)
		}
		if mm == nil {
			t.Fatalf("no map (%v)", err)
		}
		checkBlocks(t, mm) // what a partial map holds must be valid too
	})
}

// FuzzMemmapRadix decodes a radix map from the input: byte 0 picks the
// page of the root, the rest is memory at fuzzBase.
func FuzzMemmapRadix(f *testing.F) {
	for _, s := range radixSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		pa := fuzzBase + uint64(data[0]%fuzzPages)*4096
		mm, err := DecodeMemmapRadix(fuzzImage(data[1:]), pa)
		if err != nil {
			checkPhysError(t, err)
		}
		if mm == nil {
			t.Fatalf("no map (%v)", err)
		}
		checkBlocks(t, mm) // what a partial map holds must be valid too
	})
}

func rootSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, tag := range []string{"K1a", "K1b", "K3", "K-RFC-compat"} {
		r, err := NewRoot(abi.Tag(tag), 0x116be4000)
		if err != nil {
			tb.Fatal(err)
		}
		r.AddSubtree("memblock", 0x2000, 210)
		r.AddSubtree("LUO", 0x3000, 236)
		blob, _, err := EncodeRoot(r)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, blob)
	}
	return out
}

// imageBytes returns the bytes from fuzzBase to the end of img, with
// trailing zeros left out.
func imageBytes(tb testing.TB, img *phys.Image) []byte {
	rs := img.Ranges()
	end := rs[len(rs)-1].End()
	b := make([]byte, end-fuzzBase)
	if _, err := img.ReadAt(b, fuzzBase); err != nil {
		tb.Fatal(err)
	}
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func v1Seeds(tb testing.TB) [][]byte {
	blocks := []phys.Block{blk(0x116be4000, 0), blk(0x116be5000, 0), blk(0x2000, 1), blk(0x40000000, 9)}
	var out [][]byte
	for i, tag := range []string{"K1a", "K1b"} {
		img := phys.NewImage()
		pa, err := EncodeMemmapV1(phys.NewAllocator(img, fuzzBase), blocks, abi.Tag(tag))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, append([]byte{byte(i + 1), byte((pa - fuzzBase) / 4096)}, imageBytes(tb, img)...))
	}
	// The K1b map, auto-detected, with its first chunk pointing at itself.
	cyc := slices.Clone(out[1])
	cyc[0] = 0
	first := 2 + int(cyc[1])*4096
	binary.LittleEndian.PutUint64(cyc[first:], fuzzBase+uint64(cyc[1])*4096) // next = first chunk
	return append(out, cyc)
}

func radixSeeds(tb testing.TB) [][]byte {
	img := phys.NewImage()
	root, err := EncodeMemmapRadix(phys.NewAllocator(img, fuzzBase), []phys.Block{blk(0, 0), blk(0x1000, 0), blk(0x7000, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	valid := append([]byte{byte((root - fuzzBase) / 4096)}, imageBytes(tb, img)...)
	bad := slices.Clone(valid)
	bad[1+4*8] = 0x10 // root.table[4]: keys above the order-0 marker
	return [][]byte{valid, bad}
}

func firstLast(s [][]byte) [][]byte { return [][]byte{s[0], s[len(s)-1]} }

// TestWriteFuzzSeeds rewrites the committed seed corpus under
// testdata/fuzz when KHO_WRITE_FUZZ_SEEDS=1, and otherwise checks that it
// is there.
func TestWriteFuzzSeeds(t *testing.T) {
	testutil.WriteSeeds(t, "KHO_WRITE_FUZZ_SEEDS", testutil.SeedsPresent, numberedSeeds(map[string][][]byte{
		"FuzzDecodeRoot": rootSeeds(t),
		// The memory-map seeds are mostly zero pages; f.Add covers the
		// rest, so only the first and the last (malformed) are committed.
		"FuzzMemmapV1":    firstLast(v1Seeds(t)),
		"FuzzMemmapRadix": firstLast(radixSeeds(t))[1:],
	}))
}

// numberedSeeds names each fuzz target's seeds seed-0, seed-1… in the
// target's corpus directory, for testutil.WriteSeeds.
func numberedSeeds(targets map[string][][]byte) map[string][]any {
	seeds := map[string][]any{}
	for target, data := range targets {
		for i, s := range data {
			seeds[fmt.Sprintf("%s/seed-%d", target, i)] = []any{s}
		}
	}
	return seeds
}
