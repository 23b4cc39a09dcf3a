package source

import (
	"errors"
	"math"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// holeFinder finds the holes of a sparse regular file with lseek's
// SEEK_DATA and SEEK_HOLE, so that scans of a mostly empty image (a 64 GiB
// raw file with a few pages written) skip what reads as zeros. Where the
// file system cannot tell (lseek fails with anything but ENXIO), it
// reports everything as data and the scan reads it all. It caches the
// last extent it saw; lseek moves the file offset, which no reader here
// uses (they all pread).
type holeFinder struct {
	f  *os.File
	mu sync.Mutex
	// [lo, hi) is the last extent seen; data says whether it is data
	// or a hole (then hi is where the data after it starts).
	lo, hi int64
	data   bool
	off    bool // SEEK_DATA unsupported: everything is data
}

// newHoleFinder returns a finder for f, or nil when f is not a regular
// file.
func newHoleFinder(f *os.File) *holeFinder {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return &holeFinder{f: f}
}

// dataFrom returns the first offset at or after off that may hold data:
// off itself when it lies in data (or the file system cannot tell), the
// start of the next data when off lies in a hole, or -1 when only holes
// follow off up to the end of the file.
func (h *holeFinder) dataFrom(off int64) int64 {
	if h == nil || off < 0 {
		return off
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.off {
		return off
	}
	if off >= h.lo && off < h.hi {
		if h.data {
			return off
		}
		return h.hi
	}
	d, err := h.seek(off, unix.SEEK_DATA)
	switch {
	case errors.Is(err, unix.ENXIO):
		return -1
	case err != nil:
		h.off = true
		return off
	case d > off:
		h.lo, h.hi, h.data = off, d, false
		return d
	}
	e, err := h.seek(d, unix.SEEK_HOLE)
	if err != nil || e <= d {
		e = math.MaxInt64
	}
	h.lo, h.hi, h.data = d, e, true
	return d
}

func (h *holeFinder) seek(off int64, whence int) (int64, error) {
	rc, err := h.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var r int64
	var serr error
	if err := rc.Control(func(fd uintptr) { r, serr = unix.Seek(int(fd), off, whence) }); err != nil {
		return 0, err
	}
	return r, serr
}
