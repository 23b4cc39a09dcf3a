package luo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// sample builds a state with n sessions; session i has files(i) files.
func sample(n int, files func(i int) int, handlerName bool) []Session {
	var out []Session
	for i := 0; i < n; i++ {
		s := Session{Name: fmt.Sprintf("session-%d", i)}
		for j := 0; j < files(i); j++ {
			f := File{Token: uint64(i*1000 + j), Data: 0x7000000 + uint64(i*0x10000+j*0x1000)}
			if handlerName {
				f.HandlerName = "memfd"
			} else {
				f.Compatible = "memfd-v1"
			}
			s.Files = append(s.Files, f)
		}
		out = append(out, s)
	}
	return out
}

func someFiles(i int) int { return []int{2, 0, 1}[i%3] }

var flbs = []FLB{{Name: "liveupdate-test-flb-v1", Data: 0x1234, Count: 2}, {Name: "iommu-flb", Data: 0x99, Count: 1}}

type rtCase struct {
	name   string
	gen    abi.Tag
	compat string // expected State.Compatible after decode
	s      State
}

func roundTripCases() []rtCase {
	return []rtCase{
		{"L-RFC", TagRFC, "luo-v1", State{LiveupdateNumber: 0, Subsystems: []Subsystem{{"iommu", 0x42}},
			Files: []File{{Compatible: "memfd-v1", Token: 0, Data: 0x5000}, {Compatible: "memfd-v1", Token: 42, Data: 0x6000}}}},
		{"L-RFC/subsystems", TagRFC, "luo-v1", State{Subsystems: []Subsystem{{"iommu", 0x42}, {"vfio", 7}, {"kvm", 0}},
			Files: []File{{Compatible: "memfd-v1", Token: 3, Data: 0x5000}, {Compatible: "memfd-v1", Token: 3, Data: 0x6000}}}},
		{"L-v4", TagV4, "luo-v1", State{Subsystems: []Subsystem{{"iommu", 0x42}}, Sessions: sample(3, someFiles, false)}},
		{"L-v4/subsystems", TagV4, "luo-v1", State{Subsystems: []Subsystem{{"iommu", 0x42}, {"vfio", 7}, {"kvm", 0}},
			Sessions: sample(120, someFiles, false)}},
		{"L-v5", TagV5, "luo-v1", State{LiveupdateNumber: 3, Sessions: sample(4, someFiles, false), FLBs: flbs}},
		{"L-v6", TagV6, "luo-v1", State{LiveupdateNumber: 4, Sessions: sample(4, someFiles, false), FLBs: flbs, SessionEntrySize: 88}},
		{"L-v6/80", TagV6, "luo-v1", State{LiveupdateNumber: 4, Sessions: sample(4, someFiles, false), FLBs: flbs, SessionEntrySize: 80}},
		{"L-6.19-pre", Tag619Pre, "luo-v1", State{LiveupdateNumber: 5, Sessions: sample(3, func(int) int { return 0 }, false)}},
		{"L-6.19", Tag619, "luo-v1", State{LiveupdateNumber: 1, Sessions: sample(5, someFiles, false)}},
		{"L-6.19/empty", Tag619, "luo-v1", State{LiveupdateNumber: 1}},
		{"L-6.19/128 files", Tag619, "luo-v1", State{LiveupdateNumber: 1, Sessions: sample(2, func(int) int { return 128 }, false)}},
		{"L-FLB", TagFLB, "luo-v1", State{LiveupdateNumber: 2, Sessions: sample(3, someFiles, false), FLBs: flbs}},
		{"L-luo-v2", TagLuoV2, "luo-v2", State{LiveupdateNumber: 6, Sessions: sample(3, someFiles, false), FLBs: flbs}},
		{"L-luo-v3", TagLuoV3, "luo-v3", State{LiveupdateNumber: 7, Sessions: sample(3, someFiles, false), FLBs: flbs}},
		{"L-blk/v3", TagBlk, "luo-v3-kho-block-v1", State{Compatible: "luo-v3-kho-block-v1", LiveupdateNumber: 8,
			Sessions: sample(60, someFiles, false)}},
		{"L-blk/v4", TagBlk, "luo-v4-kho-block-v1", State{LiveupdateNumber: 8, Sessions: sample(3, func(int) int { return 70 }, false), FLBs: flbs}},
		{"L-luo-v4", TagLuoV4, "luo-v4", State{LiveupdateNumber: 9, Sessions: sample(52, someFiles, false), FLBs: flbs}},
		{"L-luo-v5", TagLuoV5, "luo-v5", State{LiveupdateNumber: 10, Sessions: sample(3, someFiles, false), FLBs: flbs}},
		{"L-luo-v5/multi-block", TagLuoV5, "luo-v5", State{LiveupdateNumber: 10,
			Sessions: sample(103, func(i int) int { return []int{64, 0, 126, 1}[i%4] }, false)}},
		{"L-luo-v5/empty", TagLuoV5, "luo-v5", State{}},
		{"L-RFC-compat", TagRFCCompat, "luo-v5;block-v1", State{LiveupdateNumber: 11, Sessions: sample(3, someFiles, false), FLBs: flbs}},
		{"L-feat", TagFeat, "", State{LiveupdateNumber: 12, Features: &Features{7, 7, 7},
			Sessions: sample(55, func(i int) int { return 1 + i%70 }, true), FLBs: flbs}},
		{"L-feat/no-flbs", TagFeat, "", State{LiveupdateNumber: 0, Features: &Features{0x3, 0x2, 0x2},
			Sessions: sample(2, someFiles, true)}},
	}
}

func encodeCase(t testing.TB, c rtCase) (*phys.Image, []byte, uint64) {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	s := c.s
	blob, addr, err := Encode(a, &s, c.gen)
	if err != nil {
		t.Fatalf("%s: Encode: %v", c.name, err)
	}
	return img, blob, addr
}

func TestRoundTrip(t *testing.T) {
	for _, c := range roundTripCases() {
		t.Run(c.name, func(t *testing.T) {
			img, blob, addr := encodeCase(t, c)
			want := c.s.Content()
			want.Generation, want.Compatible = c.gen, c.compat
			if c.gen != TagV6 {
				want.SessionEntrySize = 0
			}
			for _, dec := range []struct {
				name string
				f    func() (*State, error)
			}{
				{"explicit", func() (*State, error) { return Decode(img, blob, c.gen) }},
				{"detect", func() (*State, error) { return Decode(img, blob, "") }},
				{"at", func() (*State, error) { return DecodeAt(img, addr, uint64(len(blob)), "") }},
			} {
				got, err := dec.f()
				if err != nil {
					t.Fatalf("%s: %v", dec.name, err)
				}
				if gc := got.Content(); !reflect.DeepEqual(gc, want) {
					t.Fatalf("%s: decode(encode(s)) differs\n got %+v\nwant %+v", dec.name, gc, want)
				}
				checkPlacement(t, got)
			}
		})
	}
}

// checkPlacement checks that addresses and paths point at the entries.
func checkPlacement(t *testing.T, s *State) {
	t.Helper()
	for i, ss := range s.Sessions {
		if ss.Path != fmt.Sprintf("LUO/sessions[%d]", i) && s.Generation != TagV4 {
			t.Fatalf("session %d path %q", i, ss.Path)
		}
		if ss.Addr == 0 {
			t.Fatalf("session %d has no address", i)
		}
		for j, f := range ss.Files {
			if f.Path != fmt.Sprintf("%s.files[%d]", ss.Path, j) || f.Addr == 0 {
				t.Fatalf("file %d.%d: %q at %#x", i, j, f.Path, f.Addr)
			}
		}
	}
}

func TestFDTSizes(t *testing.T) {
	for _, c := range []struct {
		gen              abi.Tag
		total, str, strs int
		strings          string
	}{
		{Tag619, 236, 124, 48, "luo-session-header\x00liveupdate-number\x00compatible\x00"},
		{TagFLB, 311, 184, 63, "luo-flb-header\x00luo-session-header\x00liveupdate-number\x00compatible\x00"},
	} {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		blob, addr, err := Encode(a, &State{LiveupdateNumber: 1, Sessions: sample(2, someFiles, false)}, c.gen)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := fdt.Parse(blob)
		if err != nil {
			t.Fatal(err)
		}
		h := tr.Header
		if len(blob) != c.total || int(h.TotalSize) != c.total || int(h.SizeDtStruct) != c.str || int(h.SizeDtStrings) != c.strs {
			t.Errorf("%s: total %d struct %d strings %d", c.gen, h.TotalSize, h.SizeDtStruct, h.SizeDtStrings)
		}
		if string(tr.Strings) != c.strings {
			t.Errorf("%s: strings %q", c.gen, tr.Strings)
		}
		// The preserved page is the whole one-page buffer: blob, zeros,
		// then the strings left at the end by sequential-write mode.
		page, _ := img.View(addr, phys.PageSize)
		if !bytes.Equal(page[:len(blob)], blob) || !bytes.HasSuffix(page, []byte(c.strings)) {
			t.Errorf("%s: preserved page does not hold the libfdt buffer", c.gen)
		}
		// Allocation: FDT page (order 0), session block (order 4), then
		// the FLB page (order 0), then file arrays (order 1).
		want := []uint{0, 4}
		if c.gen == TagFLB {
			want = append(want, 0)
		}
		want = append(want, 1) // session 0 has files, session 1 none
		var got []uint
		for _, b := range a.Preserved {
			got = append(got, b.Order)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: allocation orders %v, want %v", c.gen, got, want)
		}
	}
}

// TestProducerFingerprint checks zeroed unused slots, NUL padding, pgcnt
// written at setup and per-block counts.
func TestProducerFingerprint(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	s := State{LiveupdateNumber: 1, Sessions: sample(2, someFiles, false), FLBs: flbs}
	if _, _, err := Encode(a, &s, TagV6); err != nil {
		t.Fatal(err)
	}
	sess := a.Preserved[1]
	blk, _ := img.View(sess.Addr, sess.Size())
	if binary.LittleEndian.Uint64(blk) != 16 || binary.LittleEndian.Uint64(blk[8:]) != 2 {
		t.Fatalf("v6 session header % x", blk[:16])
	}
	e0 := blk[16 : 16+88]
	if string(e0[:10]) != "session-0\x00" || !allZero(e0[10:64]) {
		t.Fatalf("name not NUL-padded: %q", e0[:64])
	}
	if !allZero(blk[16+2*88:]) {
		t.Fatal("unused session slots are not zero")
	}
	flb := a.Preserved[2]
	fb, _ := img.View(flb.Addr, flb.Size())
	if binary.LittleEndian.Uint64(fb) != 1 || binary.LittleEndian.Uint64(fb[8:]) != 2 || !allZero(fb[16+2*64:]) {
		t.Fatalf("FLB page header % x", fb[:16])
	}

	img = phys.NewImage()
	a = phys.NewAllocator(img, 0x100000)
	s = State{Sessions: sample(103, func(int) int { return 0 }, false)}
	if _, _, err := Encode(a, &s, TagLuoV5); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeAt(img, a.Preserved[0].Addr, 32, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Layout.SessionBlocks) != 3 {
		t.Fatalf("103 sessions in %d blocks", len(got.Layout.SessionBlocks))
	}
	var counts []uint64
	for _, b := range got.Layout.SessionBlocks {
		v, _ := img.View(b, 16)
		counts = append(counts, binary.LittleEndian.Uint64(v[8:]))
	}
	if !reflect.DeepEqual(counts, []uint64{51, 51, 1}) {
		t.Fatalf("per-block counts %v", counts)
	}
}

func TestDetect(t *testing.T) {
	for _, c := range roundTripCases() {
		img, blob, _ := encodeCase(t, c)
		det, err := Detect(blob, img, "")
		if err != nil || det.Tag != c.gen {
			t.Errorf("%s: Detect = %q, %v\n%q", c.name, det.Tag, err, det.Evidence)
		}
		if len(det.Evidence) == 0 || det.Confidence == "" {
			t.Errorf("%s: no evidence or confidence: %+v", c.name, det)
		}
		if len(det.Conflicts) != 0 {
			t.Errorf("%s: conflicts on a clean blob: %q", c.name, det.Conflicts)
		}
	}
}

// TestDetectV6Strides checks the stride heuristic on 80- and 88-byte
// L-v6 blocks, with and without memory.
func TestDetectV6Strides(t *testing.T) {
	for _, size := range []int{80, 88} {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		s := State{Sessions: sample(3, someFiles, false), SessionEntrySize: size}
		blob, _, err := Encode(a, &s, TagV6)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(img, blob, "")
		if err != nil || got.SessionEntrySize != size {
			t.Fatalf("stride %d decoded as %+v, %v", size, got, err)
		}
		if det, _ := Detect(blob, nil, ""); det.Tag != TagV6 {
			t.Fatalf("without memory: %q %q", det.Tag, det.Evidence)
		}
	}
}

// TestRFCInline decodes the RFC v2 form: /file-descriptors inside the LUO
// FDT, one node per file named by its token in any kstrtou64 base.
func TestRFCInline(t *testing.T) {
	w := fdt.NewSeqWriter(1 << 20)
	w.BeginNode("")
	w.PropertyString("compatible", "luo-v1")
	w.Property("state", []byte{2})
	w.BeginNode("subsystems")
	w.PropertyString("compatible", "subsystems-v1")
	w.PropertyU64LE("iommu", 7)
	w.EndNode()
	w.BeginNode("file-descriptors")
	w.PropertyString("compatible", "file-descriptors-v1")
	for _, n := range []string{"42", "0x2b", "054"} {
		w.BeginNode(n)
		w.PropertyString("compatible", "memfd-v1")
		w.PropertyU64LE("data", 0x1000)
		w.EndNode()
	}
	w.EndNode()
	w.EndNode()
	blob, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if det, err := Detect(blob, nil, ""); det.Tag != TagRFC || err != nil {
		t.Fatalf("Detect = %q %v %q", det.Tag, err, det.Evidence)
	}
	st, err := Decode(nil, blob, "")
	if err != nil {
		t.Fatal(err)
	}
	want := &State{Generation: TagRFC, Compatible: "luo-v1", Subsystems: []Subsystem{{"iommu", 7}}, Files: []File{
		{Compatible: "memfd-v1", Token: 42, Data: 0x1000},
		{Compatible: "memfd-v1", Token: 43, Data: 0x1000},
		{Compatible: "memfd-v1", Token: 44, Data: 0x1000},
	}}
	if got := st.Content(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	if st.Files[2].Path != "LUO/files[2]" {
		t.Fatalf("path %q", st.Files[2].Path)
	}
}

// TestV4SkipsUnused checks that L-v4 entries whose name[0] is 0 are skipped.
func TestV4SkipsUnused(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	s := State{Sessions: sample(3, someFiles, false)}
	blob, _, err := Encode(a, &s, TagV4)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Decode(img, blob, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := img.View(st.Sessions[1].Addr, 1)
	b[0] = 0
	st, err = Decode(img, blob, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Sessions) != 2 || st.Sessions[1].Path != "LUO/sessions[2]" || st.Layout.SessionSubsystem != "luo-session" {
		t.Fatalf("sessions %+v", st.Sessions)
	}
}

// TestRFCFileOrder checks that L-RFC files come back in ascending token
// order, as the patch v2/v3 kernel writes them (xarray walk).
func TestRFCFileOrder(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	s := State{Files: []File{
		{Compatible: "memfd-v1", Token: 0x30, Data: 1},
		{Compatible: "memfd-v1", Token: 0, Data: 2},
		{Compatible: "memfd-v1", Token: 7, Data: 3},
		{Compatible: "memfd-v1", Token: 0, Data: 4},
	}}
	blob, _, err := Encode(a, &s, TagRFC)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Decode(img, blob, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, f := range st.Files {
		got = append(got, f.Token<<8|f.Data)
	}
	if want := []uint64{0<<8 | 2, 0<<8 | 4, 7<<8 | 3, 0x30<<8 | 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("token<<8|data %x, want %x", got, want)
	}
}

// TestRFCEraRoot checks the read-write-mode LUO FDT of L-RFC and L-v4: the
// blob is the whole page and /subsystems lists the subsystems newest first,
// compatible last.
func TestRFCEraRoot(t *testing.T) {
	for _, gen := range []abi.Tag{TagRFC, TagV4} {
		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		s := State{Subsystems: []Subsystem{{"a", 1}, {"b", 2}}}
		blob, _, err := Encode(a, &s, gen)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := fdt.Parse(blob)
		if err != nil {
			t.Fatal(err)
		}
		if len(blob) != phys.PageSize || tr.Header.TotalSize != phys.PageSize || tr.Header.OffMemRsvmap != 0x30 {
			t.Errorf("%s: %d bytes, header %+v", gen, len(blob), tr.Header)
		}
		sn, _ := tr.Root().Child(subsystemsNode)
		var names []string
		for _, p := range sn.Properties() {
			names = append(names, p.Name)
		}
		own := filesNode
		if gen == TagV4 {
			own = defaultSessionSubsy
		}
		if want := []string{own, "b", "a", "compatible"}; !reflect.DeepEqual(names, want) {
			t.Errorf("%s: /subsystems properties %q, want %q", gen, names, want)
		}
		st, err := Decode(img, blob, gen)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(st.Subsystems, s.Subsystems) {
			t.Errorf("%s: decoded subsystems %v, want registration order %v", gen, st.Subsystems, s.Subsystems)
		}
	}
}

// TestV4SessionFDTBigEndian checks that the L-v4 session FDT holds count,
// data and pgcnt big-endian (fdt_property_u64) with pgcnt =
// DIV_ROUND_UP(count * 80, PAGE_SIZE), and that Decode reads them so.
func TestV4SessionFDTBigEndian(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	s := State{Sessions: sample(120, func(int) int { return 0 }, false)}
	blob, _, err := Encode(a, &s, TagV4)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := img.View(a.Preserved[1].Addr, phys.PageSize)
	tr, err := parseFDT(page, "", phys.NoAddr, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"count": 120, "data": a.Preserved[2].Addr, "pgcnt": 3}
	for name, v := range want {
		p, ok := tr.Root().Property(name)
		if !ok || !bytes.Equal(p.Value, binary.BigEndian.AppendUint64(nil, v)) {
			t.Errorf("%s = % x, want %#x big-endian", name, p.Value, v)
		}
	}
	if a.Preserved[2].Order != 2 {
		t.Errorf("session array of order %d, want get_order(9600) = 2", a.Preserved[2].Order)
	}
	st, err := Decode(img, blob, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Sessions) != 120 || st.Sessions[119].Name != "session-119" {
		t.Fatalf("decoded %d sessions", len(st.Sessions))
	}
}
