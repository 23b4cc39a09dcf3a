package memfd

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/phys"
)

// malformedCase is a state of n synthetic records for a 1 GiB file,
// damaged by mutate, and the error opening its folio table gives.
type malformedCase struct {
	name   string
	gen    abi.Tag
	n      uint64
	mutate func(t *testing.T, s *state) phys.Memory // returns the memory to read
	kind   error
	path   string // after testPath
}

// synthFolios returns n synth records.
func synthFolios(n uint64) []Folio {
	out := make([]Folio, n)
	for i := range out {
		out[i] = synth(uint64(i))
	}
	return out
}

// malformedCases are damaged folio tables.
func malformedCases() []malformedCase {
	l := serLayouts[M1]
	return []malformedCase{
		{
			name: "nr_folios larger than the area", gen: M1, n: 10,
			mutate: func(t *testing.T, s *state) phys.Memory {
				l.nrFolios.PutUint(s.ser(t), 257) // one block holds 256
				return s.img
			},
			kind: phys.ErrLimit, path: ".folios",
		},
		{
			name: "first 0 with nr_folios > 0", gen: M2b, n: 10,
			mutate: func(t *testing.T, s *state) phys.Memory {
				ser := s.ser(t)
				clear(ser[serLayouts[M2b].folios.Offset:serLayouts[M2b].folios.End()])
				return s.img
			},
			kind: phys.ErrLimit, path: ".folios",
		},
		{
			name: "unresolved folio block", gen: M1, n: 600,
			mutate: func(t *testing.T, s *state) phys.Memory {
				missing := s.area(t).Blocks[1]
				img := phys.NewImage()
				for _, r := range s.img.Ranges() {
					if r.Start != missing {
						b, _ := s.img.View(r.Start, r.Size)
						img.Add(r.Start, b)
					}
				}
				return img
			},
			kind: phys.ErrUnresolved, path: ".folios.block[1]",
		},
		{
			name: "vmalloc cycle", gen: M1, n: 600,
			mutate: func(t *testing.T, s *state) phys.Memory {
				c := s.area(t).Chunks[0].Addr
				vmChunkNext.PutUint(s.bytesAt(t, c, pageSize), c)
				return s.img
			},
			kind: phys.ErrCycle, path: ".folios.chunk[1]",
		},
		{
			name: "block listed twice", gen: M1, n: 600,
			mutate: func(t *testing.T, s *state) phys.Memory {
				a := s.area(t)
				vmChunkPhys.PutElem(s.bytesAt(t, a.Chunks[0].Addr, pageSize), 2, a.Blocks[0])
				return s.img
			},
			kind: phys.ErrMalformed, path: ".folios.block[2]",
		},
		{
			name: "block is a chunk page", gen: M1, n: 600,
			mutate: func(t *testing.T, s *state) phys.Memory {
				a := s.area(t)
				vmChunkPhys.PutElem(s.bytesAt(t, a.Chunks[0].Addr, pageSize), 2, a.Chunks[0].Addr)
				return s.img
			},
			kind: phys.ErrMalformed, path: ".folios.chunk[0]",
		},
		{
			name: "order 70", gen: M1, n: 10,
			mutate: func(t *testing.T, s *state) phys.Memory {
				binary.LittleEndian.PutUint16(s.ser(t)[l.folios.Offset+14:], 70)
				return s.img
			},
			kind: phys.ErrMalformed, path: ".folios.order",
		},
		{
			name: "total_pages below the blocks", gen: M1, n: 600,
			mutate: func(t *testing.T, s *state) phys.Memory {
				binary.LittleEndian.PutUint32(s.ser(t)[l.folios.Offset+8:], 2)
				return s.img
			},
			kind: phys.ErrLimit, path: ".folios.chunk[0].phys[2]",
		},
		{
			name: "total_pages 2^32-1, tiny image", gen: M1, n: 10,
			mutate: func(t *testing.T, s *state) phys.Memory {
				ser := s.ser(t)
				binary.LittleEndian.PutUint32(ser[l.folios.Offset+8:], 1<<32-1)
				l.nrFolios.PutUint(ser, (1<<32-1)*256)
				return s.img
			},
			kind: phys.ErrMalformed, path: ".folios.total_pages",
		},
		{
			name: "nr_folios 2^64-1", gen: M4, n: 10,
			mutate: func(t *testing.T, s *state) phys.Memory {
				serLayouts[M4].nrFolios.PutUint(s.ser(t), 1<<64-1)
				return s.img
			},
			kind: phys.ErrLimit, path: ".folios",
		},
	}
}

func TestMalformed(t *testing.T) {
	tests := malformedCases()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := encodeState(t, 0x100000, &File{Size: 1 << 30}, synthFolios(tc.n), tc.gen)
			m := tc.mutate(t, s)
			d := testutil.Allocated(func() {
				c, _ := Compatible(tc.gen)
				f, err := Decode(m, s.addr, c, testPath)
				if err == nil {
					_, err = f.Table(m)
					// The same error through every entry point.
					var seqErr error
					for _, e := range f.FolioSeq(m) {
						seqErr = e
					}
					it := f.Iter(m)
					if it.Next() {
						t.Fatal("iterator yielded a record")
					}
					if seqErr == nil || it.Err() == nil || seqErr.Error() != err.Error() {
						t.Fatalf("Table %v, FolioSeq %v, Iter %v", err, seqErr, it.Err())
					}
					if _, e := f.FolioAt(m, 0); e == nil {
						t.Fatal("FolioAt succeeded")
					}
					found := f.Check(m)
					if !slices.ContainsFunc(found, func(e *phys.Error) bool { return e.Error() == err.Error() }) {
						t.Fatalf("Check %v lacks %v", found, err)
					}
				}
				expectErr(t, err, tc.kind, testPath+tc.path)
			})
			if d > 8<<20 {
				t.Fatalf("allocated %d bytes", d)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	s := encodeState(t, 0x100000, &File{Size: 4096}, []Folio{synth(0)}, M1)
	_, err := Decode(s.img, s.addr, "memfd-v3", testPath)
	expectErr(t, err, phys.ErrUnsupported, testPath)
	_, err = Decode(s.img, s.addr, "memfd-v2;vmalloc-v2", testPath)
	expectErr(t, err, phys.ErrUnsupported, testPath)
	_, err = Decode(s.img, 0, "memfd-v1", testPath)
	expectErr(t, err, phys.ErrMalformed, testPath)
	_, err = Decode(s.img, 0x50000000, "memfd-v2", testPath)
	expectErr(t, err, phys.ErrUnresolved, testPath)
	// A struct that runs off the end of the source.
	rs := s.img.Ranges()
	_, err = Decode(s.img, rs[len(rs)-1].End()-20, "memfd", testPath)
	expectErr(t, err, phys.ErrUnresolved, testPath)
	_, err = DecodeAs(s.img, s.addr, "M9", testPath)
	expectErr(t, err, phys.ErrUnsupported, testPath)

	// M0: properties the kernel insists on.
	for _, tc := range m0PropCases() {
		_, err := Decode(buildM0(t, tc.props, tc.order...), 0x10000, "memfd-v1", testPath)
		expectErr(t, err, phys.ErrMalformed, testPath+tc.path)
	}
	// A corrupt FDT and an oversized totalsize.
	img := buildM0(t, nil)
	b, _ := img.View(0x10000, 4096)
	binary.BigEndian.PutUint32(b[8:], 0xfff0) // off_dt_struct
	_, err = Decode(img, 0x10000, "memfd-v1", testPath)
	expectErr(t, err, phys.ErrMalformed, testPath)
	binary.BigEndian.PutUint32(b[4:], 0x7fffffff)
	_, err = Decode(img, 0x10000, "memfd-v1", testPath)
	expectErr(t, err, phys.ErrLimit, testPath)
}

// buildM0 returns an image holding, at 0x10000, a per-memfd FDT whose root
// has the properties named by order, with the values props gives.
func buildM0(t testing.TB, props map[string][]byte, order ...string) *phys.Image {
	t.Helper()
	w := fdt.NewSeqWriter(4096)
	w.BeginNode("")
	for _, n := range order {
		w.Property(n, props[n])
	}
	w.EndNode()
	blob, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	img := phys.NewImage()
	img.Add(0x10000, append(blob, make([]byte, 4096-len(blob))...))
	return img
}

// m0PropCase is an M0 FDT with a property missing or of the wrong size,
// and the path Decode's error names (after testPath).
type m0PropCase struct {
	order []string
	props map[string][]byte
	path  string
}

// m0PropCases are M0 FDTs Decode refuses for their properties.
func m0PropCases() []m0PropCase {
	u64 := binary.LittleEndian.AppendUint64(nil, 1)
	out := []m0PropCase{
		{[]string{"pos", "size"}, map[string][]byte{}, ".folios"},
		{[]string{"pos", "size", "folios"}, map[string][]byte{"folios": make([]byte, 24)}, ".folios"},
		{[]string{"pos", "folios"}, map[string][]byte{}, ".size"},
		{[]string{"size", "folios"}, map[string][]byte{}, ".pos"},
		{[]string{"pos", "size", "folios"}, map[string][]byte{"size": {1, 2, 3, 4}}, ".size"},
		{[]string{"pos", "size", "folios", "nr_folios"}, map[string][]byte{"nr_folios": {1}}, ".nr_folios"},
	}
	for _, c := range out {
		for k, v := range map[string][]byte{"pos": u64, "size": u64, "folios": make([]byte, 32), "nr_folios": u64} {
			if _, ok := c.props[k]; !ok {
				c.props[k] = v
			}
		}
	}
	return out
}

func TestCheckFindings(t *testing.T) {
	folios := []Folio{
		{PFN: 0x1000, Flags: 3, Index: 0},
		{PFN: 0, Flags: 0, Index: 1},         // hole
		{PFN: 0x1002, Flags: 0x13, Index: 2}, // unknown flag 0x10
		{PFN: 0x1003, Flags: 3, Index: 9},    // past size (4 pages)
		{PFN: 0x1004, Flags: 3, Index: 2},    // descends; duplicate index 2
		{PFN: 0x1000, Flags: 3, Index: 3},    // duplicate pfn
	}
	s := encodeState(t, 0x100000, &File{Size: 4*4096 - 1, Seals: 0x80, Flags: 2}, folios, M2b)
	f := s.decode(t)
	var got []string
	for _, e := range f.Check(s.img) {
		if !strings.HasPrefix(e.Path, testPath) {
			t.Fatalf("path %q", e.Path)
		}
		got = append(got, strings.TrimPrefix(e.Path, testPath)+" "+e.Err.Error())
	}
	want := []string{
		".seals malformed",
		".flags malformed",
		".nr_folios malformed",
		".folios[1] malformed",
		".folios[2] malformed",
		".folios[3] malformed",
		".folios[4] malformed",
		".folios[4] malformed",
		".folios[5] malformed",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// M4 feature header problems.
	ft := DefaultFeatures()
	ft.Req |= 0x10
	ft.Active = 0x1
	ft.Reserved[3] = 1
	s = encodeState(t, 0x100000, &File{Size: 4096, Seals: 0x40, Features: ft}, []Folio{synth(0)}, M4)
	f = s.decode(t)
	got = got[:0]
	for _, e := range f.CheckDescriptor() {
		got = append(got, strings.TrimPrefix(e.Path, testPath)+" "+e.Err.Error())
	}
	want = []string{
		".features.req unsupported generation",
		".features.req malformed",
		".features.reserved[3] malformed",
		".seals malformed",
		".nr_folios malformed",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("M4 findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Findings are capped.
	many := make([]Folio, 3000)
	s = encodeState(t, 0x100000, &File{Size: 1 << 30}, many, M1)
	f = s.decode(t)
	found := f.Check(s.img)
	if len(found) != MaxFindings+1 || !strings.Contains(found[MaxFindings].Msg, "more findings") {
		t.Fatalf("%d findings", len(found))
	}
}

func TestEncodeRefuses(t *testing.T) {
	one := []Folio{synth(0)}
	tests := []struct {
		name   string
		gen    abi.Tag
		f      File
		folios []Folio
	}{
		{"M1 seals", M1, File{Seals: 1}, one},
		{"M1 flags", M1, File{Flags: 1}, one},
		{"M0 seals", M0, File{Seals: 1}, one},
		{"M2a flags", M2a, File{Flags: 1}, one},
		{"M2a seals past 8 bits", M2a, File{Seals: 0x100}, one},
		{"M2b reserved", M2b, File{Reserved: 1}, one},
		{"M3 features", M3, File{Features: DefaultFeatures()}, one},
		{"pfn past 52 bits", M1, File{}, []Folio{{PFN: 1 << 52}}},
		{"M0 pfn past 52 bits", M0, File{}, []Folio{{PFN: 1 << 52}}},
		{"flags past 12 bits", M4, File{}, []Folio{{PFN: 1, Flags: 1 << 12}}},
		{"unknown generation", "M7", File{}, one},
	}
	for _, tc := range tests {
		a := phys.NewAllocator(phys.NewImage(), 0x1000)
		if _, err := Encode(a, &tc.f, tc.folios, tc.gen); err == nil {
			t.Errorf("%s: encoded", tc.name)
		}
	}
}
