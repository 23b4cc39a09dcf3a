// Package coretest writes ELF64 little-endian x86-64 ET_CORE files of the
// kind kdump and QEMU dump-guest-memory produce, for tests: PT_LOAD
// segments at physical addresses, data written sparsely so that a core
// declaring gigabytes costs only the bytes given.
package coretest

import (
	"debug/elf"
	"encoding/binary"
	"os"
)

// Segment is one PT_LOAD: Size bytes at physical address Addr, of which
// Data (a prefix) is written; the rest reads as zeros (a hole in the file).
type Segment struct {
	Addr uint64
	Size uint64
	Data []byte
}

const (
	ehSize = 64
	phSize = 56
	align  = 4096
)

// Write writes the core to path and returns the file offset at which each
// segment's data starts.
func Write(path string, segs []Segment) ([]uint64, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := make([]byte, ehSize+phSize*len(segs))
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h[elf.EI_VERSION] = 1
	le := binary.LittleEndian
	le.PutUint16(h[16:], uint16(elf.ET_CORE))
	le.PutUint16(h[18:], uint16(elf.EM_X86_64))
	le.PutUint32(h[20:], 1)
	le.PutUint64(h[32:], ehSize)
	le.PutUint16(h[52:], ehSize)
	le.PutUint16(h[54:], phSize)
	le.PutUint16(h[56:], uint16(len(segs)))
	off := uint64(len(h)+align-1) &^ (align - 1)
	offs := make([]uint64, len(segs))
	for i, s := range segs {
		p := h[ehSize+phSize*i:]
		le.PutUint32(p[0:], uint32(elf.PT_LOAD))
		le.PutUint32(p[4:], uint32(elf.PF_R|elf.PF_W|elf.PF_X))
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], s.Addr)
		le.PutUint64(p[24:], s.Addr)
		le.PutUint64(p[32:], s.Size)
		le.PutUint64(p[40:], s.Size)
		le.PutUint64(p[48:], align)
		offs[i] = off
		if _, err := f.WriteAt(s.Data, int64(off)); err != nil {
			return nil, err
		}
		off += (s.Size + align - 1) &^ (align - 1)
	}
	if _, err := f.WriteAt(h, 0); err != nil {
		return nil, err
	}
	return offs, f.Truncate(int64(off))
}
