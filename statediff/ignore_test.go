package statediff

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
)

// TestIgnoreAddresses compares a state with itself placed elsewhere: a
// plain diff lists the moved addresses, IgnoreAddresses finds nothing,
// and still finds a changed byte, seal or folio flag.
func TestIgnoreAddresses(t *testing.T) {
	a := walkSpec(t, "a", sample(t, "k4-luov5-m2b"))
	moved := sample(t, "k4-luov5-m2b")
	moved.Base = 0x300000000
	b := walkSpec(t, "moved", moved)
	r, err := Compare(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Different {
		t.Fatalf("plain: %v", r.Verdict)
	}
	r, err = Compare(a, b, Options{IgnoreAddresses: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Identical || !r.IgnoreAddresses {
		t.Fatalf("ignoring addresses: %v %q", r.Verdict, summary(r.Changes))
	}
	var text bytes.Buffer
	if err := WriteText(&text, r, TextOptions{}); err != nil || !strings.Contains(text.String(), "mode: plain, addresses ignored\n") {
		t.Errorf("text: %v\n%s", err, text.String())
	}

	sealed := sample(t, "k4-luov5-m2b")
	sealed.Base = 0x300000000
	m := sealed.Sessions[0].Files[1].Memfd
	m.Seals = 0
	r, err = Compare(a, walkSpec(t, "unsealed", sealed), Options{IgnoreAddresses: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != DataLost {
		t.Errorf("dropped seal ignoring addresses: %v %q", r.Verdict, summary(r.Changes))
	}
}

// TestFolioResized: matched folios of other sizes are counted when both
// sides give sizes, and only then.
func TestFolioResized(t *testing.T) {
	huge := &handover.Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", Sessions: []handover.SessionSpec{{Name: "s", Files: []handover.FileSpec{
		{Token: 1, Memfd: &handover.MemfdSpec{Size: 2 << 20, WithData: true, FolioRuns: handover.FolioRuns{{Count: 1, Order: 9}}}},
	}}}}
	halves := &handover.Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", Sessions: []handover.SessionSpec{{Name: "s", Files: []handover.FileSpec{
		{Token: 1, Memfd: &handover.MemfdSpec{Size: 2 << 20, WithData: true, FolioRuns: handover.FolioRuns{{Count: 2, Order: 8}}}},
	}}}}
	a, b := walkSpecMem(t, "huge", huge), walkSpecMem(t, "halves", halves)
	fa, fb := a.State.Sessions[0].Files[0].Memfd, b.State.Sessions[0].Files[0].Memfd
	d, err := CompareFolios(fa, a.Mem, fb, b.Mem, FolioOptions{SizeA: a.State.FolioPages(), SizeB: b.State.FolioPages()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Resized.N != 1 || d.Resized.First[0] != 0 || d.Added.N != 1 || d.Equal() {
		t.Errorf("diff %+v", d)
	}
	d, err = CompareFolios(fa, a.Mem, fb, b.Mem, FolioOptions{})
	if err != nil || d.Resized.N != 0 {
		t.Errorf("without sizes: %+v %v", d, err)
	}
	r, err := Compare(a, b, Options{IgnoreAddresses: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(summary(r.Changes), "~ luo/sessions/s/files/1/memfd/folios/order lost:"+LossFolioFlags) {
		t.Errorf("changes %q", summary(r.Changes))
	}
}

// walkSpecMem is walkSpec for specs whose contents are made when read.
func walkSpecMem(t *testing.T, name string, spec *handover.Spec) Input {
	t.Helper()
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatalf("%s: encode: %v", name, err)
	}
	st, err := handover.Walk(enc.Root, enc.Memory(), handover.Options{})
	if err != nil {
		t.Fatalf("%s: walk: %v", name, err)
	}
	return Input{Name: name, State: st, Mem: enc.Memory()}
}
