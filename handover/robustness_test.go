package handover

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// TestWalkTruncatedImage walks every sample over images cut at a series of
// addresses: the walk must not fail (the root is intact), and every
// problem must be an unresolved read with its path and address, never a
// structure decoded from bytes the source does not hold.
func TestWalkTruncatedImage(t *testing.T) {
	for _, s := range walkSeeds(t) {
		full := fuzzWalkImage(s.image)
		clean, err := Walk(s.root, full, Options{})
		if err != nil || len(clean.Problems) != 0 {
			t.Fatalf("%s: clean walk: %v %v", s.name, err, clean.Problems)
		}
		// From a page and a half on: over an empty source the map decoders
		// report ErrLimit (their page budget is 0) before they try a read.
		for cut := 3 * phys.PageSize / 2; cut < len(s.image); cut += 3 * phys.PageSize / 2 {
			img := phys.NewImage()
			_ = img.Add(fuzzBase, s.image[:cut])
			st, err := Walk(s.root, img, Options{})
			if err != nil {
				t.Fatalf("%s cut at %#x: %v", s.name, cut, err)
			}
			if len(st.Problems) == 0 {
				continue // the cut left out nothing the walk reads
			}
			for _, p := range st.Problems {
				if !errors.Is(p, phys.ErrUnresolved) {
					t.Errorf("%s cut at %#x: %v is not unresolved", s.name, cut, p)
				}
				if p.Addr != phys.NoAddr && p.Addr < fuzzBase+uint64(cut) && p.Path == "" {
					t.Errorf("%s cut at %#x: %v names no path", s.name, cut, p)
				}
			}
			if len(st.Unresolved()) != len(st.Problems) {
				t.Errorf("%s cut at %#x: Unresolved() lists %d of %d", s.name, cut, len(st.Unresolved()), len(st.Problems))
			}
		}
	}
}

// selfPointing is an image of n pages at fuzzBase whose every u64 is an
// address inside it: each pointer the walk follows leads somewhere
// readable, so every chain runs until a cap or a cycle stops it.
func selfPointing(n int) []byte {
	b := make([]byte, n*phys.PageSize)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], fuzzBase+uint64((i*7919)%len(b))&^7)
	}
	// Keep counts small enough to look plausible to every decoder.
	for i := 8; i < len(b); i += 64 {
		binary.LittleEndian.PutUint64(b[i:], uint64(i%200)+1)
	}
	return b
}

// TestBoundsWalk walks every sample's root over a 1 MiB image of pointers
// into itself: no panic, and allocations within a small multiple of the
// image.
func TestBoundsWalk(t *testing.T) {
	mem := selfPointing(256)
	img := fuzzWalkImage(mem)
	for _, s := range walkSeeds(t) {
		var st *State
		var err error
		got := testutil.Allocated(func() { st, err = Walk(s.root, img, Options{}) })
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if limit := testutil.AllocBound(len(mem)); got > limit {
			t.Errorf("%s: %d bytes allocated for a %d-byte image", s.name, got, len(mem))
		}
		t.Logf("%s: %d problems, %d bytes allocated", s.name, len(st.Problems), got)
	}
}

// BenchmarkAdversarialWalk walks the k4-luov5-m2b root over a 1 MiB image
// of pointers into itself.
func BenchmarkAdversarialWalk(b *testing.B) {
	var root []byte
	for _, s := range walkSeeds(b) {
		if s.name == "k4-luov5-m2b" {
			root = s.root
		}
	}
	mem := selfPointing(256)
	img := fuzzWalkImage(mem)
	b.SetBytes(int64(len(mem)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Walk(root, img, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdversarialFuzzSeeds walks every sample over its own image:
// the baseline for BenchmarkAdversarialWalk.
func BenchmarkAdversarialFuzzSeeds(b *testing.B) {
	seeds := walkSeeds(b)
	imgs := make([]*phys.Image, len(seeds))
	for i, s := range seeds {
		imgs[i] = fuzzWalkImage(s.image)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, s := range seeds {
			if _, err := Walk(s.root, imgs[i], Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
