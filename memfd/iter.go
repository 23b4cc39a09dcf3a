package memfd

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math/bits"

	"github.com/luoinspect/luoinspect/phys"
)

// pieceSize bounds one copy from a source that cannot hand out views.
const pieceSize = 64 << 10 / recordSize * recordSize

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// decodeInto decodes len(out) records from b, the hot loop of every
// stream. It is kept small and out of line so that the compiler keeps its
// few values in registers. Masking the offsets and the rotation (no-ops
// for the registry's values, checked in newFolioLayout) lets it drop the
// bounds checks on the loads and the oversized-shift fixups; rotating
// right by pfnShift brings pfn to the low bits and flags right above it in
// both layouts.
func (l *folioLayout) decodeInto(out []Folio, b []byte) {
	rot, pb, pm := -int(l.pfnShift&63), l.pfnBits&63, l.pfnMask
	wo, io := l.wordOff&(recordSize-8), l.indexOff&(recordSize-8)
	for i := range out {
		r := b[:recordSize]
		w := bits.RotateLeft64(le64(r[wo:wo+8]), rot)
		out[i] = Folio{PFN: w & pm, Flags: uint16(w >> pb), Index: le64(r[io : io+8])}
		b = b[recordSize:]
	}
}

// batchLen is the number of records Next decodes at a time.
const batchLen = 256

// Iterator streams the folio records of a File in record order, one
// vmalloc block at a time: on sources that implement phys.Viewer (such as
// phys.Image) each block is a zero-copy view, otherwise it is copied in
// pieces of at most 64 KiB into one reused buffer. It never yields more
// than NrFolios records and its memory does not grow with their number.
//
//	it := f.Iter(m)
//	for it.Next() {
//		use(it.Folio())
//	}
//	if err := it.Err(); err != nil { ... }
//
// Next decodes batchLen records at a time into a small buffer, so that the
// call itself inlines into the caller's loop; NextBatch decodes straight
// into the caller's slice.
type Iterator struct {
	ready []Folio // decoded records: ready[ri] is the current one
	ri    int
	last  [1]Folio // holds the current record after NextBatch
	done  uint64   // records decoded so far (returned, or waiting in ready)

	buf  []byte // undecoded records of the current piece (a multiple of recordSize)
	left uint64 // records not yet loaded into buf

	lay *folioLayout

	t       *Table
	seg     int    // segment being read
	segOff  uint64 // bytes of it already loaded
	viewer  phys.Viewer
	scratch []byte
	store   []Folio // backing array of ready
	err     error
}

// Iter returns an iterator over f's folio records in m. Errors opening the
// table (see File.Table) are reported by Err after the first Next.
func (f *File) Iter(m phys.Memory) *Iterator {
	t, err := f.Table(m)
	if err != nil {
		return &Iterator{err: err}
	}
	return t.Iter()
}

// Iter returns an iterator over the table's records.
func (t *Table) Iter() *Iterator {
	l := t.lay
	it := &Iterator{
		t: t, left: t.n, lay: l,
	}
	it.viewer, _ = t.m.(phys.Viewer)
	return it
}

// Next advances to the next record and reports whether there is one.
func (it *Iterator) Next() bool {
	if it.ri+1 < len(it.ready) {
		it.ri++
		return true
	}
	return it.nextSlow()
}

func (it *Iterator) nextSlow() bool {
	if it.err != nil || it.t == nil {
		return false
	}
	if it.store == nil {
		it.store = make([]Folio, batchLen)
	}
	n := it.decode(it.store)
	if n == 0 {
		return false
	}
	it.ready, it.ri = it.store[:n], 0
	return true
}

// NextBatch decodes up to len(dst) records into dst and returns how many
// it decoded; 0 means the end (or an error, see Err). It is the fastest
// way to stream: the decode loop runs with no call per record.
func (it *Iterator) NextBatch(dst []Folio) int {
	n := 0
	if it.ri+1 < len(it.ready) {
		n = copy(dst, it.ready[it.ri+1:])
		it.ri += n
	}
	if k := it.decode(dst[n:]); k > 0 {
		n += k
		it.last[0] = dst[n-1]
		it.ready, it.ri = it.last[:], 0
	}
	return n
}

// decode decodes up to len(dst) records from the source into dst.
func (it *Iterator) decode(dst []Folio) int {
	n := 0
	for n < len(dst) {
		if len(it.buf) == 0 && !it.fill() {
			break
		}
		k := min(len(dst)-n, len(it.buf)/recordSize)
		b, out := it.buf[:k*recordSize], dst[n:n+k]
		it.lay.decodeInto(out, b)
		it.buf = it.buf[k*recordSize:]
		n += k
	}
	it.done += uint64(n)
	return n
}

// Folio returns the record Next moved to (after NextBatch, the last one
// it decoded).
func (it *Iterator) Folio() Folio {
	if it.ri < len(it.ready) {
		return it.ready[it.ri]
	}
	return Folio{}
}

// Pos returns the number of records returned so far; after Next it is one
// more than the current record's position in the array.
func (it *Iterator) Pos() uint64 {
	if len(it.ready) == 0 {
		return it.done
	}
	return it.done - uint64(len(it.ready)-1-it.ri)
}

// Err returns the error that ended the iteration, or nil at a clean end.
func (it *Iterator) Err() error { return it.err }

// fill loads the next piece of records into buf.
func (it *Iterator) fill() bool {
	if it.err != nil || it.left == 0 || it.t == nil {
		return false
	}
	t := it.t
	for it.segOff >= t.segLen {
		it.seg++
		it.segOff = 0
	}
	rec := uint64(recordSize)
	n := min(it.left*rec, t.segLen-it.segOff)
	pa := t.segs[it.seg] + it.segOff
	var b []byte
	if it.viewer != nil {
		b, _ = it.viewer.View(pa, n)
	}
	if b == nil {
		n = min(n, pieceSize/rec*rec)
		if it.scratch == nil {
			it.scratch = make([]byte, pieceSize/rec*rec)
		}
		b = it.scratch[:n]
		if _, err := t.m.ReadAt(b, pa); err != nil {
			it.err = phys.Errorf(phys.ErrUnresolved, fmt.Sprintf("%s.folios.block[%d]", t.f.Path, it.seg), pa, -1, "%v", err)
			return false
		}
	}
	it.buf = b
	it.segOff += n
	it.left -= n / rec
	return true
}

// FolioSeq returns the records of f in m as a sequence (the method cannot
// be called Folios: that is the field holding the vmalloc descriptor). An error (opening
// the table, or a read failing midway) is yielded once, last, with a zero
// Folio.
func (f *File) FolioSeq(m phys.Memory) iter.Seq2[Folio, error] {
	return func(yield func(Folio, error) bool) {
		it := f.Iter(m)
		for it.Next() {
			if !yield(it.Folio(), nil) {
				return
			}
		}
		if it.err != nil {
			yield(Folio{}, it.err)
		}
	}
}
