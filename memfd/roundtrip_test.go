package memfd

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// content keeps the fields a round trip must preserve.
func content(f *File) File {
	return File{Generation: f.Generation, Pos: f.Pos, Size: f.Size, Seals: f.Seals, Flags: f.Flags,
		Reserved: f.Reserved, NrFolios: f.NrFolios, Features: f.Features}
}

func TestRoundTrip(t *testing.T) {
	custom := DefaultFeatures()
	custom.Supp |= 0x8
	tests := []struct {
		name   string
		gen    abi.Tag
		f      File
		size   uint64 // memfd size; folio pages are allocated for it
		order  uint
		synthN uint64 // > 0: synthetic records instead of real pages
		hasNr  bool   // M0 nr_folios property
	}{
		{name: "M0 empty", gen: M0},
		{name: "M0 pages", gen: M0, f: File{Pos: 100, Size: 5*4096 + 7}},
		{name: "M0 nr_folios prop", gen: M0, f: File{Pos: 1, Size: 3 * 4096}, hasNr: true},
		{name: "M0 order-2 folios", gen: M0, f: File{Size: 64 << 10}, order: 2},
		{name: "M0 big", gen: M0, f: File{Size: 1 << 40}, synthN: 20000},
		{name: "M1 empty", gen: M1, f: File{Pos: 9}},
		{name: "M1 pages", gen: M1, f: File{Pos: 4096, Size: 9*4096 - 1}},
		{name: "M1 3 blocks", gen: M1, f: File{Size: 600 * 4096}, synthN: 600},
		{name: "M1 2 chunks", gen: M1, f: File{Size: 1 << 40}, synthN: 512*256 + 5},
		{name: "M2a", gen: M2a, f: File{Size: 4 * 4096, Seals: 0x3f}},
		{name: "M2b", gen: M2b, f: File{Pos: 3, Size: 4 * 4096, Seals: 0x2a}},
		{name: "M2b flags", gen: M2b, f: File{Size: 4096, Seals: 1, Flags: 0x80000001}},
		{name: "M3", gen: M3, f: File{Size: 8 * 4096, Seals: 0x1}, order: 1},
		{name: "M4", gen: M4, f: File{Pos: 5, Size: 3 * 4096, Seals: 0x4, Features: DefaultFeatures()}},
		{name: "M4 custom features", gen: M4, f: File{Size: 4096, Features: custom}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := phys.NewImage()
			a := phys.NewAllocator(img, 0x100000)
			var folios []Folio
			if tc.synthN > 0 {
				for i := range tc.synthN {
					folios = append(folios, synth(i))
				}
			} else {
				folios = AllocFolios(a, tc.f.Size, tc.order, func(fo Folio, data []byte) {
					binary.LittleEndian.PutUint64(data, fo.Index)
				})
			}
			in := tc.f
			if tc.hasNr {
				in.FDT = &FDTInfo{HasNrFolios: true}
			}
			addr, err := Encode(a, &in, folios, tc.gen)
			if err != nil {
				t.Fatal(err)
			}
			s := &state{img, a, addr, tc.gen}
			got := s.decode(t)
			want := tc.f
			want.Generation, want.NrFolios = tc.gen, uint64(len(folios))
			if tc.gen == M4 && want.Features == (Features{}) {
				want.Features = DefaultFeatures()
			}
			if tc.gen == M2a {
				// memfd-v2 cannot tell M2a from M2b when bits 8..63 are clear.
				if got.Generation != M2b || !slices.Equal(got.Alternatives, []abi.Tag{M2a}) {
					t.Fatalf("memfd-v2 decoded as %s alternatives %v: %s", got.Generation, got.Alternatives, got.Reason)
				}
				if got, err = DecodeAs(img, addr, M2a, testPath); err != nil {
					t.Fatal(err)
				}
			}
			if c := content(got); !reflect.DeepEqual(c, want) {
				t.Fatalf("decoded %+v\nwant    %+v", c, want)
			}
			if got.Addr != addr || got.Path != testPath || got.Reason == "" {
				t.Errorf("addr %#x path %q reason %q", got.Addr, got.Path, got.Reason)
			}
			if tc.gen == M0 {
				if got.FDT == nil || got.FDT.HasNrFolios != tc.hasNr || (tc.hasNr && got.FDT.NrFolios != uint64(len(folios))) {
					t.Fatalf("FDT info %+v", got.FDT)
				}
			} else if len(folios) > 0 {
				v := got.Folios
				wantPages := (uint32(len(folios))*16 + 4095) / 4096
				if v.Order != 0 || v.Flags != kho.VmallocAlloc || v.TotalPages != wantPages || v.First == 0 {
					t.Fatalf("vmalloc descriptor %+v, want order 0, flags 1, %d pages", v, wantPages)
				}
			} else if got.Folios != (kho.Vmalloc{}) {
				t.Fatalf("empty file has folio descriptor %+v", got.Folios)
			}
			if back := collect(t, got, img); !slices.Equal(back, folios) {
				t.Fatalf("folios differ: %d vs %d records", len(back), len(folios))
			}
			if len(folios) > 0 {
				last := uint64(len(folios) - 1)
				for _, i := range []uint64{0, last / 2, last} {
					fo, err := got.FolioAt(img, i)
					if err != nil || fo != folios[i] {
						t.Fatalf("FolioAt(%d) = %+v, %v; want %+v", i, fo, err, folios[i])
					}
				}
			}
			if _, err := got.FolioAt(img, uint64(len(folios))); err == nil {
				t.Fatal("FolioAt past nr_folios succeeded")
			}
			findings := got.Check(img)
			if wantClean := tc.f.Flags == 0; wantClean && len(findings) != 0 {
				t.Fatalf("kernel-made state has findings: %v", findings)
			}
			if tc.synthN == 0 && len(folios) > 0 {
				// The folio pages are preserved blocks of the right order.
				var found int
				for _, b := range a.Preserved {
					if b.Addr == folios[0].Addr() && b.Order == tc.order {
						found++
					}
				}
				if found != 1 {
					t.Fatalf("folio page %#x not preserved at order %d", folios[0].Addr(), tc.order)
				}
			}
		})
	}
}

// TestFolioWordExamples checks the worked examples of docs/abi/generations.md §5.2:
// pfn 0x123456789 with flags 3 is 0x0000123456789003 in M0 and
// 0x0030000123456789 in M1, byte for byte.
func TestFolioWordExamples(t *testing.T) {
	fo := Folio{PFN: 0x123456789, Flags: 3, Index: 0x42}
	tests := []struct {
		gen  abi.Tag
		word uint64
	}{
		{M0, 0x0000123456789003},
		{M1, 0x0030000123456789},
		{M2b, 0x0030000123456789},
		{M4, 0x0030000123456789},
	}
	for _, tc := range tests {
		s := encodeState(t, 0x200000, &File{Size: 1 << 40}, []Folio{fo}, tc.gen)
		var rec []byte
		if tc.gen == M0 {
			f := s.decode(t)
			rec = s.bytesAt(t, f.FDT.Folios, 16)
		} else {
			rec = s.bytesAt(t, s.area(t).Blocks[0], 16)
		}
		want := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, tc.word), 0x42)
		if !bytes.Equal(rec, want) {
			t.Errorf("%s record % x, want % x", tc.gen, rec, want)
		}
		if got := folioLayoutOf(tc.gen).decode(want); got != fo {
			t.Errorf("%s decode = %+v", tc.gen, got)
		}
	}
	// Each word read with the other generation's layout is a different folio.
	rec := make([]byte, 16)
	put64(rec, 0, 0x0000123456789003)
	if got := folioM1.decode(rec); got.PFN == 0x123456789 || got.Flags != 0 {
		t.Errorf("M0 word read as M1 = %+v", got)
	}
}

func TestRegistryConstants(t *testing.T) {
	for _, c := range []struct {
		tag  abi.Tag
		name string
		v    uint64
	}{
		{M0, "PRESERVED_FLAG_DIRTY", FolioDirty},
		{M0, "PRESERVED_FLAG_UPTODATE", FolioUptodate},
		{M1, "MEMFD_LUO_FOLIO_DIRTY", FolioDirty},
		{M1, "MEMFD_LUO_FOLIO_UPTODATE", FolioUptodate},
		{M4, "MEMFD_LUO_FOLIO_DIRTY", FolioDirty},
	} {
		if got := abi.MustConstant(c.tag, c.name); got != c.v {
			t.Errorf("%s %s = %#x, package says %#x", c.tag, c.name, got, c.v)
		}
	}
	for _, g := range Tags {
		c, err := Compatible(g)
		if err != nil {
			t.Fatal(err)
		}
		want := map[abi.Tag]string{M0: "memfd-v1", M1: "memfd-v1", M2a: "memfd-v2", M2b: "memfd-v2",
			M3: "memfd-v2;vmalloc-v1", M4: "memfd"}[g]
		if c != want {
			t.Errorf("Compatible(%s) = %q", g, c)
		}
	}
	if _, err := Compatible("K1b"); err == nil {
		t.Error("Compatible(K1b) succeeded")
	}
}

// TestStreamingEncoderMatchesKho checks that the streaming vmalloc writer
// lays out exactly what kho.EncodeVmalloc does with the materialised data.
func TestStreamingEncoderMatchesKho(t *testing.T) {
	for _, n := range []uint64{1, 256, 257, 511 * 256, 511*256 + 1} {
		folios := make([]Folio, n)
		for i := range folios {
			folios[i] = synth(uint64(i))
		}
		s := encodeState(t, 0x100000, &File{Pos: 1, Size: 1 << 40}, folios, M1)

		img := phys.NewImage()
		a := phys.NewAllocator(img, 0x100000)
		serAddr, ser := a.Alloc(0)
		data := make([]byte, 16*n)
		for i, fo := range folios {
			folioM1.put(data[16*i:], fo)
		}
		v, err := kho.EncodeVmalloc(a, data, 0, kho.VmallocAlloc)
		if err != nil {
			t.Fatal(err)
		}
		l := serLayouts[M1]
		l.pos.PutUint(ser, 1)
		l.size.PutUint(ser, 1<<40)
		l.nrFolios.PutUint(ser, n)
		v.Put(ser[l.folios.Offset:])

		if serAddr != s.addr || !reflect.DeepEqual(a.Preserved, s.a.Preserved) {
			t.Fatalf("n=%d: layouts differ", n)
		}
		for _, r := range img.Ranges() {
			x, _ := img.View(r.Start, r.Size)
			y, ok := s.img.View(r.Start, r.Size)
			if !ok || !bytes.Equal(x, y) {
				t.Fatalf("n=%d: bytes at %#x differ", n, r.Start)
			}
		}
		if len(img.Ranges()) != len(s.img.Ranges()) {
			t.Fatalf("n=%d: %d vs %d segments", n, len(img.Ranges()), len(s.img.Ranges()))
		}
	}
}

// TestM0FDTBytes checks the per-memfd FDT against libfdt's rules: the
// block order, the property order and the leftover strings at the end of
// the block.
func TestM0FDTBytes(t *testing.T) {
	folios := []Folio{{PFN: 0x1234, Flags: 1, Index: 0}, {PFN: 0x1235, Flags: 3, Index: 1}}
	s := encodeState(t, 0x100000, &File{Pos: 7, Size: 8192}, folios, M0)
	// PAGE_ALIGN(32) + PAGE_SIZE = 8192: order 1.
	if b := s.a.Preserved[len(s.a.Preserved)-1]; b.Addr != s.addr || b.Order != 1 {
		t.Fatalf("FDT block %+v", b)
	}
	blk := s.bytesAt(t, s.addr, 8192)
	tree, err := fdt.Parse(blk)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range tree.Root().Properties() {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "pos,size,folios" {
		t.Fatalf("properties %v", names)
	}
	// Sequential-write mode builds the strings newest first at the end of
	// the buffer; fdt_finish copies them forward and leaves the original.
	if !bytes.HasSuffix(blk, []byte("folios\x00size\x00pos\x00")) {
		t.Fatalf("block tail % x", blk[len(blk)-24:])
	}
	if tree.Header.TotalSize >= 4096 || binary.BigEndian.Uint32(blk) != fdt.Magic {
		t.Fatalf("header %+v", tree.Header)
	}
	// Too many records for MAX_PAGE_ORDER.
	if _, err := EncodeFunc(phys.NewAllocator(phys.NewImage(), 0x1000), &File{}, 1<<18, synth, M0); err == nil {
		t.Fatal("M0 with 2^18 records encoded")
	}
}

func TestM2Discrimination(t *testing.T) {
	tests := []struct {
		name     string
		word     uint64 // LE u64 at offset 16
		alts     []abi.Tag
		seals    uint32
		flags    uint32
		reason   string
		findings []string // paths CheckDescriptor reports
	}{
		{"seals only", 0x1f, []abi.Tag{M2a}, 0x1f, 0, "bits 8..63", nil},
		{"no seals", 0, []abi.Tag{M2a}, 0, 0, "decode identically", nil},
		{"unknown seal bit 6", 0x40, []abi.Tag{M2a}, 0x40, 0, "bits 8..63", []string{".seals"}},
		{"bits 8..31", 0x100, []abi.Tag{M2a}, 0x100, 0, "bits 8..31", []string{".seals"}},
		{"flags", 0x0000000100000005, nil, 5, 1, "bits 32..63", []string{".flags"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := encodeState(t, 0x100000, &File{Size: 4096}, nil, M2b)
			put64(s.ser(t), serLayouts[M2b].seals.Offset, tc.word)
			f := s.decode(t)
			if f.Generation != M2b || !slices.Equal(f.Alternatives, tc.alts) || f.Seals != tc.seals || f.Flags != tc.flags ||
				!strings.Contains(f.Reason, tc.reason) {
				t.Fatalf("got %s %v seals %#x flags %#x: %s", f.Generation, f.Alternatives, f.Seals, f.Flags, f.Reason)
			}
			var paths []string
			for _, e := range f.CheckDescriptor() {
				paths = append(paths, strings.TrimPrefix(e.Path, testPath))
			}
			if !slices.Equal(paths, tc.findings) {
				t.Fatalf("findings %v, want %v", paths, tc.findings)
			}
			// Read as M2a, the same word gives seals:8 and the reserved bits.
			a, err := DecodeAs(s.img, s.addr, M2a, testPath)
			if err != nil {
				t.Fatal(err)
			}
			if a.Seals != uint32(tc.word&0xff) || a.Reserved != tc.word>>8 {
				t.Fatalf("M2a seals %#x reserved %#x", a.Seals, a.Reserved)
			}
			if (tc.word>>8 != 0) != slices.ContainsFunc(a.CheckDescriptor(), func(e *phys.Error) bool {
				return strings.HasSuffix(e.Path, ".__reserved")
			}) {
				t.Fatal("M2a reserved finding mismatch")
			}
		})
	}
}

func TestDecodeM1vsM0(t *testing.T) {
	for _, gen := range []abi.Tag{M0, M1} {
		s := encodeState(t, 0x100000, &File{Size: 4096}, []Folio{synth(0)}, gen)
		f, err := Decode(s.img, s.addr, "memfd-v1", testPath)
		if err != nil {
			t.Fatal(err)
		}
		if f.Generation != gen || f.Compatible != "memfd-v1" || !strings.Contains(f.Reason, "FDT magic") {
			t.Fatalf("memfd-v1 → %s (%s)", f.Generation, f.Reason)
		}
	}
}
