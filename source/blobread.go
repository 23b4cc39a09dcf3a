package source

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/luoinspect/luoinspect/fdt"
)

// MaxBlobSize bounds every blob this package reads, from a file or from
// memory: 64 MiB. KHO blobs are one page (the root) or a few pages (LUO,
// memblock, kexec-metadata), so this leaves room for any real blob while
// a damaged totalsize, or a file that is no blob at all, cannot make a
// reader allocate the 4 GiB that the FDT header's 32-bit totalsize
// allows.
const MaxBlobSize = 64 << 20

// StdinName is how messages name standard input, which the path "-"
// stands for.
const StdinName = "standard input"

// ErrNotFDT is wrapped by ReadBlob's error for a file that does not start
// with the FDT magic d0 0d fe ed.
var ErrNotFDT = errors.New("not an FDT blob")

// ErrTooLarge is wrapped by the error for a blob larger than the limit it
// is read with (MaxBlobSize, or ReadAny's limit).
var ErrTooLarge = errors.New("larger than the limit")

// TruncatedError reports an FDT blob whose file ends before the totalsize
// its header gives. ReadBlob returns it together with the bytes the file
// holds, so that a caller can still show them.
type TruncatedError struct {
	// Name is the file as messages name it.
	Name string
	// Have is how many bytes the file holds.
	Have uint64
	// Want is the header's totalsize, or the FDT header's size
	// (fdt.HeaderSize) when the file ends inside the header.
	Want uint64
}

// Error says in one line how much of the blob the file holds.
func (e *TruncatedError) Error() string {
	if e.Have < 8 {
		return fmt.Sprintf("%s: truncated FDT blob: %d of the %d bytes of its header", e.Name, e.Have, e.Want)
	}
	return fmt.Sprintf("%s: truncated FDT blob: %d of the %d bytes its totalsize gives", e.Name, e.Have, e.Want)
}

// tooLarge is the error wrapping ErrTooLarge.
type tooLarge struct{ msg string }

func (e *tooLarge) Error() string        { return e.msg }
func (e *tooLarge) Is(target error) bool { return target == ErrTooLarge }

// ReadBlob reads the FDT blob in the file at path ("-" is standard input).
// It reads the 40-byte FDT header first and refuses a file that does not
// start with the FDT magic at once (the error wraps ErrNotFDT); then it
// reads the rest up to the header's totalsize, never more, and refuses a
// totalsize above MaxBlobSize (ErrTooLarge). Regular files, FIFOs, pipes
// (/dev/fd/N) and character devices are read alike, as streams. A file
// that ends before totalsize gives the bytes it holds and a
// *TruncatedError.
func ReadBlob(path string) ([]byte, error) {
	_, data, err := readBlobInput(path, false)
	return data, err
}

// readBlobInput opens path, reads its header and then the blob (any
// blob when anyBlob is set, else an FDT only), at most MaxBlobSize bytes.
// name is how messages name the input, "" when it could not be read.
func readBlobInput(path string, anyBlob bool) (name string, data []byte, err error) {
	in, err := openInput(path)
	if err != nil {
		return "", nil, err
	}
	defer in.Close()
	head, err := in.head()
	if err != nil {
		return "", nil, err
	}
	data, err = in.finish(head, anyBlob, MaxBlobSize)
	return in.name, data, err
}

// ReadAny reads the file at path ("-" is standard input) whatever it
// holds, at most limit bytes (limit <= 0 means MaxBlobSize): a larger file
// is refused with an error wrapping ErrTooLarge. A regular file larger
// than limit is refused without being read.
func ReadAny(path string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = MaxBlobSize
	}
	in, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	if in.size > limit && in.f != nil {
		// Sizes in pseudo file systems are nominal (sysfs says 4096):
		// only a byte at offset limit proves the file too large.
		var one [1]byte
		if n, _ := in.f.ReadAt(one[:], limit); n == 1 {
			return nil, anyTooLarge(in.name, limit)
		}
	}
	return in.readAll(nil, limit)
}

// readAll reads the rest of the file after head, refusing one of more
// than limit bytes.
func (in *blobInput) readAll(head []byte, limit int64) ([]byte, error) {
	b, err := readTo(in.r, head, limit+1, in.size)
	if err != nil {
		return nil, in.ioErr(err)
	}
	if int64(len(b)) > limit {
		return nil, anyTooLarge(in.name, limit)
	}
	return b, nil
}

func anyTooLarge(name string, limit int64) error {
	return &tooLarge{fmt.Sprintf("%s: the file is larger than %s, the most this reader accepts", name, sizeText(uint64(limit)))}
}

// blobInput is a file opened for a streaming blob read.
type blobInput struct {
	r    io.Reader
	f    *os.File // for pread probes; nil for standard input
	name string
	size int64 // the file's size when it is a regular file, else -1
	own  bool  // close f when done
}

// openInput opens path ("-" is standard input) for reading as a stream.
// Errors of the open itself are os.PathErrors, which name the file once.
func openInput(path string) (*blobInput, error) {
	if path == "-" {
		in := &blobInput{r: os.Stdin, name: StdinName, size: -1}
		if st, err := os.Stdin.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
			in.size = st.Size()
		}
		return in, nil
	}
	f, err := openRO(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("is a directory, not a blob file")}
	}
	in := &blobInput{r: f, f: f, name: path, size: -1, own: true}
	if st.Mode().IsRegular() && st.Size() > 0 {
		in.size = st.Size()
	}
	return in, nil
}

// Close closes the file unless it is standard input.
func (in *blobInput) Close() error {
	if in.own {
		return in.f.Close()
	}
	return nil
}

// ioErr names the file once in a read error.
func (in *blobInput) ioErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: read: %w", in.name, err)
}

// head reads up to the FDT header's 40 bytes; fewer at the end of the
// file.
func (in *blobInput) head() ([]byte, error) {
	b := make([]byte, fdt.HeaderSize)
	n, err := io.ReadFull(in.r, b)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, in.ioErr(err)
	}
	return b[:n], nil
}

// notFDT is the error for a file that does not start with the FDT magic.
func notFDT(name string, head []byte) error {
	if len(head) == 0 {
		return fmt.Errorf("%s: %w: the file is empty", name, ErrNotFDT)
	}
	return fmt.Errorf("%s: %w: starts with % x, want d0 0d fe ed", name, ErrNotFDT, head[:min(len(head), 4)])
}

// finish reads the rest of a blob whose first bytes are head. An FDT is
// read up to its totalsize (at most limit bytes); anything else is
// refused unless anyOK, when it is read whole up to limit bytes.
func (in *blobInput) finish(head []byte, anyOK bool, limit int64) ([]byte, error) {
	if !fdt.HasMagicPrefix(head) {
		if !anyOK {
			return nil, notFDT(in.name, head)
		}
		return in.readAll(head, limit)
	}
	size, ok := fdt.TotalSize(head)
	if !ok {
		return head, &TruncatedError{Name: in.name, Have: uint64(len(head)), Want: fdt.HeaderSize}
	}
	total := int64(size)
	switch {
	case total < fdt.MinHeaderSize:
		return nil, fmt.Errorf("%s: bad FDT header: totalsize %d is smaller than the smallest FDT header (%d bytes)", in.name, total, fdt.MinHeaderSize)
	case total > limit:
		return nil, &tooLarge{fmt.Sprintf("%s: FDT totalsize %d is larger than %s, the most this reader accepts (KHO blobs are a few pages)",
			in.name, total, sizeText(uint64(limit)))}
	case total <= int64(len(head)):
		return head[:total:total], nil
	}
	b, err := readTo(in.r, head, total, in.size)
	if err != nil {
		return b, in.ioErr(err)
	}
	if int64(len(b)) < total {
		return b, &TruncatedError{Name: in.name, Have: uint64(len(b)), Want: uint64(total)}
	}
	return b, nil
}

// readTo appends r's bytes to prefix until the result holds limit bytes
// or r ends. hint is the file's size when known: the buffer starts at
// min(hint, limit) so that a file of known size is read without regrowth;
// otherwise it grows as bytes arrive, so memory stays bounded by what r
// gives.
func readTo(r io.Reader, prefix []byte, limit, hint int64) ([]byte, error) {
	c := int64(len(prefix)) + 512
	if hint > c {
		c = hint
	}
	c = min(c, limit)
	b := make([]byte, len(prefix), max(c, int64(len(prefix))))
	copy(b, prefix)
	for idle := 0; int64(len(b)) < limit; {
		if len(b) == cap(b) {
			grow := min(int64(cap(b)), limit-int64(len(b)))
			b = slices.Grow(b, int(grow))
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return b, err
		case n > 0:
			idle = 0
		default:
			if idle++; idle > 100 {
				return b, io.ErrNoProgress
			}
		}
	}
	return b, nil
}

// sizeText words a byte count for messages: "300 bytes", "64 MiB",
// "1.2 GiB".
func sizeText(n uint64) string {
	const unit = 1024
	if n < unit {
		if n == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v == float64(uint64(v)) {
		return fmt.Sprintf("%d %s", uint64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
