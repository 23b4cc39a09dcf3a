package handover

import (
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzBase is where FuzzWalk places its memory image; the seeds are
// encoded with it as their base, so their pointers land in the image.
const fuzzBase = DefaultBase

// fuzzMaxImage caps the memory image of a FuzzWalk input.
const fuzzMaxImage = 1 << 20

// fuzzMaxFolios caps the folio records FuzzWalk streams per memfd (a
// hostile nr_folios may claim 2^64; the walk itself never iterates).
const fuzzMaxFolios = 1 << 16

// fuzzWalkImage places data at fuzzBase, zero-padded to whole pages (seeds
// leave trailing zeros out) and cut to fuzzMaxImage bytes.
func fuzzWalkImage(data []byte) *phys.Image {
	img := phys.NewImage()
	if len(data) > 0 {
		page := make([]byte, min((len(data)+phys.PageSize-1)&^(phys.PageSize-1), fuzzMaxImage))
		copy(page, data)
		_ = img.Add(fuzzBase, page)
	}
	return img
}

// flatImage returns the bytes of img from fuzzBase to its end, gaps as
// zeros and trailing zeros left out.
func flatImage(tb testing.TB, img *phys.Image) []byte {
	rs := img.Ranges()
	if len(rs) == 0 {
		return nil
	}
	if rs[0].Start < fuzzBase {
		tb.Fatalf("image starts at %#x, below the fuzz base", rs[0].Start)
	}
	b := make([]byte, rs[len(rs)-1].End()-fuzzBase)
	for _, r := range rs {
		if _, err := img.ReadAt(b[r.Start-fuzzBase:r.End()-fuzzBase], r.Start); err != nil {
			tb.Fatal(err)
		}
	}
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// walkSeed is one FuzzWalk seed: an encoded sample's root and memory.
type walkSeed struct {
	name        string
	root, image []byte
}

// walkSeeds encodes every sample at fuzzBase, shrunk so that the seeds
// stay small: folio contents are left out (WithData off), memfds are cut
// to 16 pages, and files past the fourth get another handler's opaque
// payload instead of a memfd (the files, and the block chains they fill,
// stay).
func walkSeeds(tb testing.TB) []walkSeed {
	var out []walkSeed
	for _, name := range SampleNames() {
		spec, err := Sample(name)
		if err != nil {
			tb.Fatal(err)
		}
		spec.Base = fuzzBase
		n := 0
		for i := range spec.Sessions {
			for j := range spec.Sessions[i].Files {
				fs := &spec.Sessions[i].Files[j]
				if m := fs.Memfd; m != nil {
					m.WithData = false
					m.Size = min(m.Size, 16*phys.PageSize)
					if n++; n > 4 && spec.LUO != "L-feat" {
						// Keep the file (and the block chains the files
						// fill), drop its memfd pages.
						fs.Memfd, fs.Handler, fs.Data = nil, "iommufd-v1", uint64(n)
					}
				}
			}
		}
		enc, err := Encode(spec)
		if err != nil {
			tb.Fatal(err)
		}
		img := flatImage(tb, enc.Image)
		if len(img) > fuzzMaxImage {
			tb.Fatalf("sample %s needs %d bytes of image, more than the fuzz cap", name, len(img))
		}
		out = append(out, walkSeed{name, enc.Root, img})
	}
	return out
}

// checkWalkError requires a walk problem to be a *phys.Error wrapping one
// of the sentinels.
func checkWalkError(t *testing.T, err error) {
	t.Helper()
	var pe *phys.Error
	if !errors.As(err, &pe) {
		t.Fatalf("problem %v (%T) is not a *phys.Error", err, err)
	}
	for _, s := range []error{phys.ErrUnresolved, phys.ErrMalformed, phys.ErrCycle, phys.ErrLimit, phys.ErrUnsupported} {
		if errors.Is(pe, s) {
			return
		}
	}
	t.Fatalf("problem %v wraps no phys sentinel", err)
}

// FuzzWalk walks an arbitrary (root FDT, memory image) pair, the image
// placed at fuzzBase: no panic, every problem a classified *phys.Error,
// and the decoded state must describe itself as a spec and stream its
// folio records without panicking.
func FuzzWalk(f *testing.F) {
	for _, s := range walkSeeds(f) {
		f.Add(s.root, s.image)
	}
	f.Fuzz(func(t *testing.T, root, image []byte) {
		img := fuzzWalkImage(image)
		st, err := Walk(root, img, Options{})
		if err != nil {
			if st != nil {
				t.Fatalf("Walk returned a state and an error: %v", err)
			}
			checkWalkError(t, err)
			return
		}
		for _, p := range st.Problems {
			checkWalkError(t, p)
		}
		for _, u := range st.Unresolved() {
			if !errors.Is(u, phys.ErrUnresolved) {
				t.Fatalf("Unresolved() lists %v", u)
			}
		}
		_ = st.Spec(img)
		batch := make([]memfd.Folio, 256)
		for fs := range st.Files() {
			if fs.Memfd == nil {
				continue
			}
			it := fs.Memfd.Iter(img)
			var n uint64
			for k := it.NextBatch(batch); k > 0 && n < fuzzMaxFolios; k = it.NextBatch(batch) {
				n += uint64(k)
			}
			if err := it.Err(); err != nil {
				checkWalkError(t, err)
			}
			for _, e := range fs.Memfd.CheckDescriptor() {
				checkWalkError(t, e)
			}
		}
	})
}

// FuzzParseSpec parses arbitrary YAML/JSON as a spec; a spec that parses,
// passes CheckCombination and is small must encode without panicking, and
// what it encodes must walk without an error.
func FuzzParseSpec(f *testing.F) {
	for _, name := range SampleNames() {
		b, err := sampleFiles.ReadFile("samples/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"kho": "K4", "luo": "L-luo-v5", "memfd": "M2b", "sessions": [{"name": "a", "files": [{"token": 1, "memfd": {"size": 4096}}]}]}`))
	f.Add([]byte("kho: K1a\nmemblock: [{name: x, start: 0x1000, size: 0x1000}]\n"))
	f.Add([]byte("kho: K3\nkexec_metadata: {previous_release: 6.19.0, kexec_count: 2}\n"))
	f.Add([]byte("kho: K4\nluo: L-feat\nmemfd: M4\nsessions: [{name: s, files: [{token: 1, handler: x, data: 7}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseSpec(data)
		if err != nil {
			return
		}
		if CheckCombination(spec.KHO, spec.LUO, spec.Memfd) != nil || !smallSpec(spec) {
			return
		}
		enc, err := Encode(spec)
		if err != nil {
			return
		}
		if _, err := Walk(enc.Root, enc.Image, Options{}); err != nil {
			t.Fatalf("encoded spec does not walk: %v", err)
		}
	})
}

// smallSpec bounds what FuzzParseSpec encodes: few objects, few pages, and
// memblock regions that split into few blocks.
func smallSpec(s *Spec) bool {
	const maxObjects, maxPages = 64, 256
	if s.Base > 1<<50 {
		return false
	}
	objects := len(s.Sessions) + len(s.FLBs) + len(s.Memblock)
	var pages uint64
	for _, ss := range s.Sessions {
		objects += len(ss.Files)
		for _, fs := range ss.Files {
			if m := fs.Memfd; m != nil {
				if m.Folios > maxPages || m.Size > maxPages*phys.PageSize {
					return false
				}
				pages += m.folioCount()
			}
		}
	}
	for _, r := range s.Memblock {
		// alignedBlocks emits up to two blocks per address bit.
		if r.Start%phys.PageSize != 0 || r.Size%phys.PageSize != 0 || r.Start+r.Size < r.Start {
			return false
		}
	}
	return objects <= maxObjects && pages <= maxPages
}

// seedImageCut is how much of each sample's image the committed FuzzWalk
// seeds keep. The whole images (up to 300 KiB, mostly zeros: 1 MiB of
// corpus text each) are added by f.Add at run time; the committed seeds
// are the same roots over truncated images, whose reads past the cut must
// come back unresolved.
const seedImageCut = 2 * phys.PageSize

// TestWriteWalkFuzzSeeds rewrites the committed seed corpora of FuzzWalk
// and FuzzParseSpec when HANDOVER_WRITE_FUZZ_SEEDS=1, and otherwise
// checks that they are present. (Their bytes follow the encoders, which
// change; a seed from an older encoder is still a good seed.)
func TestWriteWalkFuzzSeeds(t *testing.T) {
	seeds := map[string][]any{}
	for _, s := range walkSeeds(t) {
		img := s.image[:min(len(s.image), seedImageCut)]
		seeds["FuzzWalk/"+s.name+"-cut"] = []any{s.root, img}
	}
	for _, name := range SampleNames() {
		b, _ := sampleFiles.ReadFile("samples/" + name + ".yaml")
		seeds["FuzzParseSpec/"+name] = []any{b}
	}
	testutil.WriteSeeds(t, "HANDOVER_WRITE_FUZZ_SEEDS", testutil.SeedsPresent, seeds)
}
