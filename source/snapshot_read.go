package source

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/luoinspect/luoinspect/phys"
)

// Snapshot is an opened luoinspect snapshot: memory from its PT_LOADs,
// blobs and metadata from its notes. Memory is read lazily.
type Snapshot struct {
	*segMap
	f     *os.File
	path  string
	meta  Metadata
	blobs *Blobs
}

// OpenSnapshot opens and checks a snapshot. A file cut short anywhere
// fails with "snapshot truncated: ...", naming the part that runs past the
// end (for example "segment 3 ends at 1052672, file is 1000000 bytes").
func OpenSnapshot(path string) (*Snapshot, error) {
	f, err := openRO(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot %s: %w", path, pathErr(err))
	}
	s, err := readSnapshot(f, path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// readSnapshot reads the notes and the segment table of the snapshot f.
func readSnapshot(f *os.File, path string) (*Snapshot, error) {
	e, err := snapshotELF(f)
	if err != nil {
		return nil, err
	}
	var notes snapshotNoteSet
	var segs []fileSeg
	for _, p := range e.progs {
		switch p.typ {
		case elf.PT_NOTE:
			ns, err := e.readNotes(f, p)
			if err != nil {
				return nil, err
			}
			if err := notes.add(ns); err != nil {
				return nil, err
			}
		case elf.PT_LOAD:
			seg, err := loadSegment(p)
			if err != nil {
				return nil, err
			}
			segs = append(segs, seg)
		}
	}
	if err := notes.checkMetadata(); err != nil {
		return nil, err
	}
	if a, b, ok := overlap(segs); ok {
		return nil, fmt.Errorf("segments %d and %d overlap at PA 0x%x", a.index, b.index, b.addr)
	}
	s := &Snapshot{f: f, path: path, meta: notes.meta}
	if s.blobs, err = notes.blobSet(); err != nil {
		return nil, err
	}
	s.segMap = newSegMap(f, "snapshot "+path, segs)
	s.segMap.holes = newHoleFinder(f)
	return s, nil
}

// snapshotELF parses the ELF header and program headers of f and checks
// that it can be a snapshot: a regular file, an ELF64 little-endian core
// of a supported machine, whose segments lie in the file and whose note
// segments together fit in it once (so that overlapping ones cannot
// multiply what is read).
func snapshotELF(f *os.File) (*elfInfo, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	size := st.Size()
	e, err := parseELF(f, size, "snapshot")
	if err != nil {
		return nil, err
	}
	if e.class != elf.ELFCLASS64 || e.order != binary.LittleEndian || e.typ != elf.ET_CORE {
		return nil, fmt.Errorf("not a luoinspect snapshot: want ELF64 little-endian ET_CORE, have %v %v %v", e.class, e.order, e.typ)
	}
	if e.machine != elf.EM_X86_64 && e.machine != elf.EM_AARCH64 {
		return nil, fmt.Errorf("not a luoinspect snapshot: e_machine is %v", e.machine)
	}
	if err := e.checkSegments(size, "snapshot"); err != nil {
		return nil, err
	}
	var noteBytes uint64
	for _, p := range e.progs {
		if p.typ == elf.PT_NOTE {
			noteBytes = phys.SatAdd(noteBytes, p.filesz)
		}
	}
	if noteBytes > uint64(size) {
		return nil, fmt.Errorf("note segments take %d bytes, more than the file's %d: they overlap", noteBytes, size)
	}
	return e, nil
}

// loadSegment returns the memory of a PT_LOAD, which must hold all its
// bytes in the file and must not wrap around.
func loadSegment(p elfProg) (fileSeg, error) {
	if p.memsz != p.filesz {
		return fileSeg{}, fmt.Errorf("segment %d: p_memsz %d differs from p_filesz %d", p.index, p.memsz, p.filesz)
	}
	if p.paddr+p.filesz < p.paddr {
		return fileSeg{}, fmt.Errorf("segment %d: PA 0x%x + %d wraps around", p.index, p.paddr, p.filesz)
	}
	return fileSeg{addr: p.paddr, size: p.filesz, off: int64(p.off), index: p.index}, nil
}

// Metadata returns the snapshot's metadata.
func (s *Snapshot) Metadata() Metadata { return s.meta }

// Blobs returns the stored blobs, or ErrNoBlobs when none were stored.
// The returned value is shared; do not modify it.
func (s *Snapshot) Blobs() (*Blobs, error) {
	if s.blobs == nil {
		return nil, fmt.Errorf("snapshot %s: %w", s.path, ErrNoBlobs)
	}
	return s.blobs, nil
}

// Describe names the file and what it captured.
func (s *Snapshot) Describe() string {
	var total uint64
	for _, r := range s.segs {
		total += r.size
	}
	d := fmt.Sprintf("snapshot %s (%s, %d ranges, %d KiB", s.path, s.meta.Arch, len(s.segs), total>>10)
	if s.meta.Source != "" {
		d += ", of " + s.meta.Source
	}
	if !s.meta.Time.IsZero() {
		d += ", taken " + s.meta.Time.Format(time.RFC3339)
	}
	return d + ")"
}

// Close closes the file.
func (s *Snapshot) Close() error { return s.f.Close() }
