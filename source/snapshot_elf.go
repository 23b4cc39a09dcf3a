package source

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// The ELF records of a snapshot (docs/snapshot-format.md §1-4), as
// WriteSnapshot lays them out.

// snapshotHeader lays the file out and returns everything before the
// first PT_LOAD's data: the ELF header, the program headers and the note
// segment; and the page-aligned file offset of each capture's data.
func snapshotHeader(machine elf.Machine, notes []byte, caps []Capture) ([]byte, []uint64) {
	phnum := 1 + len(caps)
	noteOff := uint64(64 + 56*phnum)
	off := alignUp(noteOff+uint64(len(notes)), snapPageSize)
	offs := make([]uint64, len(caps))
	for i, c := range caps {
		offs[i] = off
		off = alignUp(off+c.Size, snapPageSize)
	}
	hdr := elfHeader(machine, phnum)
	hdr = append(hdr, phdr(elf.PT_NOTE, elf.PF_R, noteOff, 0, uint64(len(notes)), 4)...)
	for i, c := range caps {
		hdr = append(hdr, phdr(elf.PT_LOAD, elf.PF_R, offs[i], c.Addr, c.Size, snapPageSize)...)
	}
	return append(hdr, notes...), offs
}

// elfHeader returns the 64-byte header of an ELF64 little-endian core
// file with phnum program headers right after it.
func elfHeader(machine elf.Machine, phnum int) []byte {
	le := binary.LittleEndian
	eh := make([]byte, 64)
	copy(eh, elf.ELFMAG)
	eh[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	eh[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	eh[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	eh[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)
	le.PutUint16(eh[16:], uint16(elf.ET_CORE))
	le.PutUint16(eh[18:], uint16(machine))
	le.PutUint32(eh[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(eh[32:], 64) // e_phoff
	le.PutUint16(eh[52:], 64) // e_ehsize
	le.PutUint16(eh[54:], 56) // e_phentsize
	le.PutUint16(eh[56:], uint16(phnum))
	return eh
}

// phdr returns one 56-byte ELF64 program header (p_memsz = p_filesz).
func phdr(typ elf.ProgType, flags elf.ProgFlag, off, paddr, size, align uint64) []byte {
	b := make([]byte, 56)
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(typ))
	le.PutUint32(b[4:], uint32(flags))
	le.PutUint64(b[8:], off)
	le.PutUint64(b[16:], 0) // p_vaddr
	le.PutUint64(b[24:], paddr)
	le.PutUint64(b[32:], size)
	le.PutUint64(b[40:], size)
	le.PutUint64(b[48:], align)
	return b
}

// writeNote appends one ELF note with owner NoteOwner, 4-byte aligned.
func writeNote(w *bytes.Buffer, typ uint32, desc []byte) {
	var h [12]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], uint32(len(NoteOwner)+1))
	le.PutUint32(h[4:], uint32(len(desc)))
	le.PutUint32(h[8:], typ)
	w.Write(h[:])
	w.WriteString(NoteOwner)
	w.Write(make([]byte, alignUp(uint64(len(NoteOwner)+1), 4)-uint64(len(NoteOwner))))
	w.Write(desc)
	w.Write(make([]byte, alignUp(uint64(len(desc)), 4)-uint64(len(desc))))
}

// blobNote returns the descriptor of a blob note: name, NUL, data.
func blobNote(name string, data []byte) []byte {
	b := make([]byte, 0, len(name)+1+len(data))
	b = append(b, name...)
	b = append(b, 0)
	return append(b, data...)
}
