package memfd

import (
	"encoding/binary"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// maxM0FDT bounds the per-memfd FDT: the kernel allocates it as one folio
// of at most MAX_PAGE_ORDER.
const maxM0FDT = pageSize << maxPageOrder

// Decode reads the memfd descriptor at addr (a LUO file entry's data) and
// picks its generation from the handler string the entry carries, among
// the registry's memfd generations that write it (abi.ByCompatibleIn):
//
//   - one generation: that one ("memfd-v2;vmalloc-v1" is M3; "memfd", an
//     L-feat handler name, is M4);
//   - a per-memfd FDT generation and a struct one ("memfd-v1"): M0 when
//     addr holds FDT magic, M1 otherwise;
//   - several struct generations ("memfd-v2"): the newest, M2b, or M2a
//     when told so by [DecodeAs]; the seal word at offset 16 decides what
//     can be said (see File.Reason): non-zero bits 32..63 are only
//     meaningful in M2b (flags), while with bits 32..63 clear both
//     layouts read the bytes the same way and M2a is listed in
//     File.Alternatives.
//
// Any other string fails with phys.ErrUnsupported. Decode reads only the
// descriptor (and for M0 the FDT); the folio records are read by Iter,
// Folios, FolioAt and Check. It fails only when the descriptor itself
// cannot be read or parsed; inconsistent values are reported by Check.
// path names the descriptor in errors.
func Decode(m phys.Memory, addr uint64, compatible string, path string) (*File, error) {
	if addr == 0 {
		return nil, errDataZero(path)
	}
	// The registry lists the generations oldest first: the last struct
	// generation is the newest.
	var fdtGen, serGen abi.Tag
	for _, g := range abi.ByCompatibleIn(abi.ComponentMemfd, compatible) {
		if g.Root == "" {
			fdtGen = g.Tag
		} else {
			serGen = g.Tag
		}
	}
	gen, reason := serGen, ""
	switch {
	case fdtGen == "" && serGen == "":
		return nil, phys.Errorf(phys.ErrUnsupported, path, addr, -1, "unknown memfd handler %q", compatible).With(CheckHandler)
	case serGen == "":
		gen = fdtGen
	case fdtGen != "":
		magic, err := readAt(m, addr, 4, path)
		if err != nil {
			return nil, err
		}
		if fdt.HasMagic(magic) {
			gen, reason = fdtGen, fmt.Sprintf("%s and the data starts with FDT magic d0 0d fe ed: %s (per-memfd FDT)", compatible, fdtGen)
		} else if l, ok := serLayouts[serGen]; ok {
			reason = fmt.Sprintf("%s and the data does not start with FDT magic: %s (%d-byte struct)", compatible, serGen, l.s.Size)
		}
	}
	f, err := DecodeAs(m, addr, gen, path)
	if f != nil {
		f.Compatible = compatible
		if reason != "" {
			f.Reason = reason
		}
	}
	return f, err
}

// DecodeAs reads the descriptor at addr as generation gen (M0 to M4)
// without looking at a handler string, for callers that know the producer.
// For M2b it still describes the seal word in File.Reason.
func DecodeAs(m phys.Memory, addr uint64, gen abi.Tag, path string) (*File, error) {
	if addr == 0 {
		return nil, errDataZero(path)
	}
	f := &File{Generation: gen, Path: path, Addr: addr}
	f.Compatible, _ = Compatible(gen)
	if gen == M0 {
		if err := decodeM0(m, f); err != nil {
			return nil, err
		}
		return f, nil
	}
	l, ok := serLayouts[gen]
	if !ok {
		return nil, phys.Errorf(phys.ErrUnsupported, path, addr, -1, "unknown memfd generation %q", gen).With(CheckHandler)
	}
	b, err := readAt(m, addr, uint64(l.s.Size), path)
	if err != nil {
		return nil, err
	}
	f.Pos = l.pos.Uint(b)
	f.Size = l.size.Uint(b)
	f.NrFolios = l.nrFolios.Uint(b)
	if f.Folios, err = kho.DecodeVmalloc(b[l.folios.Offset:l.folios.End()], path+".folios"); err != nil {
		return nil, err
	}
	if l.seals != nil {
		f.Seals = uint32(l.seals.Uint(b))
	}
	if l.flags != nil {
		f.Flags = uint32(l.flags.Uint(b))
	}
	if l.reserved != nil {
		f.Reserved = l.reserved.Uint(b)
	}
	if l.features != nil {
		f.Features.Supp = l.supp.Uint(b)
		f.Features.Req = l.req.Uint(b)
		f.Features.Active = l.active.Uint(b)
		for i := range f.Features.Reserved {
			f.Features.Reserved[i] = l.featReserved.Elem(b, i)
		}
	}
	switch gen {
	case M2a:
		f.Reason = "decoded as M2a on request (seals:8, bits 8..63 of the word at +16 reserved)"
	case M2b:
		f.Reason, f.Alternatives = discriminateM2(b)
	case M3:
		f.Reason = "memfd-v2;vmalloc-v1: M3 (the M2b layout under the granular string)"
	case M4:
		f.Reason = fmt.Sprintf("handler name %s: %s (%d-byte struct behind a feature header)", f.Compatible, gen, l.s.Size)
	}
	return f, nil
}

// discriminateM2 applies the memfd-v2 seal-word rule (docs/abi/generations.md §5.3,
// §9 step 3) to a 48-byte memfd_luo_ser and says what it found.
func discriminateM2(b []byte) (reason string, alternatives []abi.Tag) {
	la, lb := serLayouts[M2a], serLayouts[M2b]
	seals8 := la.seals.Uint(b) // bits 0..7, common to both layouts
	flags := lb.flags.Uint(b)  // M2b bits 32..63
	upperSeals := lb.seals.Uint(b) >> la.seals.BitSize
	switch {
	case flags != 0:
		return fmt.Sprintf("memfd-v2: bits 32..63 of the word at +%d are 0x%x; M2a reserves them, only M2b "+
			"gives them a meaning (flags, which must be 0): M2b", la.seals.Offset, flags), nil
	case upperSeals != 0:
		return fmt.Sprintf("memfd-v2: bits 8..31 of the word at +%d are 0x%x, invalid in both layouts "+
			"(M2b: undefined seals, M2a: reserved); read as M2b, the mm-tree layout", la.seals.Offset, upperSeals), []abi.Tag{M2a}
	default:
		return fmt.Sprintf("memfd-v2: bits 8..63 of the word at +%d are zero (seals 0x%x), so M2a and M2b "+
			"decode identically; reported as M2b, the mm-tree layout", la.seals.Offset, seals8), []abi.Tag{M2a}
	}
}

// decodeM0 reads the per-memfd FDT of an M0 file.
func decodeM0(m phys.Memory, f *File) error {
	hdr, err := readAt(m, f.Addr, fdt.HeaderSize, f.Path)
	if err != nil {
		return err
	}
	h, err := fdt.ParseHeader(hdr)
	if err != nil {
		return m0Err(f, err)
	}
	total := h.TotalSize
	if total > maxM0FDT {
		return phys.Errorf(phys.ErrLimit, f.Path, f.Addr, 4,
			"FDT totalsize %d is larger than the %d-byte MAX_PAGE_ORDER folio the kernel allocates", total, maxM0FDT).With(CheckStructure)
	}
	blob, err := readAt(m, f.Addr, uint64(max(total, fdt.HeaderSize)), f.Path)
	if err != nil {
		return err
	}
	t, err := fdt.Parse(blob)
	if err != nil {
		return m0Err(f, err)
	}
	root := t.Root()
	if !root.Valid() {
		return phys.Errorf(phys.ErrMalformed, f.Path, f.Addr, -1, "per-memfd FDT has no root node").With(CheckStructure)
	}
	info := &FDTInfo{TotalSize: t.Header.TotalSize}
	// The kernel's retrieve order: folios, size, pos.
	p, ok := root.Property(m0PropFolios.Name)
	if !ok || len(p.Value)%folioM0.size != 0 {
		return propErr(f, p, m0PropFolios.Name, fmt.Sprintf("must be a multiple of %d bytes", folioM0.size))
	}
	info.Folios = f.Addr + uint64(p.ValueOffset())
	f.NrFolios = uint64(len(p.Value) / folioM0.size)
	for _, q := range []struct {
		prop *abi.Prop
		dst  *uint64
	}{{m0PropSize, &f.Size}, {m0PropPos, &f.Pos}} {
		p, ok := root.Property(q.prop.Name)
		if !ok || len(p.Value) != q.prop.Size {
			return propErr(f, p, q.prop.Name, fmt.Sprintf("must be %d bytes", q.prop.Size))
		}
		*q.dst = binary.LittleEndian.Uint64(p.Value)
	}
	if p, ok := root.Property(m0PropNrFolio.Name); ok {
		if len(p.Value) != m0PropNrFolio.Size {
			return propErr(f, p, m0PropNrFolio.Name, fmt.Sprintf("must be %d bytes", m0PropNrFolio.Size))
		}
		info.HasNrFolios = true
		info.NrFolios = binary.LittleEndian.Uint64(p.Value)
	}
	f.FDT = info
	return nil
}

// m0Err is the problem of a per-memfd FDT that does not parse.
func m0Err(f *File, err error) error {
	pe := phys.FDTError(err, f.Path, f.Addr).With(CheckStructure)
	pe.Msg = "per-memfd FDT: " + pe.Msg
	return pe
}

func propErr(f *File, p *fdt.Property, name, want string) error {
	if p == nil {
		return phys.Errorf(phys.ErrMalformed, f.Path+"."+name, f.Addr, -1, "property %s is missing", name).With(CheckStructure)
	}
	return phys.Errorf(phys.ErrMalformed, f.Path+"."+name, f.Addr, int64(p.Offset),
		"property %s is %d bytes; it %s", name, len(p.Value), want).With(CheckStructure)
}

func errDataZero(path string) error {
	return phys.Errorf(phys.ErrMalformed, path, 0, -1, "data is 0 (the kernel's phys_to_virt(0) check does not catch this)").With(CheckDataZero)
}

// readAt returns n bytes at addr, without copying when the source can hand
// out a view (tried first: unlike phys.Read it does not snapshot the
// source's ranges, which costs O(segments) per call on an Image).
func readAt(m phys.Memory, addr, n uint64, path string) ([]byte, error) {
	if v, ok := m.(phys.Viewer); ok {
		if b, ok := v.View(addr, n); ok {
			return b, nil
		}
	}
	return phys.Read(m, addr, n, path)
}
