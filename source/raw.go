package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// Raw is a raw physical-memory image: the file's byte i is physical
// address base+i (QEMU "pmemsave base size file" writes such a file).
type Raw struct {
	*segMap
	f    *os.File
	path string
	base uint64
	size int64
}

// OpenRaw opens a raw image whose first byte is physical address base.
// Scans of it skip the holes of a sparse file (SEEK_DATA), so a mostly
// empty image of many gigabytes scans in the time its data takes.
func OpenRaw(path string, base uint64) (*Raw, error) {
	f, err := openRO(path)
	if err != nil {
		return nil, fmt.Errorf("open raw image %s: %w", path, pathErr(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	size := st.Size()
	if base+uint64(size) < base {
		f.Close()
		return nil, fmt.Errorf("%s: %d bytes at base 0x%x run past the end of the physical address space", path, size, base)
	}
	what := fmt.Sprintf("raw image %s", path)
	m := newSegMap(f, what, []fileSeg{{addr: base, size: uint64(size), off: 0}})
	m.holes = newHoleFinder(f)
	return &Raw{segMap: m, f: f, path: path, base: base, size: size}, nil
}

// Blobs fails with ErrNoBlobs.
func (r *Raw) Blobs() (*Blobs, error) {
	return nil, fmt.Errorf("%s: %w (scan its memory for the KHO root instead)", r.path, ErrNoBlobs)
}

// Describe names the file and the range it covers.
func (r *Raw) Describe() string {
	return fmt.Sprintf("raw image %s at PA 0x%x-0x%x", r.path, r.base, r.base+uint64(r.size))
}

// Close closes the file.
func (r *Raw) Close() error { return r.f.Close() }

// BlobFile is a single blob file, such as a copy of kho/in/fdt or of
// sub_fdts/LUO. It holds no memory.
type BlobFile struct {
	noMemory
	path  string
	blobs *Blobs
}

// OpenBlobFile reads a blob file ("-" is standard input; FIFOs and pipes
// such as /dev/fd/N work too). An FDT is read up to its header's
// totalsize, at most MaxBlobSize; a file cut short of it is kept with a
// warning. Any other file (a raw struct luo_ser, say) is read whole, at
// most MaxBlobSize bytes. An FDT whose root compatible starts with "kho-v"
// becomes the KHO root; anything else becomes a client blob named after
// the file.
func OpenBlobFile(path string) (*BlobFile, error) {
	name, data, err := readBlobInput(path, true)
	if name == "" {
		return nil, err
	}
	return newBlobFile(name, data, err)
}

// newBlobFile makes the source of a blob read from the file name; err is
// the read's error, of which a *TruncatedError becomes a warning.
func newBlobFile(name string, data []byte, err error) (*BlobFile, error) {
	bl := &Blobs{Origin: "blob file " + name, RootAddr: phys.NoAddr}
	var te *TruncatedError
	switch {
	case errors.As(err, &te):
		bl.warnf("%v", err)
	case err != nil:
		return nil, err
	}
	if isKHORoot(data) {
		bl.Root = data
	} else {
		bl.Subs = []Blob{{Name: filepath.Base(name), Data: data}}
	}
	return &BlobFile{noMemory: noMemory{"blob file " + name}, path: name, blobs: bl}, nil
}

// Blobs returns the file's blob.
func (b *BlobFile) Blobs() (*Blobs, error) { return b.blobs, nil }

// Describe names the file.
func (b *BlobFile) Describe() string { return "blob file " + b.path }

// Close does nothing: the file was read at open.
func (b *BlobFile) Close() error { return nil }

// trimBlob cuts a blob view to its real length: size when sized (the
// root's blob-size), else an FDT's totalsize, else the whole view. It
// returns a warning when the view is shorter than that length.
func trimBlob(b []byte, size uint64, sized bool) ([]byte, string) {
	want := uint64(len(b))
	what := ""
	switch {
	case sized:
		want, what = size, "blob-size"
	default:
		if total, ok := fdt.TotalSize(b); ok {
			want, what = uint64(total), "FDT totalsize"
		}
	}
	if want < uint64(len(b)) {
		return b[:want], ""
	}
	if want > uint64(len(b)) {
		return b, fmt.Sprintf("truncated view: %d bytes, but %s says %d", len(b), what, want)
	}
	return b, ""
}
