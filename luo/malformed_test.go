package luo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

func poke64(t *testing.T, img *phys.Image, addr, v uint64) {
	t.Helper()
	b, ok := img.View(addr, 8)
	if !ok {
		t.Fatalf("no memory at %#x", addr)
	}
	binary.LittleEndian.PutUint64(b, v)
}

func fill(t *testing.T, img *phys.Image, addr uint64, n int, c byte) {
	t.Helper()
	b, ok := img.View(addr, uint64(n))
	if !ok {
		t.Fatalf("no memory at %#x", addr)
	}
	for i := range b {
		b[i] = c
	}
}

// setProp returns a copy of an FDT blob with the value of prop in node
// (an FDT path) replaced by v of the same length.
func setProp(t *testing.T, blob []byte, node, prop string, v []byte) []byte {
	t.Helper()
	tr, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := tr.Lookup(node)
	if !ok {
		t.Fatalf("no node %s", node)
	}
	p, ok := n.Property(prop)
	if !ok || len(p.Value) != len(v) {
		t.Fatalf("no property %s of %d bytes", prop, len(v))
	}
	out := bytes.Clone(blob)
	copy(out[p.ValueOffset():], v)
	return out
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// luoFDT builds a luo-v1 FDT by hand.
func luoFDT(t *testing.T, rootCompat string, number []byte, sessCompat, sessProp string, hdr []byte) []byte {
	t.Helper()
	w := fdt.NewSeqWriter(4096)
	w.BeginNode("")
	w.PropertyString("compatible", rootCompat)
	w.Property("liveupdate-number", number)
	w.BeginNode("luo-session")
	w.PropertyString("compatible", sessCompat)
	w.Property(sessProp, hdr)
	w.EndNode()
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMalformed(t *testing.T) {
	three := State{LiveupdateNumber: 1, Sessions: sample(3, someFiles, false), FLBs: flbs}
	noFLB := State{LiveupdateNumber: 1, Sessions: sample(3, someFiles, false)}
	tests := []struct {
		name   string
		gen    abi.Tag // encode generation
		s      State
		decode abi.Tag // decode generation ("" detect)
		mutate func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte
		kind   error
		path   string
		check  phys.Check // "" for unresolved memory; KHO chain problems carry kho checks
	}{
		{"session count over capacity", TagFLB, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Layout.SessionHeader.Addr, 820)
			return blob
		}, phys.ErrLimit, "LUO/sessions.count", CheckSessionCount},
		{"file count over capacity", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Sessions[0].Addr+72, 129)
			return blob
		}, phys.ErrLimit, "LUO/sessions[0].files.count", CheckFileCount},
		{"FLB count over capacity", TagLuoV3, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Layout.FLBHeader.Addr+8, 64)
			return blob
		}, phys.ErrLimit, "LUO/flbs.count", CheckFLBCount},
		{"files 0 with a count", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Sessions[1].Addr+72, 3)
			return blob
		}, phys.ErrMalformed, "LUO/sessions[1].files.count", CheckFilesZero},
		{"unterminated session name", TagLuoV5, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			fill(t, img, st.Sessions[2].Addr, 64, 'A')
			return blob
		}, phys.ErrMalformed, "LUO/sessions[2].name", CheckSessionName},
		{"unterminated file compatible", TagFLB, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			fill(t, img, st.Sessions[0].Files[1].Addr, 48, 'x')
			return blob
		}, phys.ErrMalformed, "LUO/sessions[0].files[1].compatible", CheckFileName},
		{"unterminated handler name", TagFeat, State{Features: &Features{7, 7, 7}, Sessions: sample(1, someFiles, true)}, "",
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				fill(t, img, st.Sessions[0].Files[0].Addr, 48, 'x')
				return blob
			}, phys.ErrMalformed, "LUO/sessions[0].files[0].name", CheckFileName},
		{"unterminated FLB name", TagLuoV5, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			fill(t, img, st.FLBs[1].Addr, 48, 'x')
			return blob
		}, phys.ErrMalformed, "LUO/flbs[1].name", CheckFLBName},
		{"cycle in session chain", TagLuoV5, State{Sessions: sample(120, func(int) int { return 0 }, false)}, "",
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				poke64(t, img, st.Layout.SessionBlocks[2], st.Layout.SessionBlocks[1])
				return blob
			}, phys.ErrCycle, "LUO/sessions.block[3]", ""},
		{"cycle in file chain", TagLuoV5, State{Sessions: sample(1, func(int) int { return 130 }, false)}, "",
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				poke64(t, img, st.Sessions[0].FileBlocks[2], st.Sessions[0].FileBlocks[0])
				return blob
			}, phys.ErrCycle, "LUO/sessions[0].files.block[3]", ""},
		{"block count 0", TagRFCCompat, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Layout.SessionBlocks[0]+8, 0)
			return blob
		}, phys.ErrMalformed, "LUO/sessions.block[0].count", ""},
		{"file count differs from chain", TagLuoV5, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Sessions[0].Addr+72, 3)
			return blob
		}, phys.ErrMalformed, "LUO/sessions[0].files.count", CheckChainTotal},
		{"file array shared by two sessions", TagLuoV3, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Sessions[2].Addr+64, st.Sessions[0].FilesAddr)
			return blob
		}, phys.ErrMalformed, "LUO/sessions[2].files", CheckShared},
		{"unresolved session array", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return setProp(t, blob, "/luo-session", "luo-session-header", le64(0xdead0000))
		}, phys.ErrUnresolved, "LUO/sessions", ""},
		{"unresolved file array", TagLuoV2, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			poke64(t, img, st.Sessions[0].Addr+64, 0xbad000)
			return blob
		}, phys.ErrUnresolved, "LUO/sessions[0].files", ""},
		{"session header 0", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return setProp(t, blob, "/luo-session", "luo-session-header", le64(0))
		}, phys.ErrMalformed, "LUO/sessions", CheckSessionHeaderZero},
		{"session header property 4 bytes", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return luoFDT(t, "luo-v1", le64(1), "luo-session-v2", "luo-session-header", []byte{0, 0x10, 0, 0})
		}, phys.ErrMalformed, "LUO/luo-session.luo-session-header", CheckSessionNode},
		{"liveupdate-number 4 bytes", Tag619, noFLB, Tag619, func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return luoFDT(t, "luo-v1", []byte{1, 0, 0, 0}, "luo-session-v2", "luo-session-header", le64(st.Layout.SessionHeader.Addr))
		}, phys.ErrMalformed, "LUO.liveupdate-number", CheckLiveupdateNumber},
		{"unknown root compatible", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return luoFDT(t, "luo-v7", le64(1), "luo-session-v2", "luo-session-header", le64(st.Layout.SessionHeader.Addr))
		}, phys.ErrUnsupported, "LUO.compatible", CheckCompatible},
		{"unknown session compatible", Tag619, noFLB, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return luoFDT(t, "luo-v1", le64(1), "luo-session-v3", "luo-session-header", le64(st.Layout.SessionHeader.Addr))
		}, phys.ErrUnsupported, "LUO/luo-session.compatible", CheckSessionNode},
		{"unknown session compatible, explicit", Tag619, noFLB, Tag619, func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return luoFDT(t, "luo-v1", le64(1), "luo-session-v3", "luo-session-header", le64(st.Layout.SessionHeader.Addr))
		}, phys.ErrUnsupported, "LUO/luo-session.compatible", CheckSessionNode},
		{"unknown luo_ser string", TagLuoV5, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			b := bytes.Clone(blob)
			b[5] = '9'
			return b
		}, phys.ErrUnsupported, "LUO.compatible", CheckCompatible},
		{"luo_ser string of another generation", TagLuoV5, three, TagLuoV4, nil, phys.ErrUnsupported, "LUO.compatible", CheckCompatible},
		{"luo_ser too small", TagLuoV3, three, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			return blob[:20]
		}, phys.ErrMalformed, "LUO", CheckBlobSize},
		{"L-6.19 blob read as L-FLB", Tag619, noFLB, TagFLB, nil, phys.ErrMalformed, "LUO/luo-flb", CheckFLBNode},
		{"L-v5 blob read as L-v6", TagV5, three, TagV6, nil, phys.ErrUnsupported, "LUO/luo-session.luo-session-head", CheckSessionNode},
		{"feature reserved word", TagFeat, State{Features: &Features{7, 7, 7}}, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			b := bytes.Clone(blob)
			b[24+3*8] = 1
			return b
		}, phys.ErrMalformed, "LUO.features.reserved[3]", CheckFeatures}, // detected as L-feat with a conflict
		{"feature reserved word, explicit", TagFeat, State{Features: &Features{7, 7, 7}}, TagFeat,
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				b := bytes.Clone(blob)
				b[24+3*8] = 1
				return b
			}, phys.ErrMalformed, "LUO.features.reserved[3]", CheckFeatures},
		{"unknown required feature", TagFeat, State{Features: &Features{0xf, 0xf, 0x7}}, "", nil, phys.ErrUnsupported, "LUO.features.req", CheckFeatures},
		{"inactive member set", TagFeat, State{Features: &Features{7, 7, 5}}, "", func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
			b := bytes.Clone(blob)
			binary.LittleEndian.PutUint64(b[136:], 0x5000)
			return b
		}, phys.ErrMalformed, "LUO.sessions_pa", CheckFeatures},
		{"L-v4 without session FDT", TagV4, State{Sessions: sample(2, someFiles, false)}, TagV4,
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				return setProp(t, blob, "/subsystems", "luo-session", le64(0x123000))
			}, phys.ErrUnresolved, "LUO/luo-session", ""},
		{"L-v4 without session subsystem", TagV4, State{Sessions: sample(2, someFiles, false)}, TagV4,
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				w := fdt.NewSeqWriter(4096)
				w.BeginNode("")
				w.PropertyString("compatible", "luo-v1")
				w.BeginNode("subsystems")
				w.PropertyString("compatible", "subsystems-v1")
				w.PropertyU64LE("iommu", 0x123000)
				w.EndNode()
				w.EndNode()
				b, _ := w.Finish()
				return b
			}, phys.ErrMalformed, "LUO/luo-session", CheckSessionNode},
		{"L-RFC file without data", TagRFC, State{Files: []File{{Compatible: "memfd-v1", Token: 7}}}, "",
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				w := fdt.NewSeqWriter(4096)
				w.BeginNode("")
				w.PropertyString("compatible", "luo-v1")
				w.BeginNode("file-descriptors")
				w.PropertyString("compatible", "file-descriptors-v1")
				w.BeginNode("0x7")
				w.PropertyString("compatible", "memfd-v1")
				w.EndNode()
				w.EndNode()
				w.EndNode()
				b, _ := w.Finish()
				return b
			}, phys.ErrMalformed, "LUO/files[0].data", CheckStructure},
		{"L-RFC bad token", TagRFC, State{Files: []File{{Compatible: "memfd-v1", Token: 7}}}, "",
			func(t *testing.T, img *phys.Image, st *State, blob []byte) []byte {
				w := fdt.NewSeqWriter(4096)
				w.BeginNode("")
				w.PropertyString("compatible", "luo-v1")
				w.BeginNode("file-descriptors")
				w.PropertyString("compatible", "file-descriptors-v1")
				w.BeginNode("0x7g")
				w.EndNode()
				w.EndNode()
				w.EndNode()
				b, _ := w.Finish()
				return b
			}, phys.ErrMalformed, "LUO/files[0]", CheckStructure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := phys.NewImage()
			a := phys.NewAllocator(img, 0x100000)
			s := tc.s
			blob, _, err := Encode(a, &s, tc.gen)
			if err != nil {
				t.Fatal(err)
			}
			if tc.mutate != nil {
				st, err := Decode(img, blob, tc.gen)
				if err != nil {
					t.Fatalf("valid blob: %v", err)
				}
				blob = tc.mutate(t, img, st, blob)
			}
			st, err := Decode(img, blob, tc.decode)
			checkProblems(t, err)
			pe := findProblem(err, tc.path, tc.kind)
			if pe == nil {
				t.Fatalf("got %v, want %v at %s", err, tc.kind, tc.path)
			}
			if tc.check != "" && pe.Check != tc.check {
				t.Fatalf("%v: check %q, want %q", pe, pe.Check, tc.check)
			}
			if tc.decode != "" && st == nil {
				t.Fatalf("no state for the given generation %s", tc.decode)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	long := string(bytes.Repeat([]byte{'n'}, 64))
	tests := []struct {
		name string
		gen  abi.Tag
		s    State
		kind error
		path string
	}{
		{"session name too long", Tag619, State{Sessions: []Session{{Name: long}}}, phys.ErrLimit, "LUO/sessions[0].name"},
		{"name with NUL", TagLuoV5, State{Sessions: []Session{{Name: "a\x00b"}}}, phys.ErrMalformed, "LUO/sessions[0].name"},
		{"too many files", Tag619, State{Sessions: sample(1, func(int) int { return 129 }, false)}, phys.ErrLimit, "LUO/sessions[0].files"},
		{"too many sessions", Tag619, State{Sessions: sample(820, func(int) int { return 0 }, false)}, phys.ErrLimit, "LUO/sessions"},
		{"too many FLBs", TagFLB, State{FLBs: make([]FLB, 64)}, phys.ErrLimit, "LUO/flbs"},
		{"FLBs in 6.19", Tag619, State{FLBs: flbs}, phys.ErrUnsupported, "LUO/flbs"},
		{"files in 6.19-pre", Tag619Pre, State{Sessions: sample(1, someFiles, false)}, phys.ErrUnsupported, "LUO/sessions[0].files"},
		{"compatible in L-feat", TagFeat, State{Sessions: sample(1, someFiles, false)}, phys.ErrUnsupported, "LUO/sessions[0].files[0].compatible"},
		{"unknown generation", "L-v99", State{}, phys.ErrUnsupported, "LUO"},
		{"subsystem twice", TagRFC, State{Subsystems: []Subsystem{{"a", 1}, {"a", 2}}}, phys.ErrMalformed, "LUO/subsystems.a"},
		{"subsystem named compatible", TagV4, State{Subsystems: []Subsystem{{"compatible", 1}}}, phys.ErrUnsupported, "LUO/subsystems.compatible"},
		{"subsystem name with NUL", TagV4, State{Subsystems: []Subsystem{{"a\x00", 1}}}, phys.ErrMalformed, "LUO/subsystems.a\x00"},
		{"subsystems overflow the page", TagRFC, State{Subsystems: manySubsystems(300)}, phys.ErrLimit, "LUO/subsystems.s-0145"},
	}
	for _, tc := range tests {
		a := phys.NewAllocator(phys.NewImage(), 0x100000)
		s := tc.s
		_, _, err := Encode(a, &s, tc.gen)
		var pe *phys.Error
		if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.Path != tc.path {
			t.Errorf("%s: got %v, want %v at %s", tc.name, err, tc.kind, tc.path)
		}
	}
}

func TestParseToken(t *testing.T) {
	for _, c := range []struct {
		in string
		v  uint64
		ok bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"0x2a", 42, true}, {"0X2A", 42, true}, {"052", 42, true},
		{"0x", 0, false}, {"", 0, false}, {"09", 0, false}, {"-1", 0, false}, {"1_0", 0, false},
		{"18446744073709551615", ^uint64(0), true}, {"18446744073709551616", 0, false},
	} {
		v, ok := parseToken(c.in)
		if v != c.v || ok != c.ok {
			t.Errorf("parseToken(%q) = %d, %v", c.in, v, ok)
		}
	}
	for _, tok := range []uint64{0, 1, 42, ^uint64(0)} {
		if v, ok := parseToken(formatToken(tok)); !ok || v != tok {
			t.Errorf("token %d does not survive %q", tok, formatToken(tok))
		}
	}
}

func manySubsystems(n int) []Subsystem {
	var out []Subsystem
	for i := range n {
		out = append(out, Subsystem{Name: fmt.Sprintf("s-%04d", i), Data: uint64(i)})
	}
	return out
}
