package memfd

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"

	"github.com/luoinspect/luoinspect/phys"
)

// FolioPages tells how many pages the folio whose head is at pfn spans, as
// the preserved-memory map records it (the order of the preserved block
// starting there); false when the map does not say.
type FolioPages func(pfn uint64) (uint64, bool)

// Digest is the SHA-256 of a memfd's contents as the restored file will
// hold them: every page-cache index from 0 up to Size, folio pages where a
// record covers the index and zeros in holes, cut at Size. It is the value
// sha256sum prints for the retrieved file.
type Digest [sha256.Size]byte

// String returns the digest in hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MaxDigestSize bounds the file size ContentDigest hashes: holes are
// hashed as zeros, so a hostile size would otherwise cost unbounded time
// (256 GiB take about five minutes at the measured 0.9 GB/s).
const MaxDigestSize = 256 << 30

// ContentDigest reads f's folio pages from m and hashes the contents (see
// Digest). A file larger than MaxDigestSize is refused with an error
// wrapping phys.ErrLimit. pages gives each folio's size; a record with PFN 0 is a hole,
// as the kernel skips it. Records must be in ascending index order, as the
// kernel writes them. An error wrapping phys.ErrUnresolved means a page is
// not in m; any other error means the records do not describe the file
// (an unknown folio size, indexes out of order or past Size).
func (f *File) ContentDigest(m phys.Memory, pages FolioPages) (Digest, error) {
	if f.Size > MaxDigestSize {
		return Digest{}, phys.Errorf(phys.ErrLimit, f.Path, f.Addr, -1, "size %d is above the digest limit %d: the contents are not hashed", f.Size, uint64(MaxDigestSize)).With(CheckDigest)
	}
	h := sha256.New()
	w := &digestWriter{h: h, left: f.Size}
	buf := make([]byte, 64<<10)
	var next uint64 // the first page index not yet hashed
	var i uint64
	for fo, err := range f.FolioSeq(m) {
		if err != nil {
			return Digest{}, err
		}
		path := f.folioPath(i)
		i++
		if fo.PFN == 0 {
			continue
		}
		n, ok := pages(fo.PFN)
		if !ok {
			return Digest{}, phys.Errorf(phys.ErrMalformed, path, fo.Addr(), -1, "pfn 0x%x is not the head of a preserved block: the folio's size is unknown", fo.PFN).With(CheckDigest)
		}
		if fo.Index < next {
			return Digest{}, phys.Errorf(phys.ErrMalformed, path, fo.Addr(), -1, "index %d overlaps the folio before it (pages up to %d)", fo.Index, next).With(CheckFolioOrder)
		}
		if fo.Index >= f.pages() {
			return Digest{}, phys.Errorf(phys.ErrMalformed, path, fo.Addr(), -1, "index %d is past the file's %d pages", fo.Index, f.pages()).With(CheckFolioIndex)
		}
		w.zeros((fo.Index - next) * pageSize)
		n = min(n, f.pages()-fo.Index)
		for off := uint64(0); off < n*pageSize && w.left > 0; {
			k := min(uint64(len(buf)), n*pageSize-off, w.left)
			addr := fo.Addr() + off
			if !phys.Holds(m, addr, k) {
				return Digest{}, phys.Errorf(phys.ErrUnresolved, path, addr, -1, "%d bytes of folio data are not in the source", k)
			}
			if _, err := m.ReadAt(buf[:k], addr); err != nil {
				return Digest{}, phys.Errorf(phys.ErrUnresolved, path, addr, -1, "%v", err)
			}
			w.Write(buf[:k])
			off += k
		}
		next = fo.Index + n
	}
	w.zeros(w.left)
	var d Digest
	h.Sum(d[:0])
	return d, nil
}

// digestWriter feeds a hash at most left more bytes.
type digestWriter struct {
	h    hash.Hash
	left uint64
}

func (w *digestWriter) Write(p []byte) (int, error) {
	p = p[:min(uint64(len(p)), w.left)]
	w.h.Write(p)
	w.left -= uint64(len(p))
	return len(p), nil
}

var zeroPage [pageSize]byte

func (w *digestWriter) zeros(n uint64) {
	for n > 0 && w.left > 0 {
		k := min(n, pageSize)
		w.Write(zeroPage[:k])
		n -= k
	}
}

var _ io.Writer = (*digestWriter)(nil)
