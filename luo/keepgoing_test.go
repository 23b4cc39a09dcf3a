package luo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// renameNode returns a copy of an FDT blob in which the node name (a
// unique "name\0" in the structure block) is replaced by another name of
// the same length, which removes the node for every reader.
func renameNode(t *testing.T, blob []byte, name, to string) []byte {
	t.Helper()
	old := []byte(name + "\x00")
	if bytes.Count(blob, old) != 1 || len(to) != len(name) {
		t.Fatalf("node name %q is not unique in the blob", name)
	}
	return bytes.Replace(blob, old, []byte(to+"\x00"), 1)
}

// sessionsAndFiles returns the names of the sessions and the tokens of
// their files, for comparing what two decodes found.
func sessionsAndFiles(st *State) []string {
	var out []string
	for _, s := range st.Sessions {
		out = append(out, s.Name)
		for _, f := range s.Files {
			out = append(out, s.Name+"/"+string(binary.LittleEndian.AppendUint64(nil, f.Token)))
		}
	}
	return out
}

// encoded is a state encoded in its own image.
type encoded struct {
	img  *phys.Image
	blob []byte
	st   *State // the clean decode
}

func encodeState(t *testing.T, gen abi.Tag, s State) encoded {
	t.Helper()
	return encodeChecked(t, gen, s, true)
}

// encodeChecked encodes s as gen and decodes it again, failing on any
// problem of that clean decode when strict.
func encodeChecked(t *testing.T, gen abi.Tag, s State, strict bool) encoded {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	blob, _, err := Encode(a, &s, gen)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Decode(img, blob, gen)
	if st == nil || strict && err != nil {
		t.Fatalf("clean %s blob: %v", gen, err)
	}
	return encoded{img, blob, st}
}

// wantProblem decodes blob as gen and checks the state is there and has
// a problem at path with check c (any path when path is "").
func wantProblem(t *testing.T, e encoded, blob []byte, gen abi.Tag, c phys.Check, path string) *State {
	t.Helper()
	st, err := Decode(e.img, blob, gen)
	checkProblems(t, err)
	if st == nil {
		t.Fatalf("no state: %v", err)
	}
	for _, pe := range phys.Flatten(err, root) {
		if pe.Check == c && (path == "" || pe.Path == path) {
			return st
		}
	}
	t.Fatalf("no %s problem at %q in %v", c, path, err)
	return nil
}

// TestMissingFLBNode: every FDT-era generation that writes a luo-flb node
// still yields every session and file without it, or with a broken one.
func TestMissingFLBNode(t *testing.T) {
	for _, gen := range []abi.Tag{TagV5, TagV6, TagFLB} {
		e := encodeState(t, gen, State{LiveupdateNumber: 3, Sessions: sample(4, someFiles, false), FLBs: flbs})
		want := sessionsAndFiles(e.st)
		noFLB := renameNode(t, e.blob, "luo-flb", "luo-xyz")
		badCompat := setProp(t, e.blob, "/luo-flb", "compatible", []byte("luo-flb-v9\x00"))
		decodes := []string{string(gen)}
		if gen != TagFLB {
			decodes = append(decodes, "") // L-FLB without the node detects as L-6.19
		}
		for _, dec := range decodes {
			st := wantProblem(t, e, noFLB, abi.Tag(dec), CheckFLBNode, "LUO/luo-flb")
			if got := sessionsAndFiles(st); !reflect.DeepEqual(got, want) || st.FLBs != nil || st.LiveupdateNumber != 3 {
				t.Errorf("%s/%q without luo-flb: %q, FLBs %v", gen, dec, got, st.FLBs)
			}
			st = wantProblem(t, e, badCompat, abi.Tag(dec), CheckFLBNode, "LUO/luo-flb.compatible")
			if got := sessionsAndFiles(st); !reflect.DeepEqual(got, want) || len(st.FLBs) != len(flbs) {
				t.Errorf("%s/%q with a broken luo-flb: %q, FLBs %v", gen, dec, got, st.FLBs)
			}
		}
		// And the other way round: without luo-session the FLBs remain.
		noSess := renameNode(t, e.blob, "luo-session", "luo-sessiox")
		for _, dec := range []string{string(gen), ""} {
			st := wantProblem(t, e, noSess, abi.Tag(dec), CheckSessionNode, "LUO/luo-session")
			if len(st.FLBs) != len(flbs) || st.Sessions != nil {
				t.Errorf("%s/%q without luo-session: FLBs %v, sessions %v", gen, dec, st.FLBs, st.Sessions)
			}
		}
	}
}

// TestFeatureHeaderDefects: an L-feat blob whose feature header is
// damaged still yields every session and file, with CheckFeatures.
func TestFeatureHeaderDefects(t *testing.T) {
	s := State{LiveupdateNumber: 5, Sessions: sample(5, someFiles, true), FLBs: flbs}
	for _, c := range []struct {
		name  string
		f     Features
		patch func(b []byte)
		path  string
	}{
		{"unknown required bit", Features{0xf, 0xf, 0x7}, nil, "LUO.features.req"},
		{"req outside supp", Features{7, 7, 7}, func(b []byte) { b[8] |= 0x10 }, "LUO.features.req"},
		{"active outside supp", Features{7, 7, 7}, func(b []byte) { b[16] |= 0x20 }, "LUO.features.active"},
		{"reserved word", Features{7, 7, 7}, func(b []byte) { b[24+12*8] = 9 }, "LUO.features.reserved[12]"},
	} {
		s.Features = &c.f
		e := encodeChecked(t, TagFeat, s, false) // an unknown required feature: the clean decode has a problem
		blob := bytes.Clone(e.blob)
		if c.patch != nil {
			c.patch(blob)
		}
		want := sessionsAndFiles(e.st)
		for _, dec := range []abi.Tag{TagFeat, ""} {
			st := wantProblem(t, e, blob, dec, CheckFeatures, c.path)
			if got := sessionsAndFiles(st); !reflect.DeepEqual(got, want) || len(st.FLBs) != len(flbs) || st.LiveupdateNumber != 5 {
				t.Errorf("%s/%q: %q, FLBs %v", c.name, dec, got, st.FLBs)
			}
		}
		det, err := Detect(blob, e.img, "")
		if err != nil || det.Tag != TagFeat || len(det.Conflicts) == 0 {
			t.Errorf("%s: Detect = %+v, %v", c.name, det, err)
		}
	}
}

// TestUnresolvedSessionHeader: a session header outside the memory (or
// 0) still yields the FLBs.
func TestUnresolvedSessionHeader(t *testing.T) {
	const far = 0xdead0000
	s := State{LiveupdateNumber: 2, Sessions: sample(3, someFiles, false), FLBs: flbs}
	for _, c := range []struct {
		gen  abi.Tag
		prop string // prop: FDT property of /luo-session, or "" for luo_ser
	}{
		{TagV5, "luo-session-head"}, {TagV6, "luo-session-header"}, {TagFLB, "luo-session-header"},
		{TagLuoV3, ""}, {TagLuoV5, ""}, {TagRFCCompat, ""}, {TagLuoV2, ""},
	} {
		e := encodeState(t, c.gen, s)
		for _, hdr := range []uint64{far, 0} {
			blob := e.blob
			if c.prop != "" {
				blob = setProp(t, e.blob, "/luo-session", c.prop, le64(hdr))
			} else if c.gen == TagLuoV2 {
				poke64(t, e.img, e.st.Layout.SerAddr+uint64(layouts[c.gen].serSessions.Offset), hdr)
			} else {
				blob = bytes.Clone(e.blob)
				binary.LittleEndian.PutUint64(blob[layouts[c.gen].serSessions.Offset:], hdr)
			}
			for _, dec := range []string{string(c.gen), ""} {
				st, err := Decode(e.img, blob, abi.Tag(dec))
				checkProblems(t, err)
				if st == nil || len(st.FLBs) != len(flbs) || len(st.Sessions) != 0 {
					t.Fatalf("%s/%q header %#x: %+v, %v", c.gen, dec, hdr, st, err)
				}
				switch {
				case hdr == far && !errors.Is(err, phys.ErrUnresolved):
					t.Errorf("%s/%q: no unresolved problem: %v", c.gen, dec, err)
				case hdr == 0 && c.prop != "" && findCheck(err, CheckSessionHeaderZero) == nil:
					t.Errorf("%s/%q: no session-header-zero problem: %v", c.gen, dec, err)
				case hdr == 0 && c.prop == "" && err != nil:
					t.Errorf("%s/%q: sessions_pa 0 is no sessions, got %v", c.gen, dec, err)
				}
			}
			if c.gen == TagLuoV2 {
				poke64(t, e.img, e.st.Layout.SerAddr+uint64(layouts[c.gen].serSessions.Offset), e.st.Layout.SessionHeader.Addr)
			}
		}
	}
}

func findCheck(err error, c phys.Check) *phys.Error {
	for _, pe := range phys.Flatten(err, root) {
		if pe.Check == c {
			return pe
		}
	}
	return nil
}

// TestKeepGoing covers the other damaged parts around which decoding
// continues.
func TestKeepGoing(t *testing.T) {
	e := encodeState(t, Tag619, State{LiveupdateNumber: 1, Sessions: sample(4, func(int) int { return 2 }, false)})
	// Session 1: unterminated name and an unreadable file array.
	fill(t, e.img, e.st.Sessions[1].Addr, 64, 'N')
	poke64(t, e.img, e.st.Sessions[1].Addr+64, 0xbad000)
	// Session 2: file 0 with an unterminated compatible, a count of 200.
	fill(t, e.img, e.st.Sessions[2].Files[0].Addr, 48, 'c')
	poke64(t, e.img, e.st.Sessions[2].Addr+72, 200)
	st, err := Decode(e.img, e.blob, "")
	checkProblems(t, err)
	if st == nil || len(st.Sessions) != 4 {
		t.Fatalf("%+v, %v", st, err)
	}
	if n := st.Sessions[1].Name; n != strings.Repeat("N", 64) || st.Sessions[1].Files != nil {
		t.Errorf("session 1: %q files %v", n, st.Sessions[1].Files)
	}
	// The count is past the capacity: entries are read up to the first
	// unused (all-zero) slot.
	if f := st.Sessions[2].Files; len(f) != 2 || f[0].Compatible != strings.Repeat("c", 48) || f[1].Token != 2001 {
		t.Errorf("session 2: %d files, %+v", len(f), f[:min(2, len(f))])
	}
	if len(st.Sessions[0].Files) != 2 || len(st.Sessions[3].Files) != 2 {
		t.Errorf("sessions 0 and 3 lost files")
	}
	for _, c := range []phys.Check{CheckSessionName, CheckFileName, CheckFileCount} {
		if findCheck(err, c) == nil {
			t.Errorf("no %s problem in %v", c, err)
		}
	}
	if !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("no unresolved problem in %v", err)
	}
}

// TestProblemCap: hostile input cannot grow the problem list unbounded.
func TestProblemCap(t *testing.T) {
	e := encodeState(t, Tag619, State{Sessions: sample(819, func(int) int { return 0 }, false)})
	for _, s := range e.st.Sessions {
		fill(t, e.img, s.Addr, 64, 'x') // no NUL
		poke64(t, e.img, s.Addr+72, 1)  // files 0 with a count
	}
	st, err := Decode(e.img, e.blob, "")
	checkProblems(t, err)
	all := phys.Flatten(err, root)
	last := all[len(all)-1]
	if st == nil || len(st.Sessions) != 819 || len(all) != maxProblems+1 || !errors.Is(last, phys.ErrLimit) ||
		!strings.Contains(last.Msg, "638 more") {
		t.Fatalf("%d problems, last %v", len(all), last)
	}
}

// TestDetection checks confidences, alternatives and conflicts.
func TestDetection(t *testing.T) {
	s := State{LiveupdateNumber: 1, Sessions: sample(3, someFiles, false), FLBs: flbs}
	flb := encodeState(t, TagFLB, s)
	noFLB := renameNode(t, flb.blob, "luo-flb", "luo-xyz")
	v6 := encodeState(t, TagV6, s)
	v5 := encodeState(t, TagV5, s)
	l619 := encodeState(t, Tag619, State{Sessions: sample(2, someFiles, false)})
	v3 := encodeState(t, TagLuoV3, s)
	missingFLB := "the luo-flb node that L-FLB writes is missing"
	for _, c := range []struct {
		name      string
		e         encoded
		blob      []byte
		kho       string
		tag       abi.Tag
		conf      abi.Confidence
		alts      []abi.Tag
		conflicts []string // substrings, one per conflict
	}{
		{"L-FLB without luo-flb, K2", flb, noFLB, "K2", TagFLB, abi.High, nil, []string{missingFLB}},
		{"L-FLB without luo-flb, K3", flb, noFLB, "K3", TagFLB, abi.High, nil, []string{missingFLB}},
		{"L-FLB without luo-flb, K1b", flb, noFLB, "K1b", Tag619, abi.High, nil, nil},
		{"L-FLB without luo-flb, unknown KHO", flb, noFLB, "", Tag619, abi.Low, []abi.Tag{TagFLB}, nil},
		{"L-6.19 under K4", l619, l619.blob, "K4", Tag619, abi.High, nil,
			[]string{"L-6.19 does not pair with KHO generation K4"}},
		{"L-FLB", flb, flb.blob, "K2", TagFLB, abi.High, nil, nil},
		{"L-v6 without luo-flb", v6, renameNode(t, v6.blob, "luo-flb", "luo-xyz"), "", TagV6, abi.High, nil,
			[]string{"the luo-flb node that L-v6 writes is missing"}},
		{"L-v5 without luo-flb", v5, renameNode(t, v5.blob, "luo-flb", "luo-xyz"), "", TagV5, abi.High, nil,
			[]string{"the luo-flb node that L-v5 writes is missing"}},
		{"L-v5 without luo-session", v5, renameNode(t, v5.blob, "luo-session", "luo-sessiox"), "", TagV5, abi.Low, nil,
			[]string{"the luo-session node that L-v5 writes is missing"}},
		{"L-FLB without luo-session", flb, renameNode(t, flb.blob, "luo-session", "luo-sessiox"), "K2", TagFLB, abi.Low,
			[]abi.Tag{TagV6}, []string{"the luo-session node that L-FLB writes is missing"}},
		{"luo-v3", v3, v3.blob, "", TagLuoV3, abi.Certain, nil, nil},
		{"luo-v3 truncated", v3, v3.blob[:20], "", TagLuoV3, abi.Certain, nil, []string{"shorter than the 32-byte luo_ser"}},
	} {
		det, err := Detect(c.blob, c.e.img, abi.Tag(c.kho))
		if err != nil || det.Tag != c.tag || det.Confidence != c.conf || !reflect.DeepEqual(det.Alternatives, c.alts) ||
			len(det.Conflicts) != len(c.conflicts) {
			t.Errorf("%s: Detect = %+v, %v", c.name, det, err)
			continue
		}
		for i, want := range c.conflicts {
			if !strings.Contains(det.Conflicts[i], want) {
				t.Errorf("%s: conflict %q, want %q", c.name, det.Conflicts[i], want)
			}
		}
		if !slices.ContainsFunc(det.Evidence, func(s string) bool { return s != "" }) {
			t.Errorf("%s: no evidence", c.name)
		}
	}
}
