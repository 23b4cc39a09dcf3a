package handover

import (
	"errors"
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

// TestSamplesRoundTrip encodes every sample, walks the result and requires
// the decoded state to describe the same spec, with every generation
// detected as the spec named it.
func TestSamplesRoundTrip(t *testing.T) {
	for _, name := range SampleNames() {
		t.Run(name, func(t *testing.T) {
			spec, err := Sample(name)
			if err != nil {
				t.Fatal(err)
			}
			spec.Normalize()
			enc, err := Encode(spec)
			if err != nil {
				t.Fatal(err)
			}
			st, err := Walk(enc.Root, enc.Image, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range st.Problems {
				t.Errorf("problem: %v", p)
			}
			got := st.Spec(enc.Image)
			got.Name, got.Description, got.Base = spec.Name, spec.Description, spec.Base
			if !reflect.DeepEqual(got, spec) {
				a, _ := got.JSON()
				b, _ := spec.JSON()
				t.Fatalf("decoded spec differs:\n%s\nwant\n%s", a, b)
			}
			d := st.Detection
			if d.KHO.Tag != spec.KHO || d.LUO.Tag != spec.LUO || d.Memfd.Tag != spec.Memfd {
				t.Errorf("detected %s/%s/%s (%v / %v / %v)", d.KHO.Tag, d.LUO.Tag, d.Memfd.Tag, d.KHO.Evidence, d.LUO.Evidence, d.Memfd.Evidence)
			}
			if st.Preserved == nil || st.Preserved.Len() != len(enc.Preserved) {
				t.Errorf("preserved map: %v", st.Preserved)
			}
		})
	}
}

// TestWalkUnresolved drops the memory of one memfd's folio array and
// requires a visible unresolved problem with its path, not a failed walk.
func TestWalkUnresolved(t *testing.T) {
	spec, _ := Sample("k1b-l619-m1")
	enc, err := Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Walk(enc.Root, enc.Image, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := st.Sessions[0].Files[0].Memfd
	hole := phys.NewImage()
	for _, r := range enc.Image.Ranges() {
		if r.Start == f.Addr {
			continue // the memfd descriptor page
		}
		b, _ := enc.Image.View(r.Start, r.Size)
		hole.Add(r.Start, b)
	}
	st, err = Walk(enc.Root, hole, Options{})
	if err != nil {
		t.Fatal(err)
	}
	un := st.Unresolved()
	if len(un) != 1 || un[0].Path != "LUO/sessions[0].files[0].data" || un[0].Addr != f.Addr || !errors.Is(un[0], phys.ErrUnresolved) {
		t.Fatalf("unresolved = %v", un)
	}
	if st.Sessions[0].Files[1].Memfd == nil || st.LUO == nil {
		t.Error("the rest of the state was not walked")
	}
}
