package statediff

import (
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
)

// walkSpec encodes a spec the way the kernel would and walks the result.
func walkSpec(t testing.TB, name string, spec *handover.Spec) Input {
	t.Helper()
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatalf("%s: encode: %v", name, err)
	}
	st, err := handover.Walk(enc.Root, enc.Image, handover.Options{})
	if err != nil {
		t.Fatalf("%s: walk: %v", name, err)
	}
	for _, p := range st.Problems {
		t.Fatalf("%s: walk problem: %v", name, p)
	}
	return Input{Name: name, State: st, Mem: enc.Image}
}

// sample returns a fresh copy of an embedded sample spec, every memfd
// encoded with its folio pages, so that contents compare on both sides
// (a side without the pages leaves them unverified, see TestContent).
func sample(t testing.TB, name string) *handover.Spec {
	t.Helper()
	s, err := handover.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Sessions {
		for j := range s.Sessions[i].Files {
			if m := s.Sessions[i].Files[j].Memfd; m != nil {
				m.WithData = true
			}
		}
	}
	return s
}

// summary renders changes as "marker path class[:rule]" lines, the form
// the tables compare.
func summary(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		s := fmt.Sprintf("%s %s %s", c.Op.Marker(), c.Path, c.Class)
		if c.Rule != "" {
			s += ":" + c.Rule
		}
		out = append(out, s)
	}
	return out
}

var errFreed = fmt.Errorf("page freed after retrieve")
