package handover_test

import (
	"encoding/base64"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/statediff"
	"gopkg.in/yaml.v3"
)

// memfdCombos names, for every memfd generation, a KHO and LUO generation
// that carries it.
var memfdCombos = []struct{ kho, luo, memfd string }{
	{"K1a", "L-RFC", "M0"},
	{"K1b", "L-6.19", "M1"},
	{"K3", "L-luo-v3", "M2a"},
	{"K4", "L-luo-v5", "M2b"},
	{"K4", "L-luo-v5", "M3"},
	{"K4", "L-feat", "M4"},
}

// closer makes any memory a content source.
type closer struct{ phys.Memory }

func (closer) Close() error { return nil }

// opener opens the named memories.
func opener(srcs map[string]phys.Memory) handover.EncodeOptions {
	return handover.EncodeOptions{Open: func(name string) (handover.ContentSource, error) {
		m, ok := srcs[name]
		if !ok {
			return nil, phys.ErrUnresolved
		}
		return closer{m}, nil
	}}
}

// srcBase is where the test source's pages lie.
const srcBase = 0x7000000000

// testSource is memory of random bytes, 3 MiB at srcBase.
func testSource(seed uint64) *phys.Image {
	b := make([]byte, 3<<20)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	img := phys.NewImage()
	img.Add(srcBase, b)
	return img
}

func ptr(s string) *string { return &s }

// layoutSpec is a state whose memfds hold what the simple form cannot say:
// a huge folio, holes, other flags (one without a name), embedded
// contents, contents copied from a source, a file without folios, and one
// memfd of the simple form.
func layoutSpec(c struct{ kho, luo, memfd string }) *handover.Spec {
	hole := make([]byte, 20000) // page 1 is a hole: zeros there
	for i := range hole {
		if i < 4096 || i >= 8192 {
			hole[i] = byte(i*7 + 1)
		}
	}
	files := []handover.FileSpec{
		{Token: 1, Memfd: &handover.MemfdSpec{Size: 3 << 20, WithData: true, FolioRuns: handover.FolioRuns{
			{Index: 0, Count: 1, Order: 9},
			{Index: 512, Count: 2, Flags: []string{"uptodate"}},
			{Index: 600, Count: 3, Flags: []string{"dirty", "0x10"}},
		}}},
		{Token: 2, Memfd: &handover.MemfdSpec{Size: 20000, FolioRuns: handover.FolioRuns{
			{Index: 0, Count: 1, Flags: []string{}},
			{Index: 2, Count: 3},
		}, Contents: &handover.ContentsSpec{Base64: ptr(base64.StdEncoding.EncodeToString(hole))}}},
		{Token: 3, Memfd: &handover.MemfdSpec{Size: 0x210000, Pos: 5, FolioRuns: handover.FolioRuns{
			{Index: 0, Count: 1, Order: 9, PFN: srcBase >> 12},
			{Index: 512, Count: 16, PFN: srcBase>>12 + 0x280},
		}, Contents: &handover.ContentsSpec{Source: "src"}}},
		{Token: 4, Memfd: &handover.MemfdSpec{Size: 8192, FolioRuns: handover.FolioRuns{}}},
		{Token: 5, Memfd: &handover.MemfdSpec{Size: 16384, WithData: true}},
	}
	s := &handover.Spec{KHO: abi.Tag(c.kho), LUO: abi.Tag(c.luo), Memfd: abi.Tag(c.memfd), LiveupdateNumber: 4}
	if abi.Tag(c.luo) == luo.TagRFC {
		s.GlobalFiles = files
	} else {
		s.Sessions = []handover.SessionSpec{{Name: "vm", Files: files}}
	}
	return s
}

// encodeWalk encodes a spec and walks it, naming the generations.
func encodeWalk(t *testing.T, spec *handover.Spec, opts handover.EncodeOptions) (*handover.Encoded, statediff.Input) {
	t.Helper()
	enc, err := handover.EncodeWith(spec, opts)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	st, err := handover.Walk(enc.Root, enc.Memory(), handover.Options{KHO: spec.KHO, LUO: spec.LUO, Memfd: spec.Memfd})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	for _, p := range st.Problems {
		t.Errorf("walk problem: %v", p)
	}
	return enc, statediff.Input{Name: string(spec.Memfd), State: st, Mem: enc.Memory()}
}

// compare diffs two sides and returns the verdict with the changes.
func compare(t *testing.T, a, b statediff.Input, opts statediff.Options) (statediff.Verdict, []statediff.Change) {
	t.Helper()
	r, err := statediff.Compare(a, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r.Verdict, r.Changes
}

// TestSpecRoundTripLayouts encodes, for every memfd generation, a state of
// huge folios, holes, other flags and embedded and referenced contents;
// takes its spec with SpecWith (through YAML, as dump -o spec writes it);
// encodes that again; and requires diff to find the two identical, placement
// included. One changed byte of the referenced source is lost data.
func TestSpecRoundTripLayouts(t *testing.T) {
	for _, c := range memfdCombos {
		t.Run(c.memfd, func(t *testing.T) {
			if err := handover.CheckCombination(abi.Tag(c.kho), abi.Tag(c.luo), abi.Tag(c.memfd)); err != nil {
				t.Fatal(err)
			}
			src := testSource(1)
			encA, a := encodeWalk(t, layoutSpec(c), opener(map[string]phys.Memory{"src": src}))
			spec := a.State.SpecWith(encA.Memory(), handover.SpecOptions{Source: "a"})
			text, err := yaml.Marshal(spec)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := handover.ParseSpec(text)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if !reflect.DeepEqual(parsed, spec) {
				t.Fatalf("the spec does not read back as written:\n%s", text)
			}
			checkLayoutSpec(t, parsed, string(text))
			_, b := encodeWalk(t, parsed, opener(map[string]phys.Memory{"a": encA.Memory()}))
			if v, ch := compare(t, a, b, statediff.Options{}); v != statediff.Identical {
				t.Fatalf("re-encoded state: %v %+v\n%s", v, ch, text)
			}

			changed := testSource(1)
			view, _ := changed.View(srcBase+0x1234, 1)
			view[0] ^= 0x40
			_, lossy := encodeWalk(t, layoutSpec(c), opener(map[string]phys.Memory{"src": changed}))
			v, ch := compare(t, a, lossy, statediff.Options{})
			if v != statediff.DataLost || len(ch) != 1 || ch[0].Rule != statediff.LossContent || !strings.Contains(ch[0].Path, "/files/3/") {
				t.Fatalf("one changed byte: %v %+v", v, ch)
			}
		})
	}
}

// checkLayoutSpec checks what SpecWith wrote for layoutSpec's memfds.
func checkLayoutSpec(t *testing.T, s *handover.Spec, text string) {
	t.Helper()
	files := s.GlobalFiles
	if len(s.Sessions) > 0 {
		files = s.Sessions[0].Files
	}
	if len(files) != 5 {
		t.Fatalf("%d files:\n%s", len(files), text)
	}
	m := func(i int) *handover.MemfdSpec { return files[i].Memfd }
	want := handover.FolioRuns{
		{Index: 0, Count: 1, Order: 9, Flags: []string{"dirty", "uptodate"}},
		{Index: 512, Count: 2, Flags: []string{"uptodate"}},
		{Index: 600, Count: 3, Flags: []string{"dirty", "0x10"}},
	}
	switch {
	case !m(0).WithData || !reflect.DeepEqual(m(0).FolioRuns, want):
		t.Errorf("huge folio, holes and flags with the pattern:\n%s", text)
	case m(1).Contents == nil || m(1).Contents.Base64 == nil || m(1).FolioRuns == nil:
		t.Errorf("embedded contents:\n%s", text)
	case m(2).Contents == nil || m(2).Contents.Source != "a" || len(m(2).FolioRuns) != 2 || m(2).FolioRuns[1].PFN == 0:
		t.Errorf("referenced contents:\n%s", text)
	case m(3).FolioRuns == nil || len(m(3).FolioRuns) != 0 || m(3).Folios != 0:
		t.Errorf("a file without folios:\n%s", text)
	case !m(4).WithData || m(4).FolioRuns != nil || m(4).Folios != 4 || m(4).Contents != nil:
		t.Errorf("the simple form:\n%s", text)
	}
	if !strings.Contains(text, "folio_runs: []") || !strings.Contains(text, "- {index: 0, count: 1, order: 9, flags: [dirty, uptodate]}") {
		t.Errorf("runs are not one line each, or the empty list is left out:\n%s", text)
	}
}

// TestSpecRoundTripAddresses re-encodes a state elsewhere in memory: a
// plain diff sees the addresses move, --ignore-addresses finds the two
// identical (contents, orders and flags still compared).
func TestSpecRoundTripAddresses(t *testing.T) {
	c := memfdCombos[3]
	encA, a := encodeWalk(t, layoutSpec(c), opener(map[string]phys.Memory{"src": testSource(1)}))
	spec := a.State.SpecWith(encA.Memory(), handover.SpecOptions{Source: "a"})
	spec.Base = 0x300000000
	_, b := encodeWalk(t, spec, opener(map[string]phys.Memory{"a": encA.Memory()}))
	if v, _ := compare(t, a, b, statediff.Options{}); v != statediff.Different {
		t.Errorf("plain diff of a moved state: %v", v)
	}
	if v, ch := compare(t, a, b, statediff.Options{IgnoreAddresses: true}); v != statediff.Identical {
		t.Errorf("diff --ignore-addresses of a moved state: %v %+v", v, ch)
	}
	// A folio of another order at the same index is lost data even so.
	spec.Sessions[0].Files[0].Memfd.FolioRuns[0] = handover.FolioRunSpec{Index: 0, Count: 2, Order: 8}
	_, b = encodeWalk(t, spec, opener(map[string]phys.Memory{"a": encA.Memory()}))
	v, ch := compare(t, a, b, statediff.Options{IgnoreAddresses: true})
	found := false
	for _, x := range ch {
		found = found || strings.HasSuffix(x.Path, "/files/1/memfd/folios/order") && x.Rule == statediff.LossFolioFlags
	}
	if v != statediff.DataLost || !found {
		t.Errorf("a folio of another order: %v %+v", v, ch)
	}
}

// TestSpecWithBase: a state encoded at another base says so, and the
// default base is left out.
func TestSpecWithBase(t *testing.T) {
	for _, base := range []uint64{0, 0x300000000} {
		spec, err := handover.Sample("k2-lflb-m1")
		if err != nil {
			t.Fatal(err)
		}
		spec.Base = base
		enc, a := encodeWalk(t, spec, handover.EncodeOptions{})
		if got := a.State.SpecWith(enc.Memory(), handover.SpecOptions{}).Base; got != base {
			t.Errorf("base 0x%x: spec says 0x%x", base, got)
		}
	}
}

// TestSpecWithUnresolved: contents the source does not hold, or too large
// to embed with no source to name, are left out with the reason; the
// legacy Spec says nothing.
func TestSpecWithUnresolved(t *testing.T) {
	spec := &handover.Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", Sessions: []handover.SessionSpec{{Name: "s", Files: []handover.FileSpec{
		{Token: 1, Memfd: &handover.MemfdSpec{Size: 1 << 20}},
		{Token: 2, Memfd: &handover.MemfdSpec{Size: 1 << 20, FolioRuns: handover.FolioRuns{{Index: 0, Count: 256, PFN: srcBase >> 12}}, Contents: &handover.ContentsSpec{Source: "src"}}},
	}}}}
	enc, a := encodeWalk(t, spec, opener(map[string]phys.Memory{"src": testSource(2)}))
	got := a.State.SpecWith(enc.Memory(), handover.SpecOptions{})
	f := got.Sessions[0].Files
	if c := f[0].Memfd.Contents; c == nil || !strings.Contains(c.Unresolved, "does not hold") {
		t.Errorf("pages not in the source: %+v", c)
	}
	if c := f[1].Memfd.Contents; c == nil || !strings.Contains(c.Unresolved, "embed limit") || f[1].Memfd.Folios != 256 {
		t.Errorf("too large to embed, no source: %+v %+v", c, f[1].Memfd)
	}
	legacy := a.State.Spec(enc.Memory()).Sessions[0].Files
	if legacy[0].Memfd.Contents != nil || legacy[1].Memfd.Contents != nil || !legacy[1].Memfd.WithData {
		t.Errorf("legacy spec: %+v %+v", legacy[0].Memfd, legacy[1].Memfd)
	}
	// Without a source, the note is all: the spec encodes, the pages are
	// unresolved (never zeros), and diff says unverified, not identical.
	_, b := encodeWalk(t, got, handover.EncodeOptions{})
	if v, _ := compare(t, a, b, statediff.Options{}); v != statediff.VerdictUnverified {
		t.Errorf("unresolved contents: %v", v)
	}
}

// TestEncodeRefuses: what a spec cannot hold is an error naming it, never
// a panic or a silent change.
func TestEncodeRefuses(t *testing.T) {
	base := func(gen abi.Tag, m handover.MemfdSpec) *handover.Spec {
		c := memfdCombos[3]
		for _, x := range memfdCombos {
			if abi.Tag(x.memfd) == gen {
				c = x
			}
		}
		s := layoutSpec(c)
		files := []handover.FileSpec{{Token: 1, Memfd: &m}}
		if s.GlobalFiles != nil {
			s.GlobalFiles = files
		} else {
			s.Sessions[0].Files = files
		}
		return s
	}
	runs := func(r ...handover.FolioRunSpec) handover.FolioRuns { return r }
	for _, tc := range []struct {
		name, gen abi.Tag
		m         handover.MemfdSpec
		want      abi.Tag
	}{
		{"wide flags M0", "M0", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Count: 1, Flags: []string{"0x1000"}})}, "12-bit flags field of M0"},
		{"wide flags M2b", "M2b", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Count: 1, Flags: []string{"0x8000"}})}, "12-bit flags field of M2b"},
		{"unknown flag", "M1", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Count: 1, Flags: []string{"locked"}})}, `M1 names no folio flag "locked"`},
		{"order", "M2b", handover.MemfdSpec{Size: 1 << 30, FolioRuns: runs(handover.FolioRunSpec{Count: 1, Order: 18})}, "above MAX_PAGE_ORDER"},
		{"overlap", "M2b", handover.MemfdSpec{Size: 1 << 20, FolioRuns: runs(handover.FolioRunSpec{Count: 1, Order: 2}, handover.FolioRunSpec{Index: 3, Count: 1})}, "must ascend"},
		{"empty run", "M2b", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{})}, "a run of 0 folios"},
		{"both forms", "M2b", handover.MemfdSpec{Size: 4096, Folios: 1, FolioRuns: handover.FolioRuns{}}, "not both"},
		{"data in a hole", "M2b", handover.MemfdSpec{Size: 8192, FolioRuns: runs(handover.FolioRunSpec{Count: 1}), Contents: &handover.ContentsSpec{Base64: ptr(base64.StdEncoding.EncodeToString(append(make([]byte, 4096), 1)))}}, "page 1 holds data"},
		{"past size", "M2b", handover.MemfdSpec{Size: 2, Contents: &handover.ContentsSpec{Base64: ptr("AAAA")}}, "3 bytes embedded in a file of 2"},
		{"bad base64", "M2b", handover.MemfdSpec{Size: 2, Contents: &handover.ContentsSpec{Base64: ptr("!")}}, "contents.base64"},
		{"two contents", "M2b", handover.MemfdSpec{Size: 2, Contents: &handover.ContentsSpec{Base64: ptr(""), Source: "src"}}, "exactly one"},
		{"with_data and contents", "M2b", handover.MemfdSpec{Size: 2, WithData: true, Contents: &handover.ContentsSpec{Base64: ptr("")}}, "not both"},
		{"source, simple form", "M2b", handover.MemfdSpec{Size: 4096, Contents: &handover.ContentsSpec{Source: "src"}}, "needs folio_runs"},
		{"source, no pfn", "M2b", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Count: 1}), Contents: &handover.ContentsSpec{Source: "src"}}, "no pfn"},
		{"source lacks pages", "M2b", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Count: 1, PFN: 0x10}), Contents: &handover.ContentsSpec{Source: "src"}}, "does not hold"},
		{"unknown source", "M2b", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Count: 1, PFN: 0x10}), Contents: &handover.ContentsSpec{Source: "nope"}}, `source "nope"`},
		{"too many folios", "M2b", handover.MemfdSpec{Size: 1 << 62}, "more than 67108864 folios"},
		{"too many folios, runs", "M2b", handover.MemfdSpec{Size: 1 << 62, FolioRuns: runs(handover.FolioRunSpec{Count: 1 << 40})}, "more than 67108864 folios"},
		{"index overflow", "M2b", handover.MemfdSpec{Size: 4096, FolioRuns: runs(handover.FolioRunSpec{Index: 1<<64 - 2, Count: 4})}, "past 2^64"},
	} {
		t.Run(string(tc.name), func(t *testing.T) {
			_, err := handover.EncodeWith(base(tc.gen, tc.m), opener(map[string]phys.Memory{"src": testSource(3)}))
			if err == nil || !strings.Contains(err.Error(), string(tc.want)) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	// Without an opener a source is refused.
	s := layoutSpec(memfdCombos[3])
	if _, err := handover.Encode(s); err == nil || !strings.Contains(err.Error(), "opens no sources") {
		t.Errorf("Encode of a spec naming a source: %v", err)
	}
}

// TestEncodedMemory reads across the image and the made ranges.
func TestEncodedMemory(t *testing.T) {
	enc, err := handover.EncodeWith(layoutSpec(memfdCombos[3]), opener(map[string]phys.Memory{"src": testSource(1)}))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	m := enc.Memory()
	rs := m.Ranges()
	var total uint64
	for i, r := range rs {
		if i > 0 && r.Start < rs[i-1].End() {
			t.Fatalf("ranges overlap or are unsorted: %v", rs)
		}
		total += r.Size
	}
	lo, hi := rs[0].Start, rs[len(rs)-1].End()
	var whole []byte
	for _, r := range phys.Merge(rs) {
		b := make([]byte, r.Size)
		if _, err := m.ReadAt(b, r.Start); err != nil {
			t.Fatalf("read 0x%x+0x%x: %v", r.Start, r.Size, err)
		}
		if !phys.Holds(m, r.Start, r.Size) {
			t.Errorf("Holds(0x%x, 0x%x) false", r.Start, r.Size)
		}
		whole = append(whole, b...)
	}
	if uint64(len(whole)) != total {
		t.Errorf("read %d bytes of %d", len(whole), total)
	}
	// A read straddling a range's end into memory nobody holds fails.
	if phys.Holds(m, hi-1, 2) {
		t.Error("Holds past the end")
	}
	if _, err := m.ReadAt(make([]byte, 2), hi-1); err == nil {
		t.Error("read past the end succeeded")
	}
	if phys.Holds(m, lo-1, 2) {
		t.Error("Holds below the start")
	}
}
