package fdt

import (
	"bytes"
	"encoding/binary"
)

// SeqReserveOffset is where sequential-write mode (fdt_create) puts the
// reserve map: the header size rounded up to a reserve entry (0x30). A
// blob packed by read-write mode (fdt_pack) has it right behind the header,
// at HeaderSize (0x28).
const SeqReserveOffset = (HeaderSize + ReserveEntrySize - 1) &^ (ReserveEntrySize - 1)

// SeqWriter builds a blob the way libfdt's sequential-write functions do
// (fdt_create, fdt_add_reservemap_entry, fdt_finish_reservemap,
// fdt_begin_node, fdt_property, fdt_end_node, fdt_finish), down to the byte:
// reserve map at 0x30, tokens in call order, property names stored newest
// first with reuse of any existing string tail, exact totalsize.
//
// The first error sticks: later calls do nothing and return it again, so a
// builder may check only the result of Finish.
type SeqWriter struct {
	buf       []byte
	fixed     bool // the buffer may not grow (libfdt's NOSPACE instead)
	structOff int  // off_dt_struct
	structLen int  // size_dt_struct
	strLen    int  // size_dt_strings; the strings sit at the end of buf
	rsvDone   bool
	depth     int
	finished  bool
	err       error
}

// NewSeqWriter starts a blob in a buffer of bufSize bytes, like fdt_create.
// With bufSize > 0 a blob that does not fit fails with ErrNoSpace, as in
// the kernel, and Buffer returns the whole buffer including the bytes libfdt
// leaves behind after totalsize. With bufSize 0 the buffer grows as needed.
func NewSeqWriter(bufSize int) *SeqWriter {
	w := &SeqWriter{fixed: bufSize > 0}
	if bufSize <= 0 {
		bufSize = 1024
	}
	if bufSize < SeqReserveOffset {
		w.err = errorf(ErrNoSpace, 0, "", "buffer of %d bytes cannot hold a header and its alignment", bufSize)
		return w
	}
	w.buf = make([]byte, bufSize)
	w.structOff = SeqReserveOffset
	return w
}

func (w *SeqWriter) setErr(code Code, format string, args ...any) error {
	w.err = errorf(code, w.structOff+w.structLen, "", format, args...)
	return w.err
}

// room makes sure n more bytes fit between the structure block and the
// strings at the end of the buffer, growing the buffer when allowed.
func (w *SeqWriter) room(n int) bool {
	need := w.structOff + w.structLen + w.strLen + n
	if need <= len(w.buf) {
		return true
	}
	if w.fixed {
		w.setErr(ErrNoSpace, "%d more bytes do not fit in the %d-byte buffer", n, len(w.buf))
		return false
	}
	size := 2 * len(w.buf)
	for size < need {
		size *= 2
	}
	nb := make([]byte, size)
	copy(nb, w.buf[:w.structOff+w.structLen])
	copy(nb[size-w.strLen:], w.buf[len(w.buf)-w.strLen:])
	w.buf = nb
	return true
}

// AddReserve appends a memory-reservation entry (fdt_add_reservemap_entry).
func (w *SeqWriter) AddReserve(addr, size uint64) error {
	if w.err != nil {
		return w.err
	}
	if w.rsvDone {
		return w.setErr(ErrBadValue, "reserve entry added after the reserve map was finished")
	}
	if !w.room(ReserveEntrySize) {
		return w.err
	}
	binary.BigEndian.PutUint64(w.buf[w.structOff:], addr)
	binary.BigEndian.PutUint64(w.buf[w.structOff+8:], size)
	w.structOff += ReserveEntrySize
	return nil
}

// FinishReserveMap writes the reserve-map terminator
// (fdt_finish_reservemap). BeginNode calls it when it has not been called.
func (w *SeqWriter) FinishReserveMap() error {
	if err := w.AddReserve(0, 0); err != nil {
		return err
	}
	w.rsvDone = true
	return nil
}

// grab reserves n zeroed bytes at the end of the structure block.
func (w *SeqWriter) grab(n int) []byte {
	if !w.room(n) {
		return nil
	}
	off := w.structOff + w.structLen
	w.structLen += n
	return w.buf[off : off+n]
}

func (w *SeqWriter) ready() bool {
	if w.err != nil {
		return false
	}
	if w.finished {
		w.setErr(ErrBadValue, "blob already finished")
		return false
	}
	if !w.rsvDone {
		return w.FinishReserveMap() == nil
	}
	return true
}

// BeginNode opens a node (fdt_begin_node). The root's name is "".
func (w *SeqWriter) BeginNode(name string) error {
	if !w.ready() {
		return w.err
	}
	if bytes.IndexByte([]byte(name), 0) >= 0 {
		return w.setErr(ErrBadValue, "node name %q holds a NUL", name)
	}
	b := w.grab(4 + align4(len(name)+1))
	if b == nil {
		return w.err
	}
	binary.BigEndian.PutUint32(b, TokenBeginNode)
	copy(b[4:], name)
	w.depth++
	return nil
}

// EndNode closes the innermost open node (fdt_end_node).
func (w *SeqWriter) EndNode() error {
	if !w.ready() {
		return w.err
	}
	if w.depth == 0 {
		return w.setErr(ErrBadValue, "EndNode without an open node")
	}
	b := w.grab(4)
	if b == nil {
		return w.err
	}
	binary.BigEndian.PutUint32(b, TokenEndNode)
	w.depth--
	return nil
}

// nameOffset finds name in the strings table or adds it in front, returning
// its offset relative to the end of the buffer (a negative number).
func (w *SeqWriter) nameOffset(name string) (int, bool) {
	table := w.buf[len(w.buf)-w.strLen:]
	if i := findString(table, name); i >= 0 {
		return i - w.strLen, true
	}
	n := len(name) + 1
	if !w.room(n) {
		return 0, false
	}
	w.strLen += n
	start := len(w.buf) - w.strLen
	copy(w.buf[start:], name)
	w.buf[start+len(name)] = 0
	return -w.strLen, true
}

// findString returns the first offset at which name followed by a NUL
// occurs in table, as libfdt's string search does, or -1.
func findString(table []byte, name string) int {
	n := len(name) + 1
	for i := 0; i+n <= len(table); i++ {
		if table[i+n-1] == 0 && string(table[i:i+n-1]) == name {
			return i
		}
	}
	return -1
}

// Property adds a property to the open node (fdt_property). The value is
// copied as is: use PropertyU64LE for KHO/LUO u64 payloads.
func (w *SeqWriter) Property(name string, value []byte) error {
	if !w.ready() {
		return w.err
	}
	if w.depth == 0 {
		return w.setErr(ErrBadValue, "property %q outside any node", name)
	}
	if bytes.IndexByte([]byte(name), 0) >= 0 {
		return w.setErr(ErrBadValue, "property name %q holds a NUL", name)
	}
	nameoff, ok := w.nameOffset(name)
	if !ok {
		return w.err
	}
	b := w.grab(propHeaderSize + align4(len(value)))
	if b == nil {
		return w.err
	}
	binary.BigEndian.PutUint32(b, TokenProp)
	binary.BigEndian.PutUint32(b[4:], uint32(len(value)))
	binary.BigEndian.PutUint32(b[8:], uint32(int32(nameoff)))
	copy(b[propHeaderSize:], value)
	return nil
}

// PropertyString adds a NUL-terminated string property
// (fdt_property_string).
func (w *SeqWriter) PropertyString(name, value string) error {
	return w.Property(name, append([]byte(value), 0))
}

// PropertyStrings adds a string-list property.
func (w *SeqWriter) PropertyStrings(name string, values ...string) error {
	var b []byte
	for _, v := range values {
		b = append(append(b, v...), 0)
	}
	return w.Property(name, b)
}

// PropertyU32BE adds a big-endian u32 cell (fdt_property_u32).
func (w *SeqWriter) PropertyU32BE(name string, v uint32) error {
	return w.Property(name, binary.BigEndian.AppendUint32(nil, v))
}

// PropertyU64LE adds a u64 in little-endian CPU order, as KHO and LUO do
// with fdt_property(fdt, name, &u64, 8) on x86-64 and arm64.
func (w *SeqWriter) PropertyU64LE(name string, v uint64) error {
	return w.Property(name, binary.LittleEndian.AppendUint64(nil, v))
}

// Finish appends FDT_END, moves the strings behind the structure block and
// writes the final header (fdt_finish). It returns a copy of the blob,
// exactly totalsize bytes long.
func (w *SeqWriter) Finish() ([]byte, error) {
	if !w.ready() {
		return nil, w.err
	}
	if w.depth != 0 {
		return nil, w.setErr(ErrBadValue, "%d nodes still open", w.depth)
	}
	b := w.grab(4)
	if b == nil {
		return nil, w.err
	}
	binary.BigEndian.PutUint32(b, TokenEnd)
	strOff := w.structOff + w.structLen
	copy(w.buf[strOff:], w.buf[len(w.buf)-w.strLen:])
	// Turn the end-relative name offsets into offsets from the table start.
	for pos := w.structOff; pos < strOff; {
		switch binary.BigEndian.Uint32(w.buf[pos:]) {
		case TokenBeginNode:
			n := bytes.IndexByte(w.buf[pos+4:], 0)
			pos = align4(pos + 4 + n + 1)
		case TokenProp:
			ln := int(binary.BigEndian.Uint32(w.buf[pos+4:]))
			rel := int32(binary.BigEndian.Uint32(w.buf[pos+8:]))
			binary.BigEndian.PutUint32(w.buf[pos+8:], uint32(int(rel)+w.strLen))
			pos += propHeaderSize + align4(ln)
		default:
			pos += 4
		}
	}
	total := strOff + w.strLen
	h := Header{
		Magic: Magic, TotalSize: uint32(total), OffDtStruct: uint32(w.structOff),
		OffDtStrings: uint32(strOff), OffMemRsvmap: SeqReserveOffset, Version: LastVersion,
		LastCompVersion: LastCompatibleVersion, SizeDtStrings: uint32(w.strLen),
		SizeDtStruct: uint32(w.structLen),
	}
	h.put(w.buf)
	w.finished = true
	return bytes.Clone(w.buf[:total]), nil
}

// Buffer returns the whole working buffer. After Finish on a fixed-size
// writer it is what the kernel's page holds: the blob, then zeros, then the
// strings left at the end of the buffer where they were built.
func (w *SeqWriter) Buffer() []byte { return w.buf }
