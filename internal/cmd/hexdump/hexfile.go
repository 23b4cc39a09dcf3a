package hexdump

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/source"
)

// hexFile is the FILE hexdump shows. A regular file is read a window at a
// time, so that a large one (a raw memory image) costs only what is shown;
// anything else (standard input, a pipe) is read once, whole, by the
// bounded blob reader: an FDT up to its totalsize, any other content up to
// source.MaxBlobSize bytes.
type hexFile struct {
	path, name string
	f          *os.File // the regular file; nil when all holds the input
	all        []byte
	size       int64
}

// openHexFile opens FILE ("-" is standard input).
func openHexFile(path string) (*hexFile, error) {
	h := &hexFile{path: path, name: cmdutil.DisplayName(path)}
	if path != "-" {
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if st.Mode().IsRegular() {
			if h.f, err = os.Open(path); err != nil {
				return nil, err
			}
			h.size = st.Size()
			return h, nil
		}
	}
	bf, err := source.OpenBlobFile(path)
	if err != nil {
		return nil, cmdutil.BlobReadError(err)
	}
	bl, err := bf.Blobs()
	if err != nil {
		return nil, err
	}
	h.all = bl.Root
	if len(bl.Subs) > 0 {
		h.all = bl.Subs[0].Data
	}
	h.size = int64(len(h.all))
	return h, nil
}

// close closes the regular file.
func (h *hexFile) close() {
	if h.f != nil {
		h.f.Close()
	}
}

// window returns at most n bytes from offset off: fewer where the file
// ends first, none past its end.
func (h *hexFile) window(off, n uint64) ([]byte, error) {
	if off >= uint64(h.size) {
		return nil, nil
	}
	n = min(n, uint64(h.size)-off)
	if h.f == nil {
		return h.all[off : off+n : off+n], nil
	}
	b := make([]byte, n)
	k, err := h.f.ReadAt(b, int64(off))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: read: %w", h.name, err)
	}
	return b[:k], nil
}

// fdtBlob returns the FDT blob the file holds, as far as it goes: up to
// its totalsize, fewer bytes when the file is cut short. A header the
// bounded reader refuses (a totalsize smaller than a header or larger
// than source.MaxBlobSize) gives the file's first bytes, at most
// MaxBlobSize, and the refusal as a finding.
func (h *hexFile) fdtBlob() ([]byte, []string, error) {
	if h.f == nil {
		return h.all, nil, nil
	}
	data, err := source.ReadBlob(h.path)
	var cut *source.TruncatedError
	if err == nil || errors.As(err, &cut) {
		return data, nil, nil
	}
	var bf cmdutil.BlobFinding
	if !errors.As(cmdutil.BlobReadError(err), &bf) {
		return nil, nil, err
	}
	data, werr := h.window(0, source.MaxBlobSize)
	return data, []string{bf.Msg}, werr
}
