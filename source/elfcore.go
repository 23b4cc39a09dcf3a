package source

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"syscall"

	"github.com/luoinspect/luoinspect/phys"
)

// DefaultKcore is where the running kernel's ELF core lives.
const DefaultKcore = "/proc/kcore"

// CoreOptions tunes OpenCore.
type CoreOptions struct {
	// AllowTruncated is ignored: a core whose segments run past the end
	// of the file always opens, with a warning (see Core.Warnings).
	//
	// Deprecated: truncated cores open without it.
	AllowTruncated bool
}

// Core is an ELF core read lazily: a kdump /proc/vmcore (or a copy), a
// QEMU dump-guest-memory ELF file, /proc/kcore, or any ELF ET_CORE whose
// PT_LOAD segments carry physical addresses in p_paddr.
//
// The physical map is built from PT_LOAD p_paddr and p_filesz. Bytes
// between p_filesz and p_memsz are not in the file; Core reports them
// unresolved rather than zero, because a filtering dumper (makedumpfile)
// may have dropped pages that were not zero. Segments whose p_paddr is
// (elf_addr_t)-1 (kcore's vmalloc, module and vmemmap segments) are
// skipped. Where segments overlap (kdump and kcore describe kernel text a
// second time) the lower-addressed one wins; the bytes are the same.
type Core struct {
	*segMap
	f        *os.File
	path     string
	info     *elfInfo
	kcore    bool
	size     int64  // the file's size, -1 for kcore
	skipped  int    // PT_LOADs without a usable p_paddr
	bss      uint64 // bytes of p_memsz past p_filesz, reported unresolved
	missing  uint64 // bytes of PT_LOAD p_filesz past the end of the file
	memTotal uint64 // bytes of PT_LOAD p_filesz with a usable p_paddr
	warnings []string
}

// OpenCore opens an ELF core file (ET_CORE, ELF32 or ELF64, either byte
// order). A core cut short (a copy interrupted by a full disk, say) opens
// as long as its ELF header and program headers are whole: the segments,
// or the parts of segments, the file holds read normally, the rest is
// unresolved, and Warnings says how much is missing. A file cut inside
// its headers fails with "ELF core truncated: ...". makedumpfile's
// kdump-compressed and flattened formats are named, with what to do.
func OpenCore(path string, opts CoreOptions) (*Core, error) {
	return openCore(path, false, opts)
}

// OpenKcore opens /proc/kcore (path "" means DefaultKcore) and maps the
// physical addresses of its RAM segments. It needs root with
// CAP_SYS_RAWIO and CONFIG_PROC_KCORE; kernel lockdown in confidentiality
// mode blocks it.
func OpenKcore(path string) (*Core, error) {
	if path == "" {
		path = DefaultKcore
	}
	return openCore(path, true, CoreOptions{})
}

func openCore(path string, kcore bool, opts CoreOptions) (*Core, error) {
	label := "ELF core"
	if kcore {
		label = "kcore"
	}
	f, err := openRO(path)
	if err != nil {
		if kcore {
			return nil, kcoreOpenError(path, err)
		}
		return nil, fmt.Errorf("open ELF core %s: %w", path, pathErr(err))
	}
	c, err := newCore(f, path, label, kcore, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// kcoreOpenError explains why /proc/kcore could not be opened, in words
// that already say what the system error says (it is kept for errors.Is,
// not printed twice).
func kcoreOpenError(path string, err error) error {
	err = pathErr(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return explained{fmt.Sprintf("open %s: no such file: the kernel is built without CONFIG_PROC_KCORE (or /proc is not mounted); use a kdump core or a VM dump instead", path), err}
	case errors.Is(err, syscall.EPERM):
		return explained{fmt.Sprintf("open %s: operation not permitted: reading kcore needs CAP_SYS_RAWIO, and kernel lockdown (confidentiality mode) blocks it even for root", path), err}
	case errors.Is(err, syscall.EACCES):
		return explained{fmt.Sprintf("open %s: permission denied: run as root (kcore is mode 0400 and needs CAP_SYS_RAWIO)", path), err}
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// explained is an error whose message explains err in full: err stays
// reachable through errors.Is and errors.As without being repeated.
type explained struct {
	msg string
	err error
}

func (e explained) Error() string { return e.msg }
func (e explained) Unwrap() error { return e.err }

func newCore(f *os.File, path, label string, kcore bool, opts CoreOptions) (*Core, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not an ELF core", path)
	}
	size := st.Size()
	if kcore {
		size = -1 // /proc/kcore's size is nominal; reads decide
	}
	if err := foreignFormat(path, peekHead(f, make([]byte, 16)), f); err != nil {
		return nil, err
	}
	info, err := parseELF(f, size, label)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if info.typ != elf.ET_CORE {
		return nil, fmt.Errorf("%s: ELF type is %v, not ET_CORE: not a memory dump", path, info.typ)
	}
	c := &Core{f: f, path: path, info: info, kcore: kcore, size: size}
	if kcore {
		zeros := 0
		for _, p := range info.progs {
			if p.typ == elf.PT_LOAD && p.paddr == 0 && p.filesz > 0 {
				zeros++
			}
		}
		if zeros > 1 {
			return nil, fmt.Errorf("%s: %d segments claim physical address 0: this kcore predates physical addresses in p_paddr (Linux 4.11), so it cannot be used for physical reads", path, zeros)
		}
	}
	var segs, lost []fileSeg
	notesCut := uint64(0)
	for _, p := range info.progs {
		if p.typ == elf.PT_NOTE && size >= 0 && p.off+p.filesz > uint64(size) && p.off+p.filesz >= p.off {
			notesCut = max(notesCut, p.off+p.filesz)
		}
		if p.typ != elf.PT_LOAD {
			continue
		}
		if info.invalidPaddr(p.paddr) || p.paddr+p.filesz < p.paddr || p.off > math.MaxInt64 || p.filesz > math.MaxInt64-p.off {
			c.skipped++
			continue
		}
		if p.memsz > p.filesz {
			c.bss = phys.SatAdd(c.bss, p.memsz-p.filesz)
		}
		c.memTotal = phys.SatAdd(c.memTotal, p.filesz)
		s := fileSeg{addr: p.paddr, size: p.filesz, off: int64(p.off), index: p.index}
		if size >= 0 && p.off+p.filesz > uint64(size) {
			keep := uint64(0)
			if p.off < uint64(size) {
				keep = uint64(size) - p.off
			}
			c.missing = phys.SatAdd(c.missing, p.filesz-keep)
			lost = append(lost, fileSeg{addr: p.paddr + keep, size: p.filesz - keep, off: s.off + int64(keep), index: p.index})
			s.size = keep
		}
		segs = append(segs, s)
	}
	switch {
	case c.missing > 0:
		c.warnings = append(c.warnings, fmt.Sprintf("%s is truncated: %s of %s of memory segments are missing (file ends at byte %d)",
			path, sizeText(c.missing), sizeText(c.memTotal), size))
	case notesCut > 0:
		c.warnings = append(c.warnings, fmt.Sprintf("%s is truncated: its notes end at byte %d, the file at byte %d", path, notesCut, size))
	}
	c.segMap = newSegMap(f, label+" "+path, segs)
	if len(lost) > 0 {
		c.segMap.setLost(lost, size)
	}
	if !kcore {
		c.segMap.holes = newHoleFinder(f)
	}
	return c, nil
}

// Warnings says what is wrong with the core that did not stop it from
// opening, one sentence each: a file cut short names how much of its
// memory segments is missing.
func (c *Core) Warnings() []string { return c.warnings }

// hasLuoinspectNote reports whether the core carries a LUOINSPECT note,
// that is, whether it is a luoinspect snapshot.
func (c *Core) hasLuoinspectNote() bool {
	var buf []byte // one buffer for every note segment
	for _, p := range c.info.progs {
		if p.typ != elf.PT_NOTE || p.off > math.MaxInt64 {
			continue
		}
		// The metadata note comes first: 1 MiB of the segment, or what
		// a cut file holds of it, is enough to find it.
		n := min(p.filesz, 1<<20)
		if c.size >= 0 {
			if p.off >= uint64(c.size) {
				continue
			}
			n = min(n, uint64(c.size)-p.off)
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		k, _ := c.f.ReadAt(buf[:n], int64(p.off))
		if c.info.hasNoteOwner(buf[:k], p.aln, NoteOwner) {
			return true
		}
	}
	return false
}

// Machine returns the ELF e_machine of the core.
func (c *Core) Machine() elf.Machine { return c.info.machine }

// Blobs fails with ErrNoBlobs: a core holds memory only. Use Scan and
// BlobsFromMemory to find the KHO root in it.
func (c *Core) Blobs() (*Blobs, error) {
	return nil, fmt.Errorf("%s: %w (scan its memory for the KHO root instead)", c.path, ErrNoBlobs)
}

// Describe names the file and summarises its physical map.
func (c *Core) Describe() string {
	kind := "ELF core"
	if c.kcore {
		kind = "kcore"
	}
	var total uint64
	for _, s := range c.segs {
		total += s.size
	}
	d := fmt.Sprintf("%s %s (%v, %d RAM segments, %d MiB)", kind, c.path, c.info.machine, len(c.segs), total>>20)
	if c.skipped > 0 {
		d += fmt.Sprintf(", %d segments without a physical address skipped", c.skipped)
	}
	if c.bss > 0 {
		d += fmt.Sprintf(", %d bytes of p_memsz beyond p_filesz unresolved", c.bss)
	}
	if c.missing > 0 {
		d += fmt.Sprintf(", truncated: %s of %s missing", sizeText(c.missing), sizeText(c.memTotal))
	}
	return d
}

// Close closes the file.
func (c *Core) Close() error { return c.f.Close() }
