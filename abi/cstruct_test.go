package abi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

// cStruct is what testdata/layouts.c reports for one struct.
type cStruct struct {
	id     string
	size   int
	fields map[string][3]int // offset, size, count
	bits   map[string][3]int // first bit, last bit, bits set
	order  []string
	sample []byte
}

// runLayouts compiles and runs the C oracle. Without gcc the test is
// skipped, unless LUOINSPECT_REQUIRE_ORACLES=1 makes that a failure.
func runLayouts(t *testing.T) ([]*cStruct, map[string][2]string) {
	t.Helper()
	gcc := testutil.OraclePath(t, "gcc")
	bin := filepath.Join(t.TempDir(), "layouts")
	cmd := exec.Command(gcc, "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-o", bin, filepath.Join("testdata", "layouts.c"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("running layouts: %v", err)
	}
	return parseLayouts(t, out)
}

func parseLayouts(t *testing.T, out []byte) ([]*cStruct, map[string][2]string) {
	t.Helper()
	var all []*cStruct
	var cur *cStruct
	checks := map[string][2]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("bad number %q in oracle output", s)
		}
		return n
	}
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) == 0 {
			continue
		}
		if w[0] != "struct" && w[0] != "check" && cur == nil {
			t.Fatalf("oracle line before any struct: %q", sc.Text())
		}
		switch {
		case w[0] == "struct" && len(w) == 3:
			cur = &cStruct{id: w[1], size: atoi(w[2]), fields: map[string][3]int{}, bits: map[string][3]int{}}
			all = append(all, cur)
		case w[0] == "field" && len(w) == 5:
			cur.fields[w[1]] = [3]int{atoi(w[2]), atoi(w[3]), atoi(w[4])}
			cur.order = append(cur.order, w[1])
		case w[0] == "bits" && len(w) == 5:
			cur.bits[w[1]] = [3]int{atoi(w[2]), atoi(w[3]), atoi(w[4])}
			cur.order = append(cur.order, w[1])
		case w[0] == "sample" && len(w) == 2:
			b, err := hex.DecodeString(w[1])
			if err != nil {
				t.Fatalf("%s: bad sample: %v", cur.id, err)
			}
			cur.sample = b
		case w[0] == "check" && len(w) == 4:
			checks[w[1]] = [2]string{w[2], w[3]}
		default:
			t.Fatalf("unexpected oracle line %q", sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return all, checks
}

// expectedFields lists what the oracle must print for s: every top-level
// member, every member of embedded structs, by dotted name.
func expectedFields(s *Struct) (fields, bitfields map[string][3]int) {
	fields, bitfields = map[string][3]int{}, map[string][3]int{}
	var walk func(s *Struct, prefix string, base int)
	walk = func(s *Struct, prefix string, base int) {
		for _, f := range s.Fields {
			name, off := prefix+f.Name, base+f.Offset
			if f.Kind == KindBitfield {
				first := off*8 + f.BitOffset
				bitfields[name] = [3]int{first, first + f.BitSize - 1, f.BitSize}
				continue
			}
			fields[name] = [3]int{off, f.Size, f.Count}
			if f.Kind == KindStruct && f.Count == 0 && f.Type != nil {
				walk(f.Type, name+".", off)
			}
		}
	}
	walk(s, "", 0)
	return fields, bitfields
}

// Fill patterns shared with testdata/layouts.c.
func pat(i, j int) uint64 {
	return 0x8877665544332211 ^ uint64(i)*0x0101010101010101 ^ uint64(j)<<40
}

func bpat(i, k int) byte { return byte(i*31 + k*7 + 1) }

// putUint stores the low n bytes of v at b in the field's byte order.
func putUint(b []byte, n int, v uint64, e Endian) {
	var w [8]byte
	if e == BigEndian {
		binary.BigEndian.PutUint64(w[:], v<<(64-8*n))
	} else {
		binary.LittleEndian.PutUint64(w[:], v)
	}
	copy(b[:n], w[:n])
}

func getUint(b []byte, n int, e Endian) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		if e == BigEndian {
			v = v<<8 | uint64(b[i])
		} else {
			v |= uint64(b[i]) << (8 * i)
		}
	}
	return v
}

// packSample encodes the oracle's sample object from registry offsets
// alone: a tiny little-endian packer with bitfield support.
func packSample(s *Struct) []byte {
	b := make([]byte, s.Size)
	for i, f := range s.Leaves() {
		leaf := i + 1
		dst := b[f.Offset:f.End()]
		switch {
		case f.Kind == KindBitfield:
			mask := uint64(1)<<f.BitSize - 1
			if f.BitSize == 64 {
				mask = ^uint64(0)
			}
			unit := getUint(dst, f.Size, f.Endian)
			unit = unit&^(mask<<f.BitOffset) | (pat(leaf, 0)&mask)<<f.BitOffset
			putUint(dst, f.Size, unit, f.Endian)
		case f.Kind == KindCString || f.Kind == KindBytes || f.Kind == KindStruct:
			for k := range dst {
				dst[k] = bpat(leaf, k)
			}
		case f.Count > 0:
			es := f.ElemSize()
			for j := 0; j < f.Count; j++ {
				putUint(dst[j*es:], es, pat(leaf, j), f.Endian)
			}
		default:
			putUint(dst, f.Size, pat(leaf, 0), f.Endian)
		}
	}
	return b
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestCLayouts proves every registry struct against GCC: sizeof, offsetof,
// bitfield placement, and the bytes of one sample object.
func TestCLayouts(t *testing.T) {
	cs, checks := runLayouts(t)
	covered := map[*Struct]bool{}
	for _, c := range cs {
		t.Run(c.id, func(t *testing.T) {
			tag, name, ok := strings.Cut(c.id, "/")
			if !ok {
				t.Fatalf("bad id %q", c.id)
			}
			g, ok := Lookup(Tag(tag))
			if !ok {
				t.Fatalf("no generation %s", tag)
			}
			s, ok := g.Struct(name)
			if !ok {
				t.Fatalf("%s has no struct %s", tag, name)
			}
			covered[s] = true
			if s.Size != c.size {
				t.Errorf("sizeof = %d, registry %d", c.size, s.Size)
			}
			fields, bitfields := expectedFields(s)
			compare := func(kind string, want, got map[string][3]int) {
				for n, w := range want {
					if g, ok := got[n]; !ok {
						t.Errorf("%s %s missing from the C oracle", kind, n)
					} else if g != w {
						t.Errorf("%s %s: C %v, registry %v", kind, n, g, w)
					}
				}
				for n := range got {
					if _, ok := want[n]; !ok {
						t.Errorf("%s %s is in the C oracle but not in the registry", kind, n)
					}
				}
			}
			compare("field", fields, c.fields)
			compare("bitfield", bitfields, c.bits)
			if want := packSample(s); !bytes.Equal(want, c.sample) {
				i := firstDiff(want, c.sample)
				t.Errorf("sample differs at byte %d (len %d/%d):\nregistry %x\ngcc      %x", i, len(want), len(c.sample),
					want[i:min(i+16, len(want))], c.sample[i:min(i+16, len(c.sample))])
			}
		})
	}
	for s, label := range allStructs() {
		if !covered[s] {
			t.Errorf("struct %s (%d bytes) is not checked by testdata/layouts.c", label, s.Size)
		}
	}
	// Worked examples of docs/abi/generations.md §5.2, also through the registry.
	wantChecks := map[string]string{"m0-foliodesc": "0000123456789003", "m1-folio-word": "0030000123456789"}
	for name, want := range wantChecks {
		got, ok := checks[name]
		if !ok || got[0] != got[1] || got[0] != want {
			t.Errorf("check %s: %v, want %s", name, got, want)
		}
	}
	for tag, want := range map[string]uint64{"M0/memfd_luo_preserved_folio": 0x0000123456789003, "M1/memfd_luo_folio_ser": 0x0030000123456789} {
		tg, name, _ := strings.Cut(tag, "/")
		g, _ := Lookup(Tag(tg))
		s, _ := g.Struct(name)
		pfn, _ := s.Field("pfn")
		flags, _ := s.Field("flags")
		word := uint64(0x123456789)<<pfn.BitOffset | uint64(3)<<flags.BitOffset
		if word != want {
			t.Errorf("%s: registry bit positions give %#016x, want %#016x", tag, word, want)
		}
	}
}

// TestPackSampleBigEndian keeps the packer honest about byte order.
func TestPackSampleBigEndian(t *testing.T) {
	s := &Struct{Name: "t", Size: 8, Fields: []Field{num(0, 4, "u32", "a", "a"), num(4, 4, "u32", "b", "b")}}
	s.Fields[1].Endian = BigEndian
	b := packSample(s)
	a1, b1 := uint32(pat(1, 0)), uint32(pat(2, 0))
	if got := fmt.Sprintf("%x", b); got != fmt.Sprintf("%08x%08x", swap32(a1), b1) {
		t.Errorf("packSample = %s", got)
	}
}

func swap32(v uint32) uint32 {
	var w [4]byte
	binary.LittleEndian.PutUint32(w[:], v)
	return binary.BigEndian.Uint32(w[:])
}
