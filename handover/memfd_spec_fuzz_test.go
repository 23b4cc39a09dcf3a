package handover

import (
	"encoding/base64"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
	"gopkg.in/yaml.v3"
)

// imageSource makes the fuzz image a content source.
type imageSource struct{ phys.Memory }

func (imageSource) Close() error { return nil }

// fuzzSpecMaxFolios bounds the folios FuzzSpecWith encodes again.
const fuzzSpecMaxFolios = 1 << 16

// FuzzSpecWith takes the spec of an arbitrary walked state with its
// contents resolved (embedded, or referenced to the image itself), writes
// it as YAML, reads it back and encodes it: no panic, the YAML always
// reads back, and a spec that encodes reads through Memory.
func FuzzSpecWith(f *testing.F) {
	for _, s := range walkSeeds(f) {
		f.Add(s.root, s.image)
	}
	zeros := ""
	spec := &Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", Base: fuzzBase, Sessions: []SessionSpec{{Name: "s", Files: []FileSpec{
		{Token: 1, Memfd: &MemfdSpec{Size: 6 << 12, WithData: true, FolioRuns: FolioRuns{{Count: 1, Order: 2}, {Index: 5, Count: 1, Flags: []string{"0x4"}}}}},
		{Token: 2, Memfd: &MemfdSpec{Size: 100, FolioRuns: FolioRuns{{Count: 1}}, Contents: &ContentsSpec{Base64: &zeros}}},
		{Token: 3, Memfd: &MemfdSpec{Size: 3 << 12, FolioRuns: FolioRuns{{Count: 1}, {Index: 2, Count: 1}},
			Contents: &ContentsSpec{Base64: ptrTo(base64.StdEncoding.EncodeToString([]byte("seed")))}}},
	}}}}
	enc, err := Encode(spec)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc.Root, flatMemory(f, enc.Memory()))
	f.Fuzz(func(t *testing.T, root, image []byte) {
		img := fuzzWalkImage(image)
		st, err := Walk(root, img, Options{})
		if err != nil || st.Detection.KHO.Tag == "" {
			return // no generation to name: not a spec
		}
		spec := st.SpecWith(img, SpecOptions{Source: "image", EmbedLimit: 8 << 10})
		text, err := yaml.Marshal(spec)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParseSpec(text)
		if err != nil {
			t.Fatalf("the spec does not read back: %v\n%s", err, text)
		}
		var folios uint64
		for fs := range st.Files() {
			if fs.Memfd != nil {
				folios += min(fs.Memfd.NrFolios, fuzzSpecMaxFolios+1)
			}
		}
		if folios > fuzzSpecMaxFolios {
			return
		}
		enc, err := EncodeWith(back, EncodeOptions{Open: func(string) (ContentSource, error) { return imageSource{img}, nil }})
		if err != nil {
			return
		}
		defer enc.Close()
		m := enc.Memory()
		for _, r := range m.Ranges() {
			b := make([]byte, min(r.Size, 1<<16))
			if _, err := m.ReadAt(b, r.Start); err != nil {
				t.Fatalf("encoded memory 0x%x: %v", r.Start, err)
			}
		}
	})
}

func ptrTo(s string) *string { return &s }

// flatMemory is flatImage for any memory of an encoding at fuzzBase.
func flatMemory(tb testing.TB, m phys.Memory) []byte {
	img := phys.NewImage()
	for _, r := range m.Ranges() {
		b := make([]byte, r.Size)
		if _, err := m.ReadAt(b, r.Start); err != nil {
			tb.Fatal(err)
		}
		img.Add(r.Start, b)
	}
	return flatImage(tb, img)
}
