package source

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// elfProg is one program header.
type elfProg struct {
	index                                 int
	typ                                   elf.ProgType
	flags                                 elf.ProgFlag
	off, vaddr, paddr, filesz, memsz, aln uint64
}

// elfInfo is the part of an ELF file this package reads: the header and
// the program headers. Section headers are not read except section 0 for
// PN_XNUM.
type elfInfo struct {
	class   elf.Class
	order   binary.ByteOrder
	typ     elf.Type
	machine elf.Machine
	phoff   uint64
	progs   []elfProg
}

// maxProgs bounds the program header count (PN_XNUM allows 2^32).
const maxProgs = 1 << 20

// invalidPaddr reports whether p_paddr is the "no physical address"
// marker, (elf_addr_t)-1, that /proc/kcore writes for vmalloc, module,
// vmemmap and other non-RAM segments.
func (e *elfInfo) invalidPaddr(p uint64) bool {
	if e.class == elf.ELFCLASS32 {
		return p == math.MaxUint32
	}
	return p == math.MaxUint64
}

func truncErr(label string, format string, args ...any) error {
	return fmt.Errorf("%s truncated: %s", label, fmt.Sprintf(format, args...))
}

// parseELF reads the ELF header and program headers of r, whose size is
// size bytes (or -1 when unknown, as for /proc/kcore). label names the
// file kind in errors ("snapshot", "ELF core").
func parseELF(r io.ReaderAt, size int64, label string) (*elfInfo, error) {
	var ident [elf.EI_NIDENT]byte
	n, err := r.ReadAt(ident[:], 0)
	if n < 4 || !bytes.Equal(ident[:4], []byte(elf.ELFMAG)) {
		if n < 4 && err == io.EOF && bytes.HasPrefix([]byte(elf.ELFMAG), ident[:n]) {
			return nil, truncErr(label, "file is %d bytes, the ELF header needs 64", n)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read ELF header: %w", err)
		}
		return nil, fmt.Errorf("not an ELF file (no \\x7fELF magic)")
	}
	if n < len(ident) {
		return nil, truncErr(label, "file is %d bytes, the ELF header needs 64", n)
	}
	e := &elfInfo{class: elf.Class(ident[elf.EI_CLASS])}
	switch elf.Data(ident[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		e.order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		e.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("bad ELF data encoding %d", ident[elf.EI_DATA])
	}
	var ehsize, phentsize int
	switch e.class {
	case elf.ELFCLASS64:
		ehsize, phentsize = 64, 56
	case elf.ELFCLASS32:
		ehsize, phentsize = 52, 32
	default:
		return nil, fmt.Errorf("bad ELF class %d", ident[elf.EI_CLASS])
	}
	if ident[elf.EI_VERSION] != byte(elf.EV_CURRENT) {
		return nil, fmt.Errorf("bad ELF version %d", ident[elf.EI_VERSION])
	}
	h := make([]byte, ehsize)
	if n, err := r.ReadAt(h, 0); n < ehsize {
		if err == io.EOF || err == nil {
			return nil, truncErr(label, "file is %d bytes, the ELF header needs %d", n, ehsize)
		}
		return nil, fmt.Errorf("read ELF header: %w", err)
	}
	o := e.order
	e.typ = elf.Type(o.Uint16(h[16:]))
	e.machine = elf.Machine(o.Uint16(h[18:]))
	var shoff uint64
	var phent, phnum, shent int
	if e.class == elf.ELFCLASS64 {
		e.phoff, shoff = o.Uint64(h[32:]), o.Uint64(h[40:])
		phent, phnum, shent = int(o.Uint16(h[54:])), int(o.Uint16(h[56:])), int(o.Uint16(h[58:]))
	} else {
		e.phoff, shoff = uint64(o.Uint32(h[28:])), uint64(o.Uint32(h[32:]))
		phent, phnum, shent = int(o.Uint16(h[42:])), int(o.Uint16(h[44:])), int(o.Uint16(h[46:]))
	}
	if phnum == 0 {
		return e, nil
	}
	if phent != phentsize {
		return nil, fmt.Errorf("e_phentsize is %d, want %d", phent, phentsize)
	}
	if phnum == 0xffff { // PN_XNUM: the count is section header 0's sh_info
		shsize := 64
		infoOff := 44
		if e.class == elf.ELFCLASS32 {
			shsize, infoOff = 40, 28
		}
		if shent != shsize || shoff == 0 || shoff > math.MaxInt64-uint64(shsize) {
			return nil, fmt.Errorf("e_phnum is PN_XNUM but section header 0 is unusable (e_shoff 0x%x, e_shentsize %d)", shoff, shent)
		}
		if size >= 0 && shoff+uint64(shsize) > uint64(size) {
			return nil, truncErr(label, "section header 0 ends at %d, file is %d bytes", shoff+uint64(shsize), size)
		}
		sh := make([]byte, shsize)
		if _, err := r.ReadAt(sh, int64(shoff)); err != nil {
			return nil, fmt.Errorf("read section header 0: %w", err)
		}
		phnum = int(o.Uint32(sh[infoOff:]))
		if phnum > maxProgs {
			return nil, fmt.Errorf("%d program headers (PN_XNUM), more than the %d this reader accepts", phnum, maxProgs)
		}
	}
	tab := uint64(phnum) * uint64(phentsize)
	if e.phoff > math.MaxInt64-tab {
		return nil, fmt.Errorf("e_phoff 0x%x is out of range", e.phoff)
	}
	if size >= 0 && e.phoff+tab > uint64(size) {
		return nil, truncErr(label, "program headers end at %d, file is %d bytes", e.phoff+tab, size)
	}
	// Read the table in pieces so that, when the size is unknown, a bogus
	// count costs no more memory than the file holds.
	var buf []byte
	for uint64(len(buf)) < tab {
		k := min(tab-uint64(len(buf)), 1<<20)
		piece := make([]byte, k)
		n, err := r.ReadAt(piece, int64(e.phoff)+int64(len(buf)))
		buf = append(buf, piece[:n]...)
		if uint64(n) < k {
			if err == io.EOF || err == nil {
				return nil, truncErr(label, "program headers end at %d, file is %d bytes", e.phoff+tab, e.phoff+uint64(len(buf)))
			}
			return nil, fmt.Errorf("read program headers: %w", err)
		}
	}
	e.progs = make([]elfProg, phnum)
	for i := range e.progs {
		b := buf[i*phentsize:]
		p := &e.progs[i]
		p.index = i
		p.typ = elf.ProgType(o.Uint32(b))
		if e.class == elf.ELFCLASS64 {
			p.flags = elf.ProgFlag(o.Uint32(b[4:]))
			p.off, p.vaddr, p.paddr = o.Uint64(b[8:]), o.Uint64(b[16:]), o.Uint64(b[24:])
			p.filesz, p.memsz, p.aln = o.Uint64(b[32:]), o.Uint64(b[40:]), o.Uint64(b[48:])
		} else {
			p.off, p.vaddr, p.paddr = uint64(o.Uint32(b[4:])), uint64(o.Uint32(b[8:])), uint64(o.Uint32(b[12:]))
			p.filesz, p.memsz = uint64(o.Uint32(b[16:])), uint64(o.Uint32(b[20:]))
			p.flags, p.aln = elf.ProgFlag(o.Uint32(b[24:])), uint64(o.Uint32(b[28:]))
		}
	}
	return e, nil
}

// checkSegments fails when a PT_LOAD or PT_NOTE segment's file bytes are
// not all inside a file of size bytes.
func (e *elfInfo) checkSegments(size int64, label string) error {
	for _, p := range e.progs {
		if (p.typ != elf.PT_LOAD && p.typ != elf.PT_NOTE) || p.filesz == 0 {
			continue
		}
		end := p.off + p.filesz
		if end < p.off || end > math.MaxInt64 {
			return fmt.Errorf("%s: segment %d (p_offset 0x%x, p_filesz 0x%x) runs past the largest file offset", label, p.index, p.off, p.filesz)
		}
		if end > uint64(size) {
			return truncErr(label, "segment %d ends at %d, file is %d bytes", p.index, end, size)
		}
	}
	return nil
}

// elfNote is one note record.
type elfNote struct {
	name string
	typ  uint32
	desc []byte
}

// maxNoteSegment bounds how much of a PT_NOTE segment is read.
const maxNoteSegment = 256 << 20

// readNotes reads and splits the notes of PT_NOTE segment p. Records are
// 4-byte aligned, or 8-byte aligned when p_align is 8.
func (e *elfInfo) readNotes(r io.ReaderAt, p elfProg) ([]elfNote, error) {
	if p.filesz > maxNoteSegment || p.off > math.MaxInt64 {
		return nil, fmt.Errorf("note segment %d is %d bytes, more than the %d this reader accepts", p.index, p.filesz, maxNoteSegment)
	}
	b := make([]byte, p.filesz)
	if n, err := r.ReadAt(b, int64(p.off)); n < len(b) {
		return nil, fmt.Errorf("read note segment %d: %w", p.index, err)
	}
	align := uint64(4)
	if p.aln == 8 {
		align = 8
	}
	up := func(x uint64) uint64 { return (x + align - 1) &^ (align - 1) }
	var notes []elfNote
	for off := uint64(0); off < uint64(len(b)); {
		if uint64(len(b))-off < 12 {
			return nil, fmt.Errorf("note segment %d: %d stray bytes at offset %d", p.index, uint64(len(b))-off, off)
		}
		namesz := uint64(e.order.Uint32(b[off:]))
		descsz := uint64(e.order.Uint32(b[off+4:]))
		typ := e.order.Uint32(b[off+8:])
		nameOff := off + 12
		descOff := nameOff + up(namesz)
		if descOff > uint64(len(b)) || descsz > uint64(len(b))-descOff {
			return nil, fmt.Errorf("note segment %d: note at offset %d (namesz %d, descsz %d) runs past the segment's %d bytes",
				p.index, off, namesz, descsz, len(b))
		}
		name := b[nameOff : nameOff+namesz]
		name = bytes.TrimRight(name, "\x00")
		notes = append(notes, elfNote{name: string(name), typ: typ, desc: b[descOff : descOff+descsz : descOff+descsz]})
		off = descOff + up(descsz)
	}
	return notes, nil
}

// hasNoteOwner reports whether the note records in b, which may be cut
// short, include one whose owner name is owner. Records are read as
// readNotes reads them; the scan stops at the first record that runs past
// b.
func (e *elfInfo) hasNoteOwner(b []byte, aln uint64, owner string) bool {
	align := uint64(4)
	if aln == 8 {
		align = 8
	}
	up := func(x uint64) uint64 { return (x + align - 1) &^ (align - 1) }
	for off := uint64(0); off <= uint64(len(b)) && uint64(len(b))-off >= 12; {
		namesz := uint64(e.order.Uint32(b[off:]))
		descsz := uint64(e.order.Uint32(b[off+4:]))
		nameOff := off + 12
		if namesz > uint64(len(b))-nameOff {
			return false
		}
		if string(bytes.TrimRight(b[nameOff:nameOff+namesz], "\x00")) == owner {
			return true
		}
		next := nameOff + up(namesz)
		if next > uint64(len(b)) || descsz > uint64(len(b))-next {
			return false
		}
		off = next + up(descsz)
	}
	return false
}
