package memfd

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

const testPath = "LUO/sessions[0].files[1].data"

// state is an encoded memfd in a fresh image.
type state struct {
	img  *phys.Image
	a    *phys.Allocator
	addr uint64
	gen  abi.Tag
}

func encodeState(t testing.TB, base uint64, f *File, folios []Folio, gen abi.Tag) *state {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, base)
	addr, err := Encode(a, f, folios, gen)
	if err != nil {
		t.Fatalf("Encode %s: %v", gen, err)
	}
	return &state{img, a, addr, gen}
}

func (s *state) decode(t testing.TB) *File {
	t.Helper()
	c, err := Compatible(s.gen)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode(s.img, s.addr, c, testPath)
	if err != nil {
		t.Fatalf("Decode %s: %v", s.gen, err)
	}
	return f
}

// bytesAt returns writable image bytes (tests only).
func (s *state) bytesAt(t testing.TB, addr, n uint64) []byte {
	t.Helper()
	b, ok := s.img.View(addr, n)
	if !ok {
		t.Fatalf("no %d bytes at %#x", n, addr)
	}
	return b
}

// ser returns the memfd_luo_ser bytes of an M1..M4 state.
func (s *state) ser(t testing.TB) []byte {
	return s.bytesAt(t, s.addr, uint64(serLayouts[s.gen].s.Size))
}

// area reads the folio area of an M1..M4 state.
func (s *state) area(t testing.TB) *kho.VmallocArea {
	t.Helper()
	f := s.decode(t)
	a, err := kho.ReadVmalloc(s.img, f.Folios, "x")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func collect(t testing.TB, f *File, m phys.Memory) []Folio {
	t.Helper()
	var out []Folio
	for fo, err := range f.FolioSeq(m) {
		if err != nil {
			t.Fatalf("FolioSeq: %v", err)
		}
		out = append(out, fo)
	}
	return out
}

// expectErr asserts that err is a *phys.Error of kind at path.
func expectErr(t testing.TB, err error, kind error, path string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v at %s", kind, path)
	}
	var pe *phys.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *phys.Error", err)
	}
	if !errors.Is(err, kind) || pe.Path != path {
		t.Fatalf("error %q: want %v at path %q", err, kind, path)
	}
}

func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// noViewer hides an Image's View method, forcing the copying read path.
type noViewer struct{ img *phys.Image }

func (n noViewer) ReadAt(p []byte, addr uint64) (int, error) { return n.img.ReadAt(p, addr) }
func (n noViewer) Ranges() []phys.Range                      { return n.img.Ranges() }

// synth returns a deterministic record for position i (no pages behind it).
func synth(i uint64) Folio {
	return Folio{PFN: 0x100000 + i*3, Flags: FolioDirty | FolioUptodate, Index: i}
}
