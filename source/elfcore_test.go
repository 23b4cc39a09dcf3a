package source

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

type coreSeg struct {
	typ          elf.ProgType // 0 means PT_LOAD
	paddr, vaddr uint64
	data         []byte
	memsz        uint64 // 0 means len(data)
}

// buildCore writes an ELF64 little-endian ET_CORE for x86-64.
func buildCore(t testing.TB, segs []coreSeg) []byte {
	return buildCoreWith(t, elf.ELFCLASS64, binary.LittleEndian, segs)
}

// buildCoreWith writes an ET_CORE of the given class and byte order; data
// goes at 16-byte aligned offsets after the program headers.
func buildCoreWith(t testing.TB, class elf.Class, o binary.ByteOrder, segs []coreSeg) []byte {
	ehsize, phsize := 64, 56
	if class == elf.ELFCLASS32 {
		ehsize, phsize = 52, 32
	}
	h := make([]byte, ehsize)
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS] = byte(class)
	h[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	if o == binary.ByteOrder(binary.BigEndian) {
		h[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	}
	h[elf.EI_VERSION] = 1
	o.PutUint16(h[16:], uint16(elf.ET_CORE))
	o.PutUint16(h[18:], uint16(elf.EM_X86_64))
	o.PutUint32(h[20:], 1)
	if class == elf.ELFCLASS64 {
		o.PutUint64(h[32:], uint64(ehsize))
		o.PutUint16(h[52:], uint16(ehsize))
		o.PutUint16(h[54:], uint16(phsize))
		o.PutUint16(h[56:], uint16(len(segs)))
	} else {
		o.PutUint32(h[28:], uint32(ehsize))
		o.PutUint16(h[40:], uint16(ehsize))
		o.PutUint16(h[42:], uint16(phsize))
		o.PutUint16(h[44:], uint16(len(segs)))
	}
	off := uint64(ehsize + phsize*len(segs))
	var ph, data bytes.Buffer
	for _, s := range segs {
		off = alignUp(off, 16)
		typ := s.typ
		if typ == 0 {
			typ = elf.PT_LOAD
		}
		memsz := s.memsz
		if memsz == 0 {
			memsz = uint64(len(s.data))
		}
		p := make([]byte, phsize)
		if class == elf.ELFCLASS64 {
			o.PutUint32(p[0:], uint32(typ))
			o.PutUint32(p[4:], uint32(elf.PF_R))
			o.PutUint64(p[8:], off)
			o.PutUint64(p[16:], s.vaddr)
			o.PutUint64(p[24:], s.paddr)
			o.PutUint64(p[32:], uint64(len(s.data)))
			o.PutUint64(p[40:], memsz)
			o.PutUint64(p[48:], 4)
		} else {
			o.PutUint32(p[0:], uint32(typ))
			o.PutUint32(p[4:], uint32(off))
			o.PutUint32(p[8:], uint32(s.vaddr))
			o.PutUint32(p[12:], uint32(s.paddr))
			o.PutUint32(p[16:], uint32(len(s.data)))
			o.PutUint32(p[20:], uint32(memsz))
			o.PutUint32(p[24:], uint32(elf.PF_R))
			o.PutUint32(p[28:], 4)
		}
		ph.Write(p)
		for uint64(ehsize+phsize*len(segs)+data.Len()) < off {
			data.WriteByte(0)
		}
		data.Write(s.data)
		off += uint64(len(s.data))
	}
	out := append(h, ph.Bytes()...)
	return append(out, data.Bytes()...)
}

func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "core")
	writeFile(t, p, b)
	return p
}

func TestCoreReads(t *testing.T) {
	a, b, c := pattern(0x1000, 1), pattern(0x800, 2), pattern(0x400, 3)
	segs := []coreSeg{
		{typ: elf.PT_NOTE, data: make([]byte, 24)},
		{paddr: 0x3000, data: c, memsz: 0x1000},                                  // 0xc00 bytes not in the file
		{paddr: 0x1000, data: a},                                                 // adjacent to the next
		{paddr: 0x2000, data: b},                                                 // then a gap at 0x2800
		{paddr: 0x1800, vaddr: 0xffffffff81000000, data: a[0x800:]},              // kernel text again, inside RAM
		{paddr: math.MaxUint64, vaddr: 0xffffc90000000000, data: pattern(64, 9)}, // kcore vmalloc
	}
	img := phys.NewImage()
	img.Add(0x1000, a)
	img.Add(0x2000, b)
	img.Add(0x3000, c)
	for _, kc := range []bool{false, true} {
		path := writeTemp(t, buildCore(t, segs))
		var s *Core
		var err error
		if kc {
			s, err = OpenKcore(path)
		} else {
			s, err = OpenCore(path, CoreOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
		want := []phys.Range{{Start: 0x1000, Size: 0x1000}, {Start: 0x2000, Size: 0x800}, {Start: 0x3000, Size: 0x400}}
		if !equalRanges(s.Ranges(), want) {
			t.Errorf("ranges %v, want %v", s.Ranges(), want)
		}
		tests := []struct {
			addr uint64
			n    int
			ok   bool
		}{
			{0x1000, 0x1800, true},
			{0x1ff0, 0x20, true},
			{0x27f0, 0x20, false}, // gap after 0x2800
			{0x3000, 0x400, true},
			{0x33ff, 2, false}, // p_memsz beyond p_filesz is unresolved
			{0x3400, 1, false},
			{0x0, 1, false},
			{math.MaxUint64 - 10, 20, false},
		}
		for _, tc := range tests {
			got := make([]byte, tc.n)
			n, err := s.ReadAt(got, tc.addr)
			exp := make([]byte, tc.n)
			en, _ := img.ReadAt(exp, tc.addr)
			if (err == nil) != tc.ok {
				t.Errorf("ReadAt(%#x, %d) = %d, %v", tc.addr, tc.n, n, err)
			}
			if err != nil && !errors.Is(err, phys.ErrUnresolved) {
				t.Errorf("ReadAt(%#x): %v is not ErrUnresolved", tc.addr, err)
			}
			if n != en || !bytes.Equal(got[:n], exp[:en]) {
				t.Errorf("ReadAt(%#x, %d): got %d bytes, image %d, or content differs", tc.addr, tc.n, n, en)
			}
		}
		d := s.Describe()
		if !strings.Contains(d, "1 segments without a physical address skipped") || !strings.Contains(d, "3072 bytes of p_memsz") {
			t.Errorf("Describe = %q", d)
		}
		if _, err := s.Blobs(); !errors.Is(err, ErrNoBlobs) {
			t.Errorf("Blobs: %v", err)
		}
		s.Close()
	}
}

func TestCoreELF32BigEndian(t *testing.T) {
	segs := []coreSeg{
		{paddr: 0x1000, data: pattern(0x100, 4)},
		{paddr: math.MaxUint32, data: pattern(0x10, 5)},
	}
	s, err := OpenCore(writeTemp(t, buildCoreWith(t, elf.ELFCLASS32, binary.BigEndian, segs)), CoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := s.Ranges(); len(r) != 1 || r[0] != (phys.Range{Start: 0x1000, Size: 0x100}) {
		t.Errorf("ranges %v", r)
	}
	got := make([]byte, 0x100)
	if _, err := s.ReadAt(got, 0x1000); err != nil || !bytes.Equal(got, pattern(0x100, 4)) {
		t.Errorf("read: %v", err)
	}
}

func TestCoreTruncated(t *testing.T) {
	note := make([]byte, 24)
	full := buildCore(t, []coreSeg{{typ: elf.PT_NOTE, data: note}, {paddr: 0x1000, data: pattern(0x1000, 1)}, {paddr: 0x4000, data: pattern(0x1000, 2)}})
	// Layout: headers (64 + 3*56 = 232), note at 240, segment 1 at 272,
	// segment 2 at 4368; the file ends at 8464.
	const seg2 = 272 + 0x1000
	for _, tc := range []struct {
		name    string
		size    int
		ranges  []phys.Range
		warning string // "" for none
		lost    uint64 // an address whose read must say it is past the end
	}{
		{"whole", len(full), []phys.Range{{Start: 0x1000, Size: 0x1000}, {Start: 0x4000, Size: 0x1000}}, "", 0},
		{"inside the last segment", len(full) - 0x800, []phys.Range{{Start: 0x1000, Size: 0x1000}, {Start: 0x4000, Size: 0x800}},
			"core is truncated: 2 KiB of 8 KiB of memory segments are missing (file ends at byte 6416)", 0x47f8},
		{"before the last segment", seg2, []phys.Range{{Start: 0x1000, Size: 0x1000}},
			"core is truncated: 4 KiB of 8 KiB of memory segments are missing (file ends at byte 4368)", 0x4000},
		{"inside the first segment", 272 + 0x400, []phys.Range{{Start: 0x1000, Size: 0x400}},
			"core is truncated: 7 KiB of 8 KiB of memory segments are missing (file ends at byte 1296)", 0x1400},
		{"inside the notes", 250, nil,
			"core is truncated: 8 KiB of 8 KiB of memory segments are missing (file ends at byte 250)", 0x1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "core")
			writeFile(t, path, full[:tc.size])
			s, err := OpenCore(path, CoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !equalRanges(s.Ranges(), tc.ranges) {
				t.Errorf("ranges %v, want %v", s.Ranges(), tc.ranges)
			}
			for _, r := range tc.ranges {
				got := make([]byte, r.Size)
				if _, err := s.ReadAt(got, r.Start); err != nil {
					t.Errorf("read of %v: %v", r, err)
				}
			}
			w := s.Warnings()
			switch {
			case tc.warning == "" && len(w) != 0:
				t.Errorf("warnings %q", w)
			case tc.warning != "" && (len(w) != 1 || w[0] != filepath.Join(filepath.Dir(path), tc.warning)):
				t.Errorf("warnings %q, want %q", w, tc.warning)
			}
			if got := Warnings(s); len(got) != len(w) {
				t.Errorf("Warnings(s) = %q", got)
			}
			if tc.lost != 0 {
				_, err := s.ReadAt(make([]byte, 0x10), tc.lost)
				if !errors.Is(err, phys.ErrUnresolved) || !strings.Contains(err.Error(), "past the end of the truncated file") {
					t.Errorf("read past the cut: %v", err)
				}
				if !strings.Contains(s.Describe(), "truncated:") {
					t.Errorf("Describe = %q", s.Describe())
				}
			}
		})
	}
}

func TestCoreRejects(t *testing.T) {
	notCore := buildCore(t, nil)
	binary.LittleEndian.PutUint16(notCore[16:], uint16(elf.ET_EXEC))
	badPh := buildCore(t, []coreSeg{{paddr: 0, data: []byte{1}}})
	binary.LittleEndian.PutUint16(badPh[54:], 40)
	dir := t.TempDir()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"text", []byte("hello world, this is not an ELF file at all"), "not an ELF file"},
		{"short", []byte("\x7fELF\x02\x01\x01"), "ELF header needs 64"},
		{"exec", notCore, "not ET_CORE"},
		{"phentsize", badPh, "e_phentsize"},
		{"phdrs cut", buildCore(t, []coreSeg{{paddr: 0, data: []byte{1}}})[:80], "program headers end at 120, file is 80 bytes"},
	}
	for _, tc := range tests {
		p := filepath.Join(dir, tc.name)
		writeFile(t, p, tc.data)
		if _, err := OpenCore(p, CoreOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := OpenCore(dir, CoreOptions{}); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("dir: %v", err)
	}
}

func TestKcoreErrors(t *testing.T) {
	_, err := OpenKcore(filepath.Join(t.TempDir(), "kcore"))
	if err == nil || !strings.Contains(err.Error(), "CONFIG_PROC_KCORE") {
		t.Errorf("missing: %v", err)
	}
	old := writeTemp(t, buildCore(t, []coreSeg{{paddr: 0, data: pattern(16, 1)}, {paddr: 0, data: pattern(16, 2)}}))
	if _, err := OpenKcore(old); err == nil || !strings.Contains(err.Error(), "predates") {
		t.Errorf("pre-4.11 kcore: %v", err)
	}
	if _, err := OpenKcore(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "open", Path: "/proc/kcore", Err: errEPERM}, "lockdown"},
		{&os.PathError{Op: "open", Path: "/proc/kcore", Err: errEACCES}, "run as root"},
	} {
		if got := kcoreOpenError("/proc/kcore", tc.err); !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%v: %v", tc.err, got)
		}
	}
}
