package source

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// DefaultDebugfs is the kho debugfs directory of a running kernel.
const DefaultDebugfs = "/sys/kernel/debug/kho"

// mountsPath is read to tell "debugfs not mounted" from "no KHO".
var mountsPath = "/proc/mounts"

// Debugfs is a kho debugfs directory: the live /sys/kernel/debug/kho or a
// copy of it (cp -r works: debugfs gives each blob file its length). It
// holds blobs only; pair it with a memory source through Combine.
//
// Every generation is read the same way: the root from <side>/fdt, each
// client blob from <side>/sub_fdts/<name>, the outgoing scratch areas from
// out/scratch_phys and out/scratch_len. A blob's length is the root's
// blob-size for that client when present (kho-v3 and later), else the
// blob's FDT totalsize, else the file's length; a longer view is cut, a
// shorter one is kept and flagged in Blobs.Warnings.
type Debugfs struct {
	noMemory
	dir     string // as given
	sideDir string // the directory holding fdt and sub_fdts
	side    string
	// mem, when set, is the running system's memory: a root file shorter
	// than the root's totalsize is completed from it (see rootFromMemory).
	mem phys.Memory
}

// OpenDebugfs opens a kho debugfs directory. dir is either the kho
// directory (holding in/ and out/) or one side's directory. side is
// SideIn, SideOut or "" to choose: "in" when in/ exists (the kernel was
// booted by a KHO kexec and its incoming state is the complete one), else
// "out".
func OpenDebugfs(dir, side string) (*Debugfs, error) {
	if side != "" && side != SideIn && side != SideOut {
		return nil, fmt.Errorf("debugfs side %q: want %q or %q", side, SideIn, SideOut)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, explainDebugfs(dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	d := &Debugfs{dir: dir}
	if exists(filepath.Join(dir, "fdt")) || exists(filepath.Join(dir, "sub_fdts")) {
		// A side directory itself.
		base := filepath.Base(filepath.Clean(dir))
		d.sideDir, d.side = dir, side
		if side == "" && (base == SideIn || base == SideOut) {
			d.side = base
		}
		d.noMemory = noMemory{d.Describe()}
		return d, nil
	}
	in, out := filepath.Join(dir, SideIn), filepath.Join(dir, SideOut)
	switch {
	case side == SideIn && !exists(in):
		return nil, fmt.Errorf("%s has no in/: the running kernel was not booted by a KHO kexec (kexec -s with kho=on), so there is no incoming handover", dir)
	case side == SideOut && !exists(out):
		return nil, fmt.Errorf("%s has no out/: on 6.16/6.17 it appears with KHO; in later kernels it may be absent on a KHO-booted kernel", dir)
	case side != "":
	case exists(in):
		side = SideIn
	case exists(out):
		side = SideOut
	default:
		return nil, fmt.Errorf("%s: neither in/ nor out/ nor fdt is there: not a kho debugfs directory", dir)
	}
	d.side, d.sideDir = side, filepath.Join(dir, side)
	d.noMemory = noMemory{d.Describe()}
	return d, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// explainDebugfs turns a failure to reach a debugfs directory into advice.
func explainDebugfs(dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && filepath.Clean(pe.Path) == filepath.Clean(dir) {
		err = pe.Err // dir is named below, once
	} else if strings.HasPrefix(err.Error(), dir+":") {
		return err
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return fmt.Errorf("%s: permission denied: debugfs (and the kho blob files, mode 0400) needs root: %w", dir, err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", dir, err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if filepath.Base(filepath.Clean(dir)) == "kho" && !debugfsMounted(parent) {
		return fmt.Errorf("%s: no such directory, and no debugfs is mounted at %s: mount it with 'mount -t debugfs none %s' (as root)", dir, parent, parent)
	}
	if filepath.Base(filepath.Clean(dir)) == "kho" {
		return fmt.Errorf("%s: no such directory although debugfs is mounted: the kernel lacks CONFIG_KEXEC_HANDOVER (or, from the LUO-era reorganisation on, CONFIG_KEXEC_HANDOVER_DEBUGFS), or KHO is off (boot with kho=on)", dir)
	}
	return fmt.Errorf("%s: no such directory: %w", dir, err)
}

// debugfsMounted reports whether /proc/mounts lists a debugfs at dir.
func debugfsMounted(dir string) bool {
	f, err := openRO(mountsPath)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) >= 3 && fl[2] == "debugfs" && filepath.Clean(fl[1]) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}

// Side returns the side the source reads.
func (d *Debugfs) Side() string { return d.side }

// Describe names the directory and side.
func (d *Debugfs) Describe() string {
	return "debugfs " + d.sideDir
}

// Close does nothing: files are opened per read.
func (d *Debugfs) Close() error { return nil }

// Blobs reads the side's root, client blobs and scratch areas afresh.
func (d *Debugfs) Blobs() (*Blobs, error) {
	b := &Blobs{Side: d.side, Origin: d.Describe(), RootAddr: phys.NoAddr}
	var root *kho.Root
	raw, err := readFileMax(filepath.Join(d.sideDir, "fdt"), MaxBlobSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if d.side == SideOut {
			b.warnf("out/fdt is absent: normal before finalize on 6.16/6.17 (kho-v1) and on a kernel booted by a KHO kexec from 6.19 on")
		} else {
			b.warnf("%s/fdt is absent", d.sideDir)
		}
	case err != nil:
		return nil, explainDebugfs(filepath.Join(d.sideDir, "fdt"), err)
	default:
		data, warn := trimBlob(raw, 0, false)
		if warn != "" && d.mem != nil {
			ref, whole, err := rootFromMemory(context.Background(), d.mem, data)
			if err == nil {
				b.Notes = append(b.Notes, fmt.Sprintf("%s/fdt holds %d of the root's %d bytes (Linux 7.2 and 7.3 size it once at boot); the whole root was read from memory at PA 0x%x", d.side, len(data), len(whole), ref.Addr))
				data, warn, b.RootAddr = whole, "", ref.Addr
			} else {
				warn += "; the whole root was not found in memory: " + err.Error()
			}
		}
		if warn != "" {
			b.warnf("fdt: %s", warn)
		}
		b.Root = data
		if root, err = kho.DecodeRoot(data); err != nil {
			b.warnf("fdt does not decode as a KHO root: %v", err)
			root = nil
		}
	}

	subDir := filepath.Join(d.sideDir, "sub_fdts")
	ents, err := os.ReadDir(subDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, explainDebugfs(subDir, err)
	}
	seen := map[string]bool{}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		raw, err := readFileMax(filepath.Join(subDir, name), MaxBlobSize)
		if err != nil {
			b.warnf("%v", err) // the error names the file
			continue
		}
		var size uint64
		var sized bool
		if root != nil {
			if s, ok := root.Subtree(name); ok && s.HasSize {
				size, sized = s.Size, true
			}
		}
		data, warn := trimBlob(raw, size, sized)
		if warn != "" {
			b.warnf("sub_fdts/%s: %s", name, warn)
		}
		b.Subs = append(b.Subs, Blob{Name: name, Data: data})
		seen[name] = true
	}
	b.sortSubs()
	if root != nil {
		for _, s := range root.Subtrees {
			if !seen[s.Name] {
				b.warnf("the root lists client %q but sub_fdts/%s is missing", s.Name, s.Name)
			}
		}
	}

	if sc, err := readScratch(d.sideDir); err != nil {
		b.warnf("%v", err)
	} else {
		b.Scratch = sc
	}
	return b, nil
}

// readScratch reads scratch_phys and scratch_len (one 0x%llx line per
// area each). Missing files give no areas.
func readScratch(dir string) ([]kho.Scratch, error) {
	pb, err1 := readFileMax(filepath.Join(dir, "scratch_phys"), 1<<20)
	lb, err2 := readFileMax(filepath.Join(dir, "scratch_len"), 1<<20)
	if errors.Is(err1, fs.ErrNotExist) && errors.Is(err2, fs.ErrNotExist) {
		return nil, nil
	}
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	addrs, err := hexLines(pb, "scratch_phys")
	if err != nil {
		return nil, err
	}
	lens, err := hexLines(lb, "scratch_len")
	if err != nil {
		return nil, err
	}
	if len(addrs) != len(lens) {
		return nil, fmt.Errorf("scratch: scratch_phys has %d lines but scratch_len %d", len(addrs), len(lens))
	}
	out := make([]kho.Scratch, len(addrs))
	for i := range out {
		out[i] = kho.Scratch{Addr: addrs[i], Size: lens[i]}
	}
	return out, nil
}

func hexLines(b []byte, name string) ([]uint64, error) {
	var out []uint64
	for i, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		v, err := strconv.ParseUint(l, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %q is not a number", name, i+1, l)
		}
		out = append(out, v)
	}
	return out, nil
}
