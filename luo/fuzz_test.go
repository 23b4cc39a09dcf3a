package luo

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzWorld is a small fixed memory image holding one encoded state per
// generation; the fuzz targets mutate LUO blobs that point into it.
var fuzzWorld = sync.OnceValues(func() (*phys.Image, map[string][]byte) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	blobs := map[string][]byte{}
	for _, tag := range Generations() {
		s := smallState(tag, 2, flbs[:1])
		blob, _, err := Encode(a, &s, tag)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", tag, err))
		}
		blobs[string(tag)] = blob
	}
	return img, blobs
})

// smallState is a state every generation gen can hold: n sessions of
// 2, 1, 0… files (name-only sessions for L-6.19-pre, one global file for
// L-RFC) and the FLBs where the layout has them.
func smallState(gen abi.Tag, n int, withFLBs []FLB) State {
	s := State{LiveupdateNumber: 1, Sessions: sample(n, func(i int) int { return 2 - i }, gen == TagFeat)}
	switch gen {
	case TagRFC:
		s = State{Subsystems: []Subsystem{{"iommu", 0x2000}}, Files: []File{{Compatible: "memfd-v1", Token: 0x2a, Data: 0x3000}}}
	case TagV4:
		s.LiveupdateNumber = 0
	case Tag619Pre:
		s.Sessions = sample(2, func(int) int { return 0 }, false)
	case TagFeat:
		s.Features = &Features{7, 7, 7}
	}
	if layouts[abi.Tag(gen)].flb != nil {
		s.FLBs = withFLBs
	}
	return s
}

// patchImage writes patch[4:] (at most 256 bytes) into the image at the
// offset in patch[0:4], counted across the image's segments, and returns
// a function that restores the old bytes.
func patchImage(img *phys.Image, patch []byte) func() {
	if len(patch) < 5 {
		return func() {}
	}
	data := patch[4:min(len(patch), 4+256)]
	var total uint64
	for _, r := range img.Ranges() {
		total += r.Size
	}
	off := uint64(binary.LittleEndian.Uint32(patch)) % total
	for _, r := range img.Ranges() {
		if off >= r.Size {
			off -= r.Size
			continue
		}
		n := min(uint64(len(data)), r.Size-off)
		b, _ := img.View(r.Start+off, n)
		old := append([]byte(nil), b...)
		copy(b, data)
		return func() { copy(b, old) }
	}
	return func() {}
}

func genFor(sel uint8) abi.Tag {
	if sel == 0 {
		return ""
	}
	g := Generations()
	return g[int(sel-1)%len(g)]
}

func FuzzDecode(f *testing.F) {
	_, blobs := fuzzWorld()
	for i, tag := range Generations() {
		f.Add(blobs[string(tag)], []byte(nil), uint8(0))
		f.Add(blobs[string(tag)], []byte(nil), uint8(i+1))
	}
	f.Fuzz(func(t *testing.T, blob, patch []byte, sel uint8) {
		img, _ := fuzzWorld()
		defer patchImage(img, patch)()
		gen := genFor(sel)
		st, err := Decode(img, blob, abi.Tag(gen))
		checkProblems(t, err)
		if gen != "" && st == nil {
			t.Fatalf("asked for %s, got no state (%v)", gen, err)
		}
		if st == nil {
			if err == nil {
				t.Fatal("no state and no error")
			}
			return
		}
		if gen != "" && st.Generation != gen {
			t.Fatalf("asked for %s, got %s", gen, st.Generation)
		}
		if err != nil {
			return
		}
		if st.Generation == TagV6 {
			return // the 80/88 stride choice is heuristic
		}
		want := st.Content()
		a := phys.NewAllocator(phys.NewImage(), 0x100000)
		out, _, err := Encode(a, want, st.Generation)
		if err != nil {
			return // e.g. a subsystem named like the one Encode owns
		}
		got, err := Decode(a.Image, out, st.Generation)
		if err != nil {
			t.Fatalf("re-encoded %s state does not decode: %v", st.Generation, err)
		}
		if !reflect.DeepEqual(got.Content(), want) {
			t.Fatalf("re-encoded %s state differs:\n got %+v\nwant %+v", st.Generation, got.Content(), want)
		}
	})
}

func FuzzDetect(f *testing.F) {
	_, blobs := fuzzWorld()
	for _, tag := range Generations() {
		f.Add(blobs[string(tag)], []byte(nil))
	}
	f.Fuzz(func(t *testing.T, blob, patch []byte) {
		img, _ := fuzzWorld()
		defer patchImage(img, patch)()
		det, err := Detect(blob, img, "")
		if err != nil {
			if _, ok := err.(*phys.Error); !ok {
				t.Fatalf("error %v is %T, not *phys.Error", err, err)
			}
			checkProblems(t, err)
			if det.Tag != "" {
				t.Fatalf("Detect failed (%v) but names %q", err, det.Tag)
			}
			return
		}
		if _, ok := layouts[det.Tag]; !ok || len(det.Evidence) == 0 || det.Confidence == "" {
			t.Fatalf("Detect = %+v", det)
		}
		if det.Confidence == abi.Low && det.Tag != TagFeat && len(det.Alternatives) == 0 &&
			len(det.Conflicts) == 0 {
			t.Fatalf("low confidence without alternatives or conflicts: %+v", det)
		}
		for _, k := range []string{"K1b", "K2", "K4"} {
			if d, err := Detect(blob, img, abi.Tag(k)); err != nil || d.Tag == "" {
				t.Fatalf("Detect with KHO %s fails (%v) where it succeeds without", k, err)
			}
		}
	})
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/<Target>/ when
// LUO_WRITE_SEEDS=1; otherwise it checks the committed seeds hold the
// current values.
func TestWriteFuzzSeeds(t *testing.T) {
	_, blobs := fuzzWorld()
	seeds := map[string][]any{}
	for i, tag := range Generations() {
		seeds["FuzzDecode/detect-"+string(tag)] = []any{blobs[string(tag)], []byte(nil), uint8(0)}
		seeds["FuzzDecode/explicit-"+string(tag)] = []any{blobs[string(tag)], []byte(nil), uint8(i + 1)}
		seeds["FuzzDetect/"+string(tag)] = []any{blobs[string(tag)], []byte(nil)}
	}
	testutil.WriteSeeds(t, "LUO_WRITE_SEEDS", testutil.SeedsCurrent, seeds)
}
