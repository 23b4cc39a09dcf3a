package validate

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// fixture is an encoded sample, its clean walk (to find structures by
// address), and the root and options a mutation may change.
type fixture struct {
	t    testing.TB
	enc  *handover.Encoded
	st   *handover.State
	root []byte
	mem  phys.Memory
	opts Options
}

func newFixture(t testing.TB, sample string) *fixture {
	t.Helper()
	spec, err := handover.Sample(sample)
	if err != nil {
		t.Fatal(err)
	}
	return specFixture(t, spec)
}

// specFixture encodes a spec and walks it cleanly.
func specFixture(t testing.TB, spec *handover.Spec) *fixture {
	t.Helper()
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := handover.Walk(enc.Root, enc.Image, handover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, enc: enc, st: st, root: bytes.Clone(enc.Root), mem: enc.Image, opts: Options{Scratch: enc.Scratch}}
}

func (f *fixture) run() *Report { return Run(f.root, f.mem, f.opts) }

// bytesAt returns the image's own bytes at addr: writes mutate the state.
func (f *fixture) bytesAt(addr, n uint64) []byte {
	b, ok := f.enc.Image.View(addr, n)
	if !ok {
		f.t.Fatalf("no %d bytes at 0x%x in the image", n, addr)
	}
	return b
}

// field returns a registry field of generation tag's struct.
func (f *fixture) field(tag, st, name string) *abi.Field {
	g, ok := abi.Lookup(abi.Tag(tag))
	if !ok {
		f.t.Fatalf("no generation %s", tag)
	}
	s, ok := g.Struct(st)
	if !ok {
		f.t.Fatalf("%s has no struct %s", tag, st)
	}
	fl, ok := s.Field(name)
	if !ok {
		f.t.Fatalf("%s.%s has no field %s", tag, st, name)
	}
	return fl
}

// put patches field name of the struct st (generation tag) at addr.
func (f *fixture) put(tag, st, name string, addr, v uint64) {
	fl := f.field(tag, st, name)
	fl.PutUint(f.bytesAt(addr, uint64(fl.End())), v)
}

// get reads field name of the struct st at addr.
func (f *fixture) get(tag, st, name string, addr uint64) uint64 {
	fl := f.field(tag, st, name)
	return fl.Uint(f.bytesAt(addr, uint64(fl.End())))
}

// fill overwrites a char-array field with b (padded with zeros, or
// truncated to the field).
func (f *fixture) fill(tag, st, name string, addr uint64, b []byte) {
	fl := f.field(tag, st, name)
	raw := fl.Bytes(f.bytesAt(addr, uint64(fl.End())))
	clear(raw)
	copy(raw, b)
}

// replaceIn replaces the first occurrence of old with new (same length)
// in the n bytes at addr.
func (f *fixture) replaceIn(addr, n uint64, old, new []byte) {
	b := f.bytesAt(addr, n)
	i := bytes.Index(b, old)
	if i < 0 || len(old) != len(new) {
		f.t.Fatalf("%q not found at 0x%x", old, addr)
	}
	copy(b[i:], new)
}

// replaceRoot replaces the first occurrence of old in the root blob.
func (f *fixture) replaceRoot(old, new string) {
	i := bytes.Index(f.root, []byte(old))
	if i < 0 || len(old) != len(new) {
		f.t.Fatalf("%q not found in the root", old)
	}
	copy(f.root[i:], new)
}

// client returns the walked client called name.
func (f *fixture) client(name string) handover.Client {
	for _, c := range f.st.Clients {
		if c.Name == name {
			return c
		}
	}
	f.t.Fatalf("no client %s", name)
	return handover.Client{}
}

// luoBlob replaces old with new in the LUO client blob.
func (f *fixture) luoBlob(old, new string) {
	c := f.client("LUO")
	f.replaceIn(c.Addr, uint64(len(c.Blob)), []byte(old), []byte(new))
}

// editRoot decodes the root, lets edit change it, and re-encodes it.
func (f *fixture) editRoot(edit func(r *kho.Root)) {
	r, err := kho.DecodeRoot(f.root)
	if err != nil {
		f.t.Fatal(err)
	}
	edit(r)
	if f.root, _, err = kho.EncodeRoot(r); err != nil {
		f.t.Fatal(err)
	}
}

// le replaces the 8-byte little-endian value old with new in the LUO blob.
func (f *fixture) luoBlobU64(old, new uint64) {
	var o, n [8]byte
	binary.LittleEndian.PutUint64(o[:], old)
	binary.LittleEndian.PutUint64(n[:], new)
	c := f.client("LUO")
	f.replaceIn(c.Addr, uint64(len(c.Blob)), o[:], n[:])
}

// memfdFile returns the i-th memfd payload of the clean walk.
func (f *fixture) memfdFile(i int) *memfd.File {
	for fs := range f.st.Files() {
		if fs.Memfd == nil {
			continue
		}
		if i == 0 {
			return fs.Memfd
		}
		i--
	}
	f.t.Fatalf("no memfd %d", i)
	return nil
}

// record returns the 16 bytes of folio record pos of memfd i.
func (f *fixture) record(i int, pos uint64) []byte {
	m := f.memfdFile(i)
	t, err := m.Table(f.mem)
	if err != nil {
		f.t.Fatal(err)
	}
	off := pos * 16
	bs := t.Area.Desc.BlockSize()
	return f.bytesAt(t.Area.Blocks[off/bs]+off%bs, 16)
}

// setPFN changes the pfn of a M1-and-later folio record, keeping its flags.
func setPFN(rec []byte, pfn uint64) {
	w := binary.LittleEndian.Uint64(rec)
	binary.LittleEndian.PutUint64(rec, w&^(1<<52-1)|pfn)
}

func pfnOf(rec []byte) uint64 { return binary.LittleEndian.Uint64(rec) & (1<<52 - 1) }

// remap re-encodes the preserved-memory map with extra blocks and points
// the root at it.
func (f *fixture) remap(extra ...phys.Block) {
	blocks := append(append([]phys.Block(nil), f.enc.Preserved...), extra...)
	a := phys.NewAllocator(f.enc.Image, 1<<44)
	var pa uint64
	var err error
	if f.st.Root.Base == "kho-v1" {
		pa, err = kho.EncodeMemmapV1(a, blocks, f.st.Detection.KHO.Tag)
	} else {
		pa, err = kho.EncodeMemmapRadix(a, blocks)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	f.editRoot(func(r *kho.Root) { r.MemoryMap = pa })
}

// hiding is a source that hides one range of another.
type hiding struct {
	phys.Memory
	hide phys.Range
}

func (h hiding) ReadAt(p []byte, addr uint64) (int, error) {
	if addr < h.hide.End() && h.hide.Start < addr+uint64(len(p)) {
		return 0, phys.ErrUnresolved
	}
	return h.Memory.ReadAt(p, addr)
}

func (h hiding) Ranges() []phys.Range {
	var out []phys.Range
	for _, r := range h.Memory.Ranges() {
		if r.Start < h.hide.End() && h.hide.Start < r.End() {
			if r.Start < h.hide.Start {
				out = append(out, phys.Range{Start: r.Start, Size: h.hide.Start - r.Start})
			}
			if r.End() > h.hide.End() {
				out = append(out, phys.Range{Start: h.hide.End(), Size: r.End() - h.hide.End()})
			}
			continue
		}
		out = append(out, r)
	}
	return out
}
