package source

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Default locations of the boot handoff data.
const (
	DefaultSetupData  = "/sys/kernel/boot_params/setup_data"
	DefaultDeviceTree = "/proc/device-tree"
	DefaultFirmwareDT = "/sys/firmware/fdt"
)

// RootRef says where a KHO root lies in physical memory.
type RootRef struct {
	// Addr is the root's physical address.
	Addr uint64
	// Size is how many bytes the handoff says to read (fdt_size, one
	// page), or 0 to go by the FDT header's totalsize.
	Size uint64
	// ScratchAddr and ScratchSize locate the kho_scratch[] array; both
	// are 0 when unknown.
	ScratchAddr, ScratchSize uint64
	// Via says how the root was found, e.g. "setup_data/1 (type 10)".
	Via string
	// Compatible is the root's KHO compatible entry when the root was
	// read (Scan), else "".
	Compatible string
}

// FromSetupData reads the running kernel's x86 setup_data entries
// (dir/<n>/type and dir/<n>/data; dir "" means DefaultSetupData) and
// returns the KHO handoffs, type 10 (SETUP_KEXEC_KHO), among them. They
// describe the incoming handover. No entry of type 10 gives an empty
// list; a missing directory gives an error explaining it.
func FromSetupData(dir string) ([]RootRef, error) {
	if dir == "" {
		dir = DefaultSetupData
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such directory: not x86, or the kernel does not export setup_data (it needs a boot with setup_data entries): %w", dir, err)
		}
		return nil, fmt.Errorf("read setup_data: %w", err)
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int {
		x, _ := strconv.Atoi(a.Name())
		y, _ := strconv.Atoi(b.Name())
		return cmp.Compare(x, y)
	})
	var out []RootRef
	for _, e := range ents {
		sub := filepath.Join(dir, e.Name())
		tb, err := readFileMax(filepath.Join(sub, "type"), 64)
		if err != nil {
			continue
		}
		typ, err := strconv.ParseUint(strings.TrimSpace(string(tb)), 0, 32)
		if err != nil || uint32(typ) != kho.SetupKexecKHO {
			continue
		}
		data, err := readFileMax(filepath.Join(sub, "data"), 4096)
		if err != nil {
			return out, fmt.Errorf("%w (setup_data type 10)", err) // the error names the file
		}
		d, err := kho.DecodeKhoData(data)
		if err != nil {
			return out, fmt.Errorf("setup_data/%s (type 10): %w", e.Name(), err)
		}
		out = append(out, RootRef{Addr: d.FDTAddr, Size: d.FDTSize, ScratchAddr: d.ScratchAddr, ScratchSize: d.ScratchSize,
			Via: "setup_data/" + e.Name() + " (type 10)"})
	}
	return out, nil
}

// FromDeviceTree reads linux,kho-fdt and linux,kho-scratch from
// dir/chosen (dir "" means DefaultDeviceTree). It returns nil without
// error when /chosen has no linux,kho-fdt.
//
// Both properties are <addr size> pairs written by the old kernel with
// fdt_appendprop_addrrange() against the root node, so they are
// big-endian cells counted by the root's #address-cells and #size-cells,
// which are read from dir. When those files are missing the counts are
// inferred from the property length: 16 bytes as 2+2 cells, 12 as 2+1,
// 8 as 1+1. (Cell encoding UNVERIFIED on hardware.)
func FromDeviceTree(dir string) (*RootRef, error) {
	if dir == "" {
		dir = DefaultDeviceTree
	}
	ac, sc := dtCells(filepath.Join(dir, "#address-cells")), dtCells(filepath.Join(dir, "#size-cells"))
	fv, err := readFileMax(filepath.Join(dir, "chosen", "linux,kho-fdt"), 64)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("%s: %w (no device tree: not a DT architecture, or CONFIG_PROC_DEVICETREE is off)", dir, err)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sv, err := readFileMax(filepath.Join(dir, "chosen", "linux,kho-scratch"), 64)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return chosenRef(fv, sv, ac, sc, dir+"/chosen")
}

// FromFDT reads /chosen of a flattened device tree blob, such as
// /sys/firmware/fdt (the boot DT), the same way as FromDeviceTree.
func FromFDT(blob []byte) (*RootRef, error) {
	t, err := fdt.Parse(blob)
	if err != nil {
		return nil, fmt.Errorf("device tree blob: %w", err)
	}
	root := t.Root()
	cells := func(name string) int {
		if p, ok := root.Property(name); ok {
			if v, err := p.U32BE(); err == nil {
				return int(v)
			}
		}
		return -1
	}
	ch, ok := t.Lookup("/chosen")
	if !ok {
		return nil, nil
	}
	fp, ok := ch.Property("linux,kho-fdt")
	if !ok {
		return nil, nil
	}
	var sv []byte
	if sp, ok := ch.Property("linux,kho-scratch"); ok {
		sv = sp.Value
	}
	return chosenRef(fp.Value, sv, cells("#address-cells"), cells("#size-cells"), "device tree /chosen")
}

// dtCells reads a #address-cells or #size-cells file, or -1.
func dtCells(path string) int {
	b, err := readFileMax(path, 16)
	if err != nil || len(b) != 4 {
		return -1
	}
	return int(binary.BigEndian.Uint32(b))
}

func chosenRef(fv, sv []byte, ac, sc int, via string) (*RootRef, error) {
	addr, size, err := addrRange(fv, ac, sc)
	if err != nil {
		return nil, fmt.Errorf("%s linux,kho-fdt: %w", via, err)
	}
	ref := &RootRef{Addr: addr, Size: size, Via: via}
	if sv != nil {
		if ref.ScratchAddr, ref.ScratchSize, err = addrRange(sv, ac, sc); err != nil {
			return nil, fmt.Errorf("%s linux,kho-scratch: %w", via, err)
		}
	}
	return ref, nil
}

// addrRange decodes one <addr size> pair of big-endian cells.
func addrRange(v []byte, ac, sc int) (addr, size uint64, err error) {
	if ac < 0 || sc < 0 {
		switch len(v) {
		case 16:
			ac, sc = 2, 2
		case 12:
			ac, sc = 2, 1
		case 8:
			ac, sc = 1, 1
		default:
			return 0, 0, fmt.Errorf("%d bytes and no #address-cells/#size-cells to decode them", len(v))
		}
	}
	if ac < 1 || ac > 2 || sc < 1 || sc > 2 || len(v) != 4*(ac+sc) {
		return 0, 0, fmt.Errorf("%d bytes do not hold %d address and %d size cells", len(v), ac, sc)
	}
	cell := func(b []byte, n int) uint64 {
		var x uint64
		for i := range n {
			x = x<<32 | uint64(binary.BigEndian.Uint32(b[4*i:]))
		}
		return x
	}
	return cell(v, ac), cell(v[4*ac:], sc), nil
}

// maxRootSize bounds a KHO root read from memory (the kernel's is one
// page).
const maxRootSize = 1 << 20

// rootCompatible returns the kho-v* compatible entry of an FDT blob, if
// the blob parses and its root has one.
func rootCompatible(b []byte) (string, bool) {
	t, err := fdt.Parse(b)
	if err != nil {
		return "", false
	}
	p, ok := t.Root().Property("compatible")
	if !ok {
		return "", false
	}
	list, err := p.Strings()
	if err != nil {
		return "", false
	}
	if i := slices.IndexFunc(list, kho.FamilyCompatible); i >= 0 {
		return list[i], true
	}
	return "", false
}

// isKHORoot reports whether b is an FDT whose root compatible names a
// KHO generation.
func isKHORoot(b []byte) bool {
	_, ok := rootCompatible(b)
	return ok
}

// ScanOptions bounds Scan.
type ScanOptions struct {
	// MaxBytes stops the scan after this many bytes of memory (0: all
	// the memory the source holds).
	MaxBytes uint64
	// Unaligned also tries every 8-byte aligned address, not only page
	// starts (the kernel allocates the root as a whole page).
	Unaligned bool
	// Limit stops after this many roots (0: 16).
	Limit int
	// Progress, when set, is called as the scan advances: done of total
	// bytes of memory covered (total is what Ranges hold, or MaxBytes
	// when that is smaller). It is called after every chunk and every
	// hole skipped, from the scanning goroutine; a CLI can drive a
	// progress line on a terminal from it, throttled as it likes.
	Progress func(done, total uint64)
	// handoff, when set, sees every x86 setup_data entry of type
	// SETUP_KEXEC_KHO met on the way (8-byte aligned), with its address.
	handoff func(at uint64, d kho.KhoData)
}

// Scan searches m for KHO roots: an FDT magic d0 0d fe ed whose blob
// parses and whose root compatible starts with "kho-v". It reads m's
// ranges in 1 MiB chunks through one reused buffer, so it never holds
// more than a chunk and a candidate root, and checks ctx between chunks.
// The holes of a sparse file (a raw image, a core) are skipped without
// reading, as they read as zeros, where the file system tells them apart
// (SEEK_DATA); elsewhere every byte is read.
// Page-aligned roots are returned first, then unaligned ones, each in
// address order. When MaxBytes stops it early, the roots found so far
// come with an error wrapping phys.ErrLimit.
func Scan(ctx context.Context, m phys.Memory, opts ScanOptions) ([]RootRef, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 16
	}
	step := uint64(phys.PageSize)
	if opts.Unaligned || opts.handoff != nil {
		step = 8
	}
	seeker, _ := m.(dataSeeker)
	ranges := m.Ranges()
	total := phys.Total(ranges)
	if opts.MaxBytes > 0 {
		total = min(total, opts.MaxBytes)
	}
	progress := func(done uint64) {
		if opts.Progress != nil {
			opts.Progress(min(done, total), total)
		}
	}
	buf := make([]byte, chunkSize)
	var found []RootRef
	var scanned uint64
	var readErr error
	for _, r := range ranges {
		for a := alignUp(r.Start, step); a >= r.Start && a < r.End(); {
			if err := ctx.Err(); err != nil {
				return sortRefs(found), err
			}
			if opts.MaxBytes > 0 && scanned >= opts.MaxBytes {
				return sortRefs(found), fmt.Errorf("scan: %w: stopped after %d bytes", phys.ErrLimit, scanned)
			}
			if seeker != nil {
				if d := seeker.nextData(a, r.End()) &^ (step - 1); d > a {
					scanned += d - a
					a = d
					progress(scanned)
					continue
				}
			}
			n := min(uint64(len(buf)), r.End()-a)
			k, err := m.ReadAt(buf[:n], a)
			if err != nil && readErr == nil {
				readErr = err
			}
			for off := uint64(0); off+4 <= uint64(k); off += step {
				if opts.handoff != nil && off+uint64(kho.SetupHandoffSize) <= uint64(k) {
					if d, ok := kho.MatchSetupHandoff(buf[off:]); ok {
						opts.handoff(a+off, d)
					}
				}
				if !fdt.HasMagic(buf[off:k]) || (!opts.Unaligned && (a+off)%phys.PageSize != 0) {
					continue
				}
				if ref, ok := checkRootIn(m, a+off, buf[off:k]); ok {
					found = append(found, ref)
					if len(found) >= limit {
						return sortRefs(found), nil
					}
				}
			}
			scanned += n
			a += n
			progress(scanned)
		}
	}
	if len(found) == 0 && readErr != nil {
		return nil, fmt.Errorf("scan: no KHO root found; a read failed: %w", readErr)
	}
	return sortRefs(found), nil
}

func sortRefs(refs []RootRef) []RootRef {
	slices.SortStableFunc(refs, compareRefs)
	return refs
}

// compareRefs orders page-aligned roots first, then by address.
func compareRefs(a, b RootRef) int {
	unaligned := func(r RootRef) bool { return r.Addr%phys.PageSize != 0 }
	return cmp.Or(compareBool(unaligned(a), unaligned(b)), cmp.Compare(a.Addr, b.Addr))
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// checkRoot reads the FDT at addr and reports whether it is a KHO root.
func checkRoot(m phys.Memory, addr uint64) (RootRef, bool) {
	b, err := readFDTAt(m, addr, maxRootSize)
	if err != nil {
		return RootRef{}, false
	}
	c, ok := rootCompatible(b)
	if !ok {
		return RootRef{}, false
	}
	return RootRef{Addr: addr, Via: "memory scan", Compatible: c}, true
}

// checkRootIn is checkRoot for a candidate whose first bytes are b (the
// rest of a scan's chunk): a root that lies whole in b is checked there,
// without reading or allocating it again.
func checkRootIn(m phys.Memory, addr uint64, b []byte) (RootRef, bool) {
	if size, ok := fdt.TotalSize(b); ok {
		total := uint64(size)
		if total < fdt.MinHeaderSize || total > maxRootSize {
			return RootRef{}, false
		}
		if total <= uint64(len(b)) {
			c, ok := rootCompatible(b[:total:total])
			if !ok {
				return RootRef{}, false
			}
			return RootRef{Addr: addr, Via: "memory scan", Compatible: c}, true
		}
	}
	return checkRoot(m, addr)
}

// readFDTAt reads the FDT at addr, totalsize bytes, refusing one larger
// than max.
func readFDTAt(m phys.Memory, addr uint64, max uint64) ([]byte, error) {
	h, err := phys.Read(m, addr, 8, "fdt-header")
	if err != nil {
		return nil, err
	}
	size, ok := fdt.TotalSize(h)
	if !ok {
		return nil, fmt.Errorf("no FDT magic at PA 0x%x", addr)
	}
	total := uint64(size)
	if total < fdt.MinHeaderSize || total > max {
		return nil, fmt.Errorf("FDT at PA 0x%x: totalsize %d outside [%d, %d]", addr, total, fdt.MinHeaderSize, max)
	}
	return phys.Read(m, addr, total, "fdt")
}

// BlobsFromMemory reads what debugfs would show for the root at ref out
// of m: the root FDT, each client's blob (sized by blob-size, else by its
// FDT totalsize) and, when ref locates it, the scratch array. side labels
// the result. A client blob that cannot be read is left out with a
// warning; a root that cannot be read is an error.
func BlobsFromMemory(m phys.Memory, ref RootRef, side string) (*Blobs, error) {
	b := &Blobs{Side: side, RootAddr: ref.Addr, Origin: fmt.Sprintf("memory at PA 0x%x", ref.Addr)}
	if ref.Via != "" {
		b.Origin += " (via " + ref.Via + ")"
	}
	raw, err := readFDTAt(m, ref.Addr, maxRootSize)
	if err != nil {
		return nil, fmt.Errorf("KHO root: %w", err)
	}
	b.RootMapped = ref.Size
	if _, ok := rootCompatible(raw); !ok {
		return nil, fmt.Errorf("FDT at PA 0x%x is not a KHO root (no kho-v* root compatible)", ref.Addr)
	}
	b.Root = raw
	root, err := kho.DecodeRoot(raw)
	if err != nil && (root == nil || !errors.Is(err, phys.ErrUnsupported)) {
		return nil, fmt.Errorf("KHO root at PA 0x%x: %w", ref.Addr, err)
	}
	if err != nil {
		b.warnf("%v", err)
	}
	seen := map[string]bool{}
	for _, st := range root.Subtrees {
		if seen[st.Name] {
			b.warnf("client %q appears twice; the kernel's choice (the first in blob order) is kept", st.Name)
			continue
		}
		seen[st.Name] = true
		s, _ := root.Subtree(st.Name)
		var data []byte
		if s.HasSize {
			if s.Size > MaxBlobSize {
				b.warnf("client %q: blob-size %d is larger than %d; not read", s.Name, s.Size, MaxBlobSize)
				continue
			}
			data, err = phys.Read(m, s.Addr, s.Size, "KHO/"+s.Name)
		} else {
			data, err = readFDTAt(m, s.Addr, MaxBlobSize)
		}
		if err != nil {
			b.warnf("client %q: %v", s.Name, err)
			continue
		}
		b.Subs = append(b.Subs, Blob{Name: s.Name, Data: data})
	}
	b.sortSubs()
	if ref.ScratchAddr != 0 || ref.ScratchSize != 0 {
		if ref.ScratchSize > MaxBlobSize {
			b.warnf("scratch array of %d bytes is too large; not read", ref.ScratchSize)
		} else if sc, err := kho.ReadScratch(m, kho.KhoData{ScratchAddr: ref.ScratchAddr, ScratchSize: ref.ScratchSize}); err != nil {
			b.warnf("scratch: %v", err)
		} else {
			b.Scratch = sc
		}
	}
	return b, nil
}
