package realkernel

import (
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
)

// Initramfs is the content of a newc cpio archive: files by path (no
// leading slash), plus the directories and device nodes an init needs.
type Initramfs struct {
	files map[string]cpioFile
}

type cpioFile struct {
	mode         uint32
	data         []byte
	major, minor uint32
}

const (
	modeDir  = 0o040000
	modeReg  = 0o100000
	modeChar = 0o020000
)

// NewInitramfs returns an archive holding /dev/console and the mount
// points the guest uses.
func NewInitramfs() *Initramfs {
	r := &Initramfs{files: map[string]cpioFile{}}
	for _, d := range []string{"dev", "proc", "sys", "tmp", "bin", "boot"} {
		r.files[d] = cpioFile{mode: modeDir | 0o755}
	}
	r.files["dev/console"] = cpioFile{mode: modeChar | 0o600, major: 5, minor: 1}
	return r
}

// Add puts data at name (e.g. "init", "bin/luoinspect") with mode perm.
func (r *Initramfs) Add(name string, data []byte, perm uint32) {
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		if _, ok := r.files[d]; !ok {
			r.files[d] = cpioFile{mode: modeDir | 0o755}
		}
	}
	r.files[name] = cpioFile{mode: modeReg | perm, data: data}
}

// AddFile puts the file at src into the archive as name.
func (r *Initramfs) AddFile(name, src string, perm uint32) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	r.Add(name, b, perm)
	return nil
}

// WriteTo writes the archive in the newc format the kernel unpacks,
// entries sorted so directories come before what they hold.
func (r *Initramfs) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range r.files {
			if !yield(n) {
				return
			}
		}
	})
	ino := uint32(1)
	for _, n := range names {
		f := r.files[n]
		writeEntry(cw, ino, n, f)
		ino++
	}
	writeEntry(cw, ino, "TRAILER!!!", cpioFile{})
	return cw.n, cw.err
}

func writeEntry(w *countWriter, ino uint32, name string, f cpioFile) {
	nlink := uint32(1)
	if f.mode&modeDir != 0 {
		nlink = 2
	}
	fields := []uint32{ino, f.mode, 0, 0, nlink, 0, uint32(len(f.data)), 0, 0, f.major, f.minor, uint32(len(name) + 1), 0}
	var hdr strings.Builder
	hdr.WriteString("070701")
	for _, v := range fields {
		fmt.Fprintf(&hdr, "%08x", v)
	}
	hdr.WriteString(name)
	hdr.WriteByte(0)
	w.Write([]byte(hdr.String()))
	w.pad4()
	w.Write(f.data)
	w.pad4()
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countWriter) pad4() {
	if r := c.n % 4; r != 0 {
		c.Write(make([]byte, 4-r))
	}
}
