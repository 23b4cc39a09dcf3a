package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/luoinspect/luoinspect/phys"
)

// Default paths of the /dev/mem source.
const (
	DefaultDevMem = "/dev/mem"
	DefaultIOMem  = "/proc/iomem"
)

// lowMem is the end of the x86 low memory that CONFIG_STRICT_DEVMEM shows
// as zeros instead of refusing (devmem_is_allowed() returning 2).
const lowMem = 0x100000

// DevMem reads physical memory through /dev/mem with pread on a
// descriptor opened O_RDONLY; it never writes and never maps.
//
// /dev/mem is usable for KHO and LUO data only with CONFIG_STRICT_DEVMEM=n:
// with it, reading System RAM fails with EPERM (arm64, riscv and x86
// above 1 MiB) or, on x86 below 1 MiB, silently returns zeros. OpenDevMem
// probes for both: a refused RAM read fails the open, and zero-filled low
// memory is taken out of Ranges and reported as unresolved with that
// explanation.
type DevMem struct {
	f       *os.File
	path    string
	ranges  []phys.Range // System RAM from /proc/iomem; nil when unknown
	note    string       // why ranges are unknown
	zeroLow bool         // RAM below 1 MiB reads as zeros (STRICT_DEVMEM)
}

// OpenDevMem opens path ("" means DefaultDevMem) and takes the System RAM
// ranges from iomem ("" means DefaultIOMem; it shows real addresses to
// root only). Without them Ranges is empty and ReadAt tries the device
// for any address.
func OpenDevMem(path, iomem string) (*DevMem, error) {
	if path == "" {
		path = DefaultDevMem
	}
	if iomem == "" {
		iomem = DefaultIOMem
	}
	f, err := openRO(path)
	if err != nil {
		return nil, devmemOpenError(path, err)
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		if err == nil {
			err = errors.New("is a directory")
		}
		return nil, fmt.Errorf("open %s: %w: not a memory device", path, err)
	}
	d := &DevMem{f: f, path: path}
	d.ranges, d.note = systemRAM(iomem)
	if err := d.probe(); err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// devmemOpenError explains why /dev/mem could not be opened.
func devmemOpenError(path string, err error) error {
	err = pathErr(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open %s: no such device: the kernel is built without CONFIG_DEVMEM (or this is a container without it); use /proc/kcore or a kdump core: %w", path, err)
	case errors.Is(err, syscall.EPERM):
		return fmt.Errorf("open %s: operation not permitted: /dev/mem needs CAP_SYS_RAWIO, and kernel lockdown (integrity mode) blocks it even for root; use /proc/kcore or a kdump core: %w", path, err)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("open %s: permission denied: run as root (and with CAP_SYS_RAWIO): %w", path, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// strictDevmemError is the error for a RAM read /dev/mem refused.
func strictDevmemError(path string, addr uint64, err error) error {
	return fmt.Errorf("%w: %s refused to read RAM at PA 0x%x: the kernel has CONFIG_STRICT_DEVMEM (or is locked down), which blocks System RAM, where all KHO and LUO data lives; use /proc/kcore or a kdump core instead: %w",
		phys.ErrUnresolved, path, addr, err)
}

// systemRAM returns the top-level "System RAM" ranges of /proc/iomem.
func systemRAM(path string) ([]phys.Range, string) {
	f, err := openRO(path)
	if err != nil {
		return nil, fmt.Sprintf("RAM ranges unknown: %v", err)
	}
	defer f.Close()
	var out []phys.Range
	zero := true
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue // nested resource
		}
		span, name, ok := strings.Cut(line, " : ")
		if !ok || strings.TrimSpace(name) != "System RAM" {
			continue
		}
		a, b, ok := strings.Cut(strings.TrimSpace(span), "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(a, 16, 64)
		end, err2 := strconv.ParseUint(b, 16, 64)
		if err1 != nil || err2 != nil || end < start {
			continue
		}
		if end != 0 {
			zero = false
		}
		out = append(out, phys.Range{Start: start, Size: end - start + 1})
	}
	if len(out) == 0 {
		return nil, fmt.Sprintf("RAM ranges unknown: %s lists no System RAM", path)
	}
	if zero {
		return nil, fmt.Sprintf("RAM ranges unknown: %s shows zero addresses (not root)", path)
	}
	slices.SortFunc(out, phys.CompareRanges)
	return out, ""
}

// probe detects the two faces of CONFIG_STRICT_DEVMEM.
func (d *DevMem) probe() error {
	// Low memory: RAM below 1 MiB that reads as all zeros.
	low := clip(d.ranges, 0, lowMem)
	if d.ranges == nil {
		low = []phys.Range{{Start: 0, Size: 0xa0000}}
	}
	var readLow, nonzero bool
	for _, r := range low {
		b := make([]byte, r.Size)
		n, err := d.f.ReadAt(b, int64(r.Start))
		if errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("open %s: %w", d.path, strictDevmemError(d.path, r.Start+uint64(n), err))
		}
		readLow = readLow || n > 0
		if !allZero(b[:n]) {
			nonzero = true
		}
	}
	d.zeroLow = readLow && !nonzero && d.ranges != nil
	// Above 1 MiB: one page of the first RAM range there.
	if high := clip(d.ranges, lowMem, ^uint64(0)); len(high) > 0 {
		r := high[0]
		b := make([]byte, min(r.Size, phys.PageSize))
		if _, err := d.f.ReadAt(b, int64(r.Start)); errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("open %s: %w", d.path, strictDevmemError(d.path, r.Start, err))
		}
	}
	return nil
}

// clip returns the parts of rs inside [lo, hi).
func clip(rs []phys.Range, lo, hi uint64) []phys.Range {
	var out []phys.Range
	for _, r := range rs {
		s, e := max(r.Start, lo), min(r.End(), hi)
		if s < e {
			out = append(out, phys.Range{Start: s, Size: e - s})
		}
	}
	return out
}

func allZero(b []byte) bool {
	return len(bytes.Trim(b, "\x00")) == 0
}

// ZeroFilledLow reports whether RAM below 1 MiB was found to read as
// zeros (x86 CONFIG_STRICT_DEVMEM); that memory is then unresolved.
func (d *DevMem) ZeroFilledLow() bool { return d.zeroLow }

// Ranges returns the System RAM ranges, minus zero-filled low memory;
// empty when /proc/iomem was not readable.
func (d *DevMem) Ranges() []phys.Range {
	if !d.zeroLow {
		return append([]phys.Range(nil), d.ranges...)
	}
	return clip(d.ranges, lowMem, ^uint64(0))
}

// ReadAt preads the device. With known ranges it refuses addresses outside
// System RAM; zero-filled low memory and refused reads are unresolved,
// with the reason.
func (d *DevMem) ReadAt(p []byte, addr uint64) (int, error) {
	if d.ranges != nil {
		rs := d.Ranges()
		done := 0
		for done < len(p) {
			a := addr + uint64(done)
			i := sort.Search(len(rs), func(i int) bool { return rs[i].End() > a })
			if a < addr || i == len(rs) || rs[i].Start > a {
				if d.zeroLow && a < lowMem && len(clip(d.ranges, a, a+1)) > 0 {
					return done, fmt.Errorf("%w: PA 0x%x: %s shows RAM below 1 MiB as zeros (CONFIG_STRICT_DEVMEM); the real bytes are not readable there: use /proc/kcore or a kdump core instead",
						phys.ErrUnresolved, a, d.path)
				}
				return done, unresolved(d.path+" System RAM", a, len(p)-done)
			}
			n := int(min(uint64(len(p)-done), rs[i].End()-a))
			k, err := d.pread(p[done:done+n], a)
			done += k
			if err != nil {
				return done, err
			}
		}
		return done, nil
	}
	return d.pread(p, addr)
}

func (d *DevMem) pread(p []byte, addr uint64) (int, error) {
	if addr > 1<<63-1 {
		return 0, unresolved(d.path, addr, len(p))
	}
	n, err := d.f.ReadAt(p, int64(addr))
	if n == len(p) {
		return n, nil
	}
	a := addr + uint64(n)
	switch {
	case errors.Is(err, syscall.EPERM):
		return n, strictDevmemError(d.path, a, err)
	case err == io.EOF || err == nil:
		return n, unresolved(d.path, a, len(p)-n)
	}
	return n, fmt.Errorf("%w: reading PA 0x%x from %s: %w", phys.ErrUnresolved, a, d.path, err)
}

// Blobs fails with ErrNoBlobs.
func (d *DevMem) Blobs() (*Blobs, error) {
	return nil, fmt.Errorf("%s: %w", d.path, ErrNoBlobs)
}

// Describe names the device and what was detected.
func (d *DevMem) Describe() string {
	s := "devmem " + d.path
	if d.note != "" {
		s += " (" + d.note + ")"
	}
	if d.zeroLow {
		s += " (RAM below 1 MiB reads as zeros: CONFIG_STRICT_DEVMEM; treated as unresolved)"
	}
	return s
}

// Close closes the device.
func (d *DevMem) Close() error { return d.f.Close() }
