package source

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Snapshot notes (docs/snapshot-format.md).
const (
	// NoteOwner is the owner name of every luoinspect note.
	NoteOwner = "LUOINSPECT"
	// NoteMetadata is the type of the note holding the JSON Metadata.
	// The types stay clear of the core note types (NT_PRSTATUS = 1, …),
	// which tools such as BFD decode whatever the owner name.
	NoteMetadata uint32 = 0x4c550001
	// NoteBlob is the type of a note holding one blob: its name, a NUL,
	// then its bytes.
	NoteBlob uint32 = 0x4c550002
	// SnapshotFormat is the format number this package writes and the
	// newest it reads.
	SnapshotFormat = 1
)

// Blob names in snapshot notes, mirroring the debugfs paths.
const (
	rootBlobName = "fdt"
	subBlobDir   = "sub_fdts/"
)

// snapPageSize is the file alignment of every PT_LOAD.
const snapPageSize = 4096

// ScratchArea is a scratch area in the metadata JSON.
type ScratchArea struct {
	Addr uint64 `json:"addr"`
	Size uint64 `json:"size"`
}

// Metadata is the JSON of a snapshot's metadata note. WriteSnapshot fills
// Format, Tool and the fields marked "from the blobs"; the caller fills
// the rest.
type Metadata struct {
	// Format is SnapshotFormat.
	Format int `json:"format"`
	// Tool is "luoinspect".
	Tool string `json:"tool"`
	// ToolVersion is the writing tool's version.
	ToolVersion string `json:"tool_version"`
	// KernelRelease is uname -r of the captured system, when known.
	KernelRelease string `json:"kernel_release,omitempty"`
	// Arch is "x86_64" or "aarch64" ("amd64" and "arm64" are accepted
	// and normalised; "" means the writer's own architecture). It decides
	// e_machine.
	Arch string `json:"arch"`
	// PageSize is the captured kernel's page size (0 means 4096).
	PageSize uint64 `json:"page_size"`
	// Time is when the capture was taken (zero means now).
	Time time.Time `json:"time"`
	// Source describes what was captured (Source.Describe()).
	Source string `json:"source"`
	// HasBlobs reports whether blob notes are present (from the blobs).
	HasBlobs bool `json:"blobs"`
	// Side is "in", "out" or "" (from the blobs).
	Side string `json:"side,omitempty"`
	// BlobsOrigin is Blobs.Origin (from the blobs).
	BlobsOrigin string `json:"blobs_origin,omitempty"`
	// RootAddr is the root's physical address when known (from the
	// blobs).
	RootAddr *uint64 `json:"root_addr,omitempty"`
	// Scratch are the scratch areas (from the blobs).
	Scratch []ScratchArea `json:"scratch,omitempty"`
	// Warnings are Blobs.Warnings (from the blobs).
	Warnings []string `json:"warnings,omitempty"`
}

// Capture is one physical range to store: Size bytes at Addr taken from
// Data, or from Reader when Data is nil.
type Capture struct {
	// Addr is the physical address of the first byte.
	Addr uint64
	// Size is the length; with Data, 0 means len(Data).
	Size uint64
	// Data holds the bytes, or is nil when Reader gives them.
	Data []byte
	// Reader gives exactly Size bytes when Data is nil.
	Reader io.Reader
}

// CaptureRange returns a Capture that streams r out of m when written.
func CaptureRange(m phys.Memory, r phys.Range) Capture {
	return Capture{Addr: r.Start, Size: r.Size, Reader: &memReader{m: m, addr: r.Start, left: r.Size}}
}

type memReader struct {
	m          phys.Memory
	addr, left uint64
}

// Read reads the next bytes of the range.
func (r *memReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(uint64(len(p)), r.left)]
	n, err := r.m.ReadAt(p, r.addr)
	r.addr += uint64(n)
	r.left -= uint64(n)
	return n, err
}

// machineFor maps an architecture name to e_machine.
func machineFor(arch string) (string, elf.Machine, error) {
	if arch == "" {
		arch = runtime.GOARCH
	}
	switch arch {
	case "x86_64", "amd64":
		return "x86_64", elf.EM_X86_64, nil
	case "aarch64", "arm64":
		return "aarch64", elf.EM_AARCH64, nil
	}
	return "", 0, fmt.Errorf("snapshot: architecture %q is not supported (want x86_64 or aarch64)", arch)
}

// chunkSize is the unit of streaming copies and cancellation checks.
const chunkSize = 1 << 20

// WriteSnapshot writes a snapshot to path atomically: it writes a
// temporary file in path's directory, syncs it, renames it over path and
// syncs the directory. On any error, and when ctx is cancelled (checked
// between chunks of 1 MiB), the temporary file is removed and path is left
// as it was. A caller that wants Ctrl-C to abort cleanly passes a context
// from signal.NotifyContext(ctx, os.Interrupt). blobs may be nil. The
// captures must not overlap; they are stored in address order. The file
// is created with mode 0600: it holds kernel memory.
func WriteSnapshot(ctx context.Context, path string, meta Metadata, blobs *Blobs, captures []Capture) (err error) {
	arch, machine, err := machineFor(meta.Arch)
	if err != nil {
		return err
	}
	meta.Arch = arch
	meta.Format = SnapshotFormat
	meta.Tool = "luoinspect"
	if meta.PageSize == 0 {
		meta.PageSize = 4096
	}
	if meta.Time.IsZero() {
		meta.Time = time.Now().UTC()
	}
	var notes bytes.Buffer
	meta.HasBlobs = blobs != nil
	meta.Side, meta.BlobsOrigin, meta.RootAddr, meta.Scratch, meta.Warnings = "", "", nil, nil, nil
	if blobs != nil {
		meta.Side, meta.BlobsOrigin, meta.Warnings = blobs.Side, blobs.Origin, blobs.Warnings
		if blobs.RootAddr != phys.NoAddr {
			a := blobs.RootAddr
			meta.RootAddr = &a
		}
		for _, s := range blobs.Scratch {
			meta.Scratch = append(meta.Scratch, ScratchArea(s))
		}
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("snapshot: metadata: %w", err)
	}
	writeNote(&notes, NoteMetadata, js)
	if blobs != nil {
		if blobs.Root != nil {
			writeNote(&notes, NoteBlob, blobNote(rootBlobName, blobs.Root))
		}
		seen := map[string]bool{}
		for _, s := range blobs.Subs {
			if s.Name == "" || strings.ContainsAny(s.Name, "\x00/") {
				return fmt.Errorf("snapshot: blob name %q is not a file name", s.Name)
			}
			if seen[s.Name] {
				return fmt.Errorf("snapshot: two blobs named %q", s.Name)
			}
			seen[s.Name] = true
			writeNote(&notes, NoteBlob, blobNote(subBlobDir+s.Name, s.Data))
		}
	}
	if notes.Len() > maxNoteSegment {
		return fmt.Errorf("snapshot: notes take %d bytes, more than %d", notes.Len(), maxNoteSegment)
	}

	caps := slices.Clone(captures)
	for i := range caps {
		c := &caps[i]
		if c.Data != nil {
			if c.Size == 0 {
				c.Size = uint64(len(c.Data))
			}
			if c.Size != uint64(len(c.Data)) {
				return fmt.Errorf("snapshot: capture at PA 0x%x: Size %d but %d bytes of Data", c.Addr, c.Size, len(c.Data))
			}
		} else if c.Reader == nil {
			return fmt.Errorf("snapshot: capture at PA 0x%x has neither Data nor Reader", c.Addr)
		}
		if c.Size == 0 {
			return fmt.Errorf("snapshot: capture at PA 0x%x is empty", c.Addr)
		}
		if c.Addr+c.Size < c.Addr {
			return fmt.Errorf("snapshot: capture at PA 0x%x of %d bytes wraps around", c.Addr, c.Size)
		}
	}
	slices.SortFunc(caps, func(a, b Capture) int {
		switch {
		case a.Addr < b.Addr:
			return -1
		case a.Addr > b.Addr:
			return 1
		}
		return 0
	})
	for i := 1; i < len(caps); i++ {
		if caps[i].Addr < caps[i-1].Addr+caps[i-1].Size {
			return fmt.Errorf("snapshot: captures at PA 0x%x and 0x%x overlap", caps[i-1].Addr, caps[i].Addr)
		}
	}
	phnum := 1 + len(caps)
	if phnum >= 0xffff {
		return fmt.Errorf("snapshot: %d ranges; at most %d fit without PN_XNUM", len(caps), 0xffff-2)
	}

	// Layout.
	noteOff := uint64(64 + 56*phnum)
	off := alignUp(noteOff+uint64(notes.Len()), snapPageSize)
	offs := make([]uint64, len(caps))
	for i, c := range caps {
		offs[i] = off
		off = alignUp(off+c.Size, snapPageSize)
	}
	var hdr bytes.Buffer
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
	hdr.Write(eh)
	hdr.Write(phdr(elf.PT_NOTE, elf.PF_R, noteOff, 0, uint64(notes.Len()), 4))
	for i, c := range caps {
		hdr.Write(phdr(elf.PT_LOAD, elf.PF_R, offs[i], c.Addr, c.Size, snapPageSize))
	}
	hdr.Write(notes.Bytes())

	if err := ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(hdr.Bytes()); err != nil {
		return fmt.Errorf("snapshot: write %s: %w", tmp, err)
	}
	pos := uint64(hdr.Len())
	buf := make([]byte, chunkSize)
	for i, c := range caps {
		if offs[i] > pos {
			if _, err = f.Write(make([]byte, offs[i]-pos)); err != nil {
				return fmt.Errorf("snapshot: write %s: %w", tmp, err)
			}
		}
		if err = copyCapture(ctx, f, c, buf); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		pos = offs[i] + c.Size
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("snapshot: sync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("snapshot: close %s: %w", tmp, err)
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if d, derr := openRO(dir); derr == nil {
		derr = d.Sync()
		d.Close()
		if derr != nil {
			return fmt.Errorf("snapshot: %s was written but syncing directory %s failed: %w", path, dir, derr)
		}
	}
	return nil
}

// copyCapture writes c to w in chunks, checking ctx between chunks.
func copyCapture(ctx context.Context, w io.Writer, c Capture, buf []byte) error {
	for done := uint64(0); done < c.Size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(uint64(len(buf)), c.Size-done)
		var chunk []byte
		if c.Data != nil {
			chunk = c.Data[done : done+n]
		} else {
			k, err := io.ReadFull(c.Reader, buf[:n])
			if err != nil {
				return fmt.Errorf("capture at PA 0x%x: read %d of %d bytes: %w", c.Addr, done+uint64(k), c.Size, err)
			}
			chunk = buf[:n]
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		done += n
	}
	return nil
}

func alignUp(x, a uint64) uint64 { return (x + a - 1) &^ (a - 1) }

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

func blobNote(name string, data []byte) []byte {
	b := make([]byte, 0, len(name)+1+len(data))
	b = append(b, name...)
	b = append(b, 0)
	return append(b, data...)
}

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

func readSnapshot(f *os.File, path string) (*Snapshot, error) {
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
	// Note segments are read whole: together they must fit in the file
	// once, so that overlapping ones cannot multiply what is read.
	var noteBytes uint64
	for _, p := range e.progs {
		if p.typ == elf.PT_NOTE {
			noteBytes = satAdd(noteBytes, p.filesz)
		}
	}
	if noteBytes > uint64(size) {
		return nil, fmt.Errorf("note segments take %d bytes, more than the file's %d: they overlap", noteBytes, size)
	}
	s := &Snapshot{f: f, path: path}
	var metaSeen bool
	var bl Blobs
	names := map[string]bool{}
	var segs []fileSeg
	for _, p := range e.progs {
		switch p.typ {
		case elf.PT_NOTE:
			notes, err := e.readNotes(f, p)
			if err != nil {
				return nil, err
			}
			for _, n := range notes {
				if n.name != NoteOwner {
					continue
				}
				switch n.typ {
				case NoteMetadata:
					if metaSeen {
						return nil, errors.New("two metadata notes")
					}
					metaSeen = true
					if err := json.Unmarshal(n.desc, &s.meta); err != nil {
						return nil, fmt.Errorf("metadata note: %w", err)
					}
				case NoteBlob:
					name, data, ok := bytes.Cut(n.desc, []byte{0})
					if !ok {
						return nil, errors.New("blob note without a NUL after its name")
					}
					nm := string(name)
					if names[nm] {
						return nil, fmt.Errorf("two blob notes named %q", nm)
					}
					names[nm] = true
					switch {
					case nm == rootBlobName:
						bl.Root = data
					case strings.HasPrefix(nm, subBlobDir) && len(nm) > len(subBlobDir) && !strings.Contains(nm[len(subBlobDir):], "/"):
						bl.Subs = append(bl.Subs, Blob{Name: nm[len(subBlobDir):], Data: data})
					default:
						bl.warnf("unknown blob note %q ignored", nm)
					}
				}
			}
		case elf.PT_LOAD:
			if p.memsz != p.filesz {
				return nil, fmt.Errorf("segment %d: p_memsz %d differs from p_filesz %d", p.index, p.memsz, p.filesz)
			}
			if p.paddr+p.filesz < p.paddr {
				return nil, fmt.Errorf("segment %d: PA 0x%x + %d wraps around", p.index, p.paddr, p.filesz)
			}
			segs = append(segs, fileSeg{addr: p.paddr, size: p.filesz, off: int64(p.off), index: p.index})
		}
	}
	if !metaSeen {
		return nil, fmt.Errorf("not a luoinspect snapshot: no %s metadata note", NoteOwner)
	}
	if s.meta.Format < 1 || s.meta.Format > SnapshotFormat {
		return nil, fmt.Errorf("snapshot format %d; this reader knows format 1 to %d", s.meta.Format, SnapshotFormat)
	}
	if a, b, ok := overlap(segs); ok {
		return nil, fmt.Errorf("segments %d and %d overlap at PA 0x%x", a.index, b.index, b.addr)
	}
	if s.meta.HasBlobs {
		bl.Side, bl.Origin = s.meta.Side, s.meta.BlobsOrigin
		bl.Warnings = append(slices.Clone(s.meta.Warnings), bl.Warnings...)
		bl.RootAddr = phys.NoAddr
		if s.meta.RootAddr != nil {
			bl.RootAddr = *s.meta.RootAddr
		}
		for _, a := range s.meta.Scratch {
			bl.Scratch = append(bl.Scratch, kho.Scratch(a))
		}
		bl.sortSubs()
		s.blobs = &bl
	} else if len(names) > 0 {
		return nil, errors.New("blob notes present but the metadata says there are no blobs")
	}
	s.segMap = newSegMap(f, "snapshot "+path, segs)
	s.segMap.holes = newHoleFinder(f)
	return s, nil
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
