package memfd

import (
	"errors"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// allChecks is every check the package declares.
var allChecks = []phys.Check{
	CheckSeals, CheckFlags, CheckFeatures, CheckNrFolios, CheckVmallocFlags, CheckPos,
	CheckStaleFolios, CheckDataZero, CheckHandler, CheckFolioTable, CheckFolioCount, CheckStructure,
	CheckFolioHole, CheckFolioFlags, CheckFolioIndex, CheckFolioOrder, CheckDuplicateIndex,
	CheckDuplicatePFN, CheckDigest, CheckFindingsCapped,
}

func TestCheckNames(t *testing.T) {
	seen := map[phys.Check]bool{}
	for _, c := range allChecks {
		if !strings.HasPrefix(string(c), "memfd/") || len(c) == len("memfd/") || seen[c] {
			t.Errorf("check %q: not a unique memfd/<name>", c)
		}
		seen[c] = true
	}
}

// checkAudit collects the problems memfd raises on malformed inputs.
type checkAudit struct {
	t       *testing.T
	raised  map[phys.Check]int
	checked int
}

// add audits the problems in err. khoErr is the error package kho itself
// gives for the file's folio area (nil for none): memfd passes it through
// untouched, so it need not carry a memfd check.
func (a *checkAudit) add(what string, err error, khoErr error) {
	a.t.Helper()
	for _, pe := range phys.Flatten(err, "?") {
		switch {
		case errors.Is(pe, phys.ErrUnresolved):
			continue
		case khoErr != nil && pe.Error() == khoErr.Error():
			if pe.Check != "" && !strings.HasPrefix(string(pe.Check), "kho/") {
				a.t.Errorf("%s: kho error %v carries check %q", what, pe, pe.Check)
			}
			continue
		case !strings.HasPrefix(string(pe.Check), "memfd/"):
			a.t.Errorf("%s: %v carries check %q, want a memfd check", what, pe, pe.Check)
		}
		a.raised[pe.Check]++
		a.checked++
	}
}

// areaErr is what kho says of f's folio area, or nil.
func areaErr(m phys.Memory, f *File) error {
	if f.Generation == M0 || f.NrFolios == 0 {
		return nil
	}
	path := f.Path + ".folios"
	area, err := kho.ReadVmalloc(m, f.Folios, path)
	if err == nil {
		err = area.Verify(path)
	}
	return err
}

// file decodes the descriptor at addr and audits every entry point.
func (a *checkAudit) file(what string, m phys.Memory, addr uint64, compat string, pages FolioPages) {
	a.t.Helper()
	f, err := Decode(m, addr, compat, testPath)
	if err != nil {
		a.add(what+": Decode", err, nil)
		return
	}
	a.fileOf(what, m, f, pages)
}

func (a *checkAudit) fileOf(what string, m phys.Memory, f *File, pages FolioPages) {
	a.t.Helper()
	ke := areaErr(m, f)
	for _, e := range f.CheckDescriptor() {
		a.add(what+": CheckDescriptor", e, ke)
	}
	for _, e := range f.Check(m) {
		a.add(what+": Check", e, ke)
	}
	t, err := f.Table(m)
	if err != nil {
		a.add(what+": Table", err, ke)
	} else {
		it := t.Iter()
		for it.Next() {
		}
		a.add(what+": Iter", it.Err(), ke)
		_, err := t.At(t.Len())
		a.add(what+": At past the end", err, ke)
	}
	if pages != nil && (f.Size <= 1<<24 || f.Size > MaxDigestSize) {
		_, err := f.ContentDigest(m, pages)
		a.add(what+": ContentDigest", err, ke)
	}
}

// TestEveryProblemHasCheck feeds the package's malformed inputs through
// every entry point: each problem that is not unresolved memory, and not
// passed through from kho, must carry a memfd check, and every declared
// check must be raised by some input.
func TestEveryProblemHasCheck(t *testing.T) {
	a := &checkAudit{t: t, raised: map[phys.Check]int{}}
	onePage := func(uint64) (uint64, bool) { return 1, true }

	for _, s := range fuzzSeeds(t) {
		img := phys.NewImage()
		img.Add(fuzzBase, s.data)
		a.file("seed "+s.name, img, fuzzBase, fuzzCompats[s.sel], onePage)
	}
	for _, tc := range malformedCases() {
		s := encodeState(t, 0x100000, &File{Size: 1 << 30}, synthFolios(tc.n), tc.gen)
		m := tc.mutate(t, s)
		c, _ := Compatible(abi.Tag(tc.gen))
		a.file(tc.name, m, s.addr, c, onePage)
	}
	for _, tc := range descriptorCases() {
		f := validFile(tc.gen)
		tc.mutate(f)
		for _, e := range f.CheckDescriptor() {
			a.add(tc.name, e, nil)
		}
	}

	// Decode failures.
	s := encodeState(t, 0x100000, &File{Size: 4096}, []Folio{synth(0)}, M1)
	a.file("unknown handler", s.img, s.addr, "memfd-v3", nil)
	a.file("data 0", s.img, 0, "memfd-v1", nil)
	_, err := DecodeAs(s.img, s.addr, "M9", testPath)
	a.add("unknown generation", err, nil)
	_, err = DecodeAs(s.img, 0, M1, testPath)
	a.add("DecodeAs data 0", err, nil)
	for _, tc := range m0PropCases() {
		a.file("M0 property "+tc.path, buildM0(t, tc.props, tc.order...), 0x10000, "memfd-v1", nil)
	}
	img := buildM0(t, nil)
	b, _ := img.View(0x10000, 4096)
	b[8], b[9] = 0, 0xff // off_dt_struct past totalsize
	a.file("M0 corrupt FDT", img, 0x10000, "memfd-v1", nil)
	b[4] = 0x7f // totalsize
	a.file("M0 huge totalsize", img, 0x10000, "memfd-v1", nil)
	img = buildM0(t, nil)
	b, _ = img.View(0x10000, 4096)
	copy(b[fdt.HeaderSize:], make([]byte, 64)) // the reserve map and the first tokens
	a.file("M0 zeroed struct block", img, 0x10000, "memfd-v1", nil)
	a.fileOf("M0 without FDT information", s.img, &File{Generation: M0, Path: testPath, NrFolios: 1, Size: 4096}, nil)
	a.fileOf("M0 records past the FDT", s.img, &File{Generation: M0, Path: testPath, NrFolios: 1 << 40, Size: 1 << 52,
		FDT: &FDTInfo{Folios: 0x100000}}, nil)

	// Record problems (as TestCheckFindings) and the findings cap.
	recs := []Folio{
		{PFN: 0x1000, Flags: 3, Index: 0},
		{PFN: 0, Flags: 0, Index: 1},
		{PFN: 0x1002, Flags: 0x13, Index: 2},
		{PFN: 0x1003, Flags: 3, Index: 9},
		{PFN: 0x1004, Flags: 3, Index: 2},
		{PFN: 0x1000, Flags: 3, Index: 3},
	}
	for _, gen := range []abi.Tag{M0, M2b} {
		s = encodeState(t, 0x100000, &File{Size: 4*4096 - 1}, recs, gen)
		c, _ := Compatible(abi.Tag(gen))
		a.file("records "+string(gen), s.img, s.addr, c, onePage)
		a.file("records "+string(gen)+", unknown sizes", s.img, s.addr, c, func(uint64) (uint64, bool) { return 0, false })
	}
	s = encodeState(t, 0x100000, &File{Size: 8 * 4096}, []Folio{{PFN: 0x1000, Index: 0}, {PFN: 0x1001, Index: 0}}, M1)
	if err := s.img.Add(0x1000<<pageShift, make([]byte, 2*pageSize)); err != nil {
		t.Fatal(err)
	}
	a.file("overlapping folios", s.img, s.addr, "memfd-v1", onePage)
	s = encodeState(t, 0x100000, &File{Size: 4096}, []Folio{{PFN: 0x1000, Index: 3}}, M4)
	a.file("folio past the size", s.img, s.addr, "memfd", onePage)
	s = encodeState(t, 0x100000, &File{Size: MaxDigestSize + 1}, nil, M3)
	a.file("digest limit", s.img, s.addr, "memfd-v2;vmalloc-v1", onePage)
	s = encodeState(t, 0x100000, &File{Size: 1 << 30}, make([]Folio, MaxFindings+10), M1)
	a.file("findings cap", s.img, s.addr, "memfd-v1", nil)

	t.Logf("%d problems audited: %v", a.checked, a.raised)
	if a.checked < 100 {
		t.Errorf("only %d problems audited", a.checked)
	}
	for _, c := range allChecks {
		if a.raised[c] == 0 {
			t.Errorf("no input raised %s", c)
		}
	}
}
