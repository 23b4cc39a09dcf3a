package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Source is one place a handover state is read from: physical memory, the
// blobs debugfs-style access gives, or both.
//
// ReadAt and Ranges follow phys.Memory: a read of memory the source does
// not hold fails with an error wrapping phys.ErrUnresolved. A source
// without memory has no Ranges and fails every read that way.
type Source interface {
	phys.Memory
	// Blobs returns the KHO root and client blobs the source holds, or an
	// error wrapping ErrNoBlobs when it holds none (a plain memory dump;
	// use Scan and BlobsFromMemory there). Live sources read the blobs
	// afresh on every call.
	Blobs() (*Blobs, error)
	// Describe says in one line what the source is, for reports.
	Describe() string
	// Close releases the source's files.
	Close() error
}

// ErrNoBlobs is wrapped by Blobs when a source holds no debugfs-style
// blobs.
var ErrNoBlobs = errors.New("the source holds no KHO blobs")

// Side names which handover a set of blobs belongs to.
const (
	SideIn  = "in"  // the incoming handover (kho/in): what the previous kernel passed
	SideOut = "out" // the outgoing handover (kho/out): what this kernel will pass
)

// Blob is one client blob, named as in debugfs.
type Blob struct {
	// Name is the client name, the file name under sub_fdts/ (e.g. "LUO").
	Name string
	// Data is the blob, cut to its FDT totalsize or blob-size when the
	// view was longer.
	Data []byte
}

// Blobs is what debugfs-style access gives: the KHO root FDT, the client
// blobs and the scratch areas of one side of the handover.
type Blobs struct {
	// Side is SideIn, SideOut or "" when unknown.
	Side string
	// Origin says where the blobs came from, e.g.
	// "debugfs /sys/kernel/debug/kho/in" or "memory at PA 0x1234000".
	Origin string
	// Root is the KHO root FDT, cut to its totalsize; nil when absent
	// (out/fdt is normally absent on a KHO-booted kernel).
	Root []byte
	// RootAddr is the physical address of the root when known, else
	// phys.NoAddr (debugfs never shows it).
	RootAddr uint64
	// RootMapped is how many bytes of the root the boot handoff tells the
	// next kernel to map (kho_data.fdt_size), 0 when no handoff is known.
	RootMapped uint64
	// Subs are the client blobs, sorted by name.
	Subs []Blob
	// Scratch lists the scratch areas when known (debugfs out/scratch_phys
	// and out/scratch_len, or the boot handoff).
	Scratch []kho.Scratch
	// Warnings are problems met while reading that did not stop it, such
	// as a view shorter than the blob's own header says.
	Warnings []string
	// Notes explain how the blobs were read when that is normal for the
	// kernel but not obvious, such as a root completed from memory.
	Notes []string
}

// Sub returns the client blob called name.
func (b *Blobs) Sub(name string) ([]byte, bool) {
	for _, s := range b.Subs {
		if s.Name == name {
			return s.Data, true
		}
	}
	return nil, false
}

func (b *Blobs) sortSubs() {
	slices.SortFunc(b.Subs, func(x, y Blob) int { return strings.Compare(x.Name, y.Name) })
}

func (b *Blobs) warnf(format string, args ...any) {
	b.Warnings = append(b.Warnings, fmt.Sprintf(format, args...))
}

// openHook, when set (by tests), sees every file a source opens.
var openHook func(*os.File)

// openRO opens path read-only. Every file this package reads goes through
// it.
func openRO(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if openHook != nil {
		openHook(f)
	}
	return f, nil
}

// readFileMax reads a whole file of at most max bytes (see ReadAny).
func readFileMax(path string, max int64) ([]byte, error) {
	return ReadAny(path, max)
}

// pathErr strips the *fs.PathError around err, whose message repeats the
// operation and the path, for a message that names the file itself.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unresolved is the error for n bytes at addr that a source does not hold.
func unresolved(what string, addr uint64, n int) error {
	return fmt.Errorf("%w: %d bytes at PA 0x%x are not in %s", phys.ErrUnresolved, n, addr, what)
}

// noMemory is embedded by sources that hold blobs only.
type noMemory struct{ what string }

// ReadAt fails: the source holds no memory.
func (m noMemory) ReadAt(p []byte, addr uint64) (int, error) {
	return 0, fmt.Errorf("%w: %s holds blobs only, no physical memory (PA 0x%x)", phys.ErrUnresolved, m.what, addr)
}

// Ranges is empty.
func (noMemory) Ranges() []phys.Range { return nil }

// Combine returns a source whose memory is mem's and whose blobs are
// blobs'. Close closes both.
func Combine(mem, blobs Source) Source { return &combined{mem, blobs} }

type combined struct{ mem, blobs Source }

// ReadAt reads the memory source.
func (c *combined) ReadAt(p []byte, addr uint64) (int, error) { return c.mem.ReadAt(p, addr) }

// Ranges are the memory source's.
func (c *combined) Ranges() []phys.Range { return c.mem.Ranges() }

// Blobs are the blob source's.
func (c *combined) Blobs() (*Blobs, error) { return c.blobs.Blobs() }

// Describe names both sources.
func (c *combined) Describe() string {
	return c.blobs.Describe() + " + " + c.mem.Describe()
}

// Close closes both sources.
func (c *combined) Close() error { return errors.Join(c.blobs.Close(), c.mem.Close()) }

// Warnings are both sources' warnings.
func (c *combined) Warnings() []string {
	return append(Warnings(c.blobs), Warnings(c.mem)...)
}

// nextData asks the memory source where its data lies.
func (c *combined) nextData(addr, end uint64) uint64 {
	if d, ok := c.mem.(dataSeeker); ok {
		return d.nextData(addr, end)
	}
	return addr
}

// Warner is implemented by sources that opened despite a problem, such as
// an ELF core cut short ([Core.Warnings]).
type Warner interface {
	// Warnings says what is wrong, one sentence each, naming the file.
	Warnings() []string
}

// Warnings returns what is wrong with s that did not stop it from opening
// (nil when nothing is, or s does not say): one sentence each, for a CLI
// to print as warnings.
func Warnings(s Source) []string {
	if w, ok := s.(Warner); ok {
		return slices.Clone(w.Warnings())
	}
	return nil
}

// dataSeeker is memory that knows where the holes of its sparse file are.
type dataSeeker interface {
	// nextData returns the first address in [addr, end] that may hold a
	// nonzero byte; see segMap.nextData.
	nextData(addr, end uint64) uint64
}
