package fdt

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// Editor changes a blob in place the way libfdt's read-write functions do
// (fdt_open_into, fdt_add_subnode, fdt_setprop, fdt_delprop, fdt_del_node,
// fdt_pack), byte for byte: new subnodes go right after the parent's
// properties (so children end up newest first), new properties right after
// the node name, new names at the end of the strings block, and deletions
// splice bytes out but never drop names from the strings block.
//
// Nodes are named by absolute path. Bytes past the blob inside the buffer
// keep whatever they held, as they do in the kernel's page.
type Editor struct {
	buf []byte
}

// OpenInto copies blob into a buffer of bufSize bytes and prepares it for
// editing (fdt_open_into). The blob must pass Parse. A blob whose blocks are
// in libfdt order keeps its layout; any other is repacked with the reserve
// map at 0x28. Pass the whole page, leftovers included, to reproduce what
// the kernel's in-place open leaves behind totalsize.
func OpenInto(blob []byte, bufSize int) (*Editor, error) {
	t, err := Parse(blob)
	if err != nil {
		return nil, err
	}
	h := t.Header
	if h.Version < 16 {
		return nil, errorf(ErrBadVersion, 0x14, "", "read-write mode needs version 16 or newer, blob has %d", h.Version)
	}
	for _, p := range t.props {
		if int(p.NameOffset)+len(p.Name) >= int(h.SizeDtStrings) {
			// libfdt would repack only size_dt_strings bytes and leave
			// this name dangling; refuse instead of writing a broken blob.
			return nil, errorf(ErrBadLayout, p.Offset+8, "", "property name %q lies outside size_dt_strings", p.Name)
		}
	}
	rsvSize := t.ReserveEnd - int(h.OffMemRsvmap)
	structSize := t.EndOffset + 4 - int(h.OffDtStruct)
	if int(h.TotalSize) > bufSize {
		return nil, errorf(ErrNoSpace, 0x04, "", "blob of %d bytes does not fit a %d-byte buffer", h.TotalSize, bufSize)
	}
	e := &Editor{buf: make([]byte, bufSize)}
	copy(e.buf, blob) // the kernel opens its page in place
	if !misordered(&h, rsvSize, structSize) {
		e.setHeader(0x14, LastVersion)
		e.setHeader(0x24, uint32(structSize))
		e.setHeader(0x04, uint32(bufSize))
		return e, nil
	}
	// libfdt builds the repacked blob right behind the old one, then moves
	// it to the start of the buffer; both copies stay in the buffer.
	newSize := HeaderSize + rsvSize + structSize + int(h.SizeDtStrings)
	tmp := int(h.TotalSize)
	if newSize > bufSize || tmp+newSize > bufSize {
		return nil, errorf(ErrNoSpace, 0x04, "", "repacking in place needs %d bytes, the buffer has %d", tmp+newSize, bufSize)
	}
	e.packFrom(e.buf, &h, rsvSize, structSize, tmp)
	copy(e.buf, e.buf[tmp:tmp+newSize])
	e.setHeader(0x00, Magic)
	e.setHeader(0x04, uint32(bufSize))
	e.setHeader(0x14, LastVersion)
	e.setHeader(0x18, LastCompatibleVersion)
	// libfdt reads boot_cpuid_phys back from the moved header, which holds
	// whatever the buffer had at tmp+0x1c: keep that quirk.
	return e, nil
}

// Reopen gives the blob the whole buffer again, as the kernel's
// fdt_open_into(root, root, PAGE_SIZE) does before each change to a packed
// KHO root. The editor keeps its blocks in libfdt order, so this only
// rewrites version, size_dt_struct and totalsize.
func (e *Editor) Reopen() {
	e.setHeader(0x14, LastVersion)
	e.setHeader(0x04, uint32(len(e.buf)))
}

// misordered reports whether the blocks are out of libfdt's order
// (header, reserve map, structure, strings).
func misordered(h *Header, rsvSize, structSize int) bool {
	return int(h.OffMemRsvmap) < HeaderSize ||
		int(h.OffDtStruct) < int(h.OffMemRsvmap)+rsvSize ||
		int(h.OffDtStrings) < int(h.OffDtStruct)+structSize ||
		int(h.TotalSize) < int(h.OffDtStrings)+int(h.SizeDtStrings)
}

func (e *Editor) header(off int) int { return int(binary.BigEndian.Uint32(e.buf[off:])) }

func (e *Editor) setHeader(off int, v uint32) { binary.BigEndian.PutUint32(e.buf[off:], v) }

// packFrom copies the three blocks of src behind a 40-byte header placed
// at base, reserve map first (libfdt's fdt_packblocks_), and writes their
// offsets and sizes into that header. src may be e.buf itself.
func (e *Editor) packFrom(src []byte, h *Header, rsvSize, structSize, base int) {
	rsvOff := HeaderSize
	structOff := rsvOff + rsvSize
	strOff := structOff + structSize
	strSize := int(h.SizeDtStrings)
	copy(e.buf[base+rsvOff:], src[h.OffMemRsvmap:int(h.OffMemRsvmap)+rsvSize])
	e.setHeader(base+0x10, uint32(rsvOff))
	copy(e.buf[base+structOff:], src[h.OffDtStruct:int(h.OffDtStruct)+structSize])
	e.setHeader(base+0x08, uint32(structOff))
	e.setHeader(base+0x24, uint32(structSize))
	copy(e.buf[base+strOff:], src[h.OffDtStrings:int(h.OffDtStrings)+strSize])
	e.setHeader(base+0x0c, uint32(strOff))
	e.setHeader(base+0x20, uint32(strSize))
}

// dataEnd is the end of the strings block, the last block.
func (e *Editor) dataEnd() int { return e.header(0x0c) + e.header(0x20) }

// splice replaces oldLen bytes at off with newLen bytes, moving everything
// up to dataEnd (fdt_splice_). The new bytes hold what was there before.
func (e *Editor) splice(off, oldLen, newLen int) error {
	end := e.dataEnd()
	if off < 0 || off+oldLen > end {
		return errorf(ErrBadValue, off, "", "splice of %d bytes outside the blob", oldLen)
	}
	if end-oldLen+newLen > e.header(0x04) {
		return errorf(ErrNoSpace, off, "", "%d more bytes do not fit in the %d-byte buffer", newLen-oldLen, e.header(0x04))
	}
	copy(e.buf[off+newLen:], e.buf[off+oldLen:end])
	return nil
}

func (e *Editor) spliceStruct(off, oldLen, newLen int) error {
	if err := e.splice(off, oldLen, newLen); err != nil {
		return err
	}
	d := newLen - oldLen
	e.setHeader(0x24, uint32(e.header(0x24)+d))
	e.setHeader(0x0c, uint32(e.header(0x0c)+d))
	return nil
}

// addString returns the offset of name in the strings block, appending it
// when no existing string ends with it (fdt_find_add_string_).
func (e *Editor) addString(name string) (off int, added bool, err error) {
	strOff, strSize := e.header(0x0c), e.header(0x20)
	if i := findString(e.buf[strOff:strOff+strSize], name); i >= 0 {
		return i, false, nil
	}
	if err := e.splice(strOff+strSize, 0, len(name)+1); err != nil {
		return 0, false, err
	}
	copy(e.buf[strOff+strSize:], name)
	e.buf[strOff+strSize+len(name)] = 0
	e.setHeader(0x20, uint32(strSize+len(name)+1))
	return strSize, true, nil
}

// dropLastString undoes addString (fdt_del_last_string_).
func (e *Editor) dropLastString(name string) {
	e.setHeader(0x20, uint32(e.header(0x20)-len(name)-1))
}

// tag reads the token at blob offset off and returns it with the offset of
// the next token. Unknown or truncated tokens return TokenEnd.
func (e *Editor) tag(off int) (uint32, int) {
	end := e.header(0x08) + e.header(0x24)
	if off < 0 || off+4 > end {
		return TokenEnd, end
	}
	switch t := binary.BigEndian.Uint32(e.buf[off:]); t {
	case TokenBeginNode:
		n := bytes.IndexByte(e.buf[off+4:end], 0)
		if n < 0 {
			return TokenEnd, end
		}
		return t, align4(off + 4 + n + 1)
	case TokenProp:
		if off+propHeaderSize > end {
			return TokenEnd, end
		}
		return t, align4(off + propHeaderSize + int(binary.BigEndian.Uint32(e.buf[off+4:])))
	case TokenEndNode, TokenNOP:
		return t, off + 4
	default:
		return TokenEnd, end
	}
}

func (e *Editor) nodeName(off int) string {
	n := bytes.IndexByte(e.buf[off+4:], 0)
	return string(e.buf[off+4 : off+4+n])
}

// subnode finds the child of the node at parent called name, matching a
// unit address loosely as libfdt does; it returns -1 when there is none.
func (e *Editor) subnode(parent int, name string) int {
	depth := 0
	_, off := e.tag(parent)
	for {
		t, next := e.tag(off)
		switch t {
		case TokenBeginNode:
			if depth == 0 {
				if nodeNameMatches(e.nodeName(off), name) {
					return off
				}
			}
			depth++
		case TokenEndNode:
			if depth == 0 {
				return -1
			}
			depth--
		case TokenEnd:
			return -1
		}
		off = next
	}
}

// node resolves an absolute path to the offset of its FDT_BEGIN_NODE.
func (e *Editor) node(path string) (int, error) {
	off := e.header(0x08)
	if t, _ := e.tag(off); t != TokenBeginNode || !strings.HasPrefix(path, "/") {
		return 0, errorf(ErrNotFound, -1, path, "no such node")
	}
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		if off = e.subnode(off, part); off < 0 {
			return 0, errorf(ErrNotFound, -1, path, "no such node")
		}
	}
	return off, nil
}

// property finds the property called name of the node at off; it returns
// the token offset and value length, or -1.
func (e *Editor) property(node int, name string) (int, int) {
	strOff := e.header(0x0c)
	_, off := e.tag(node)
	for {
		t, next := e.tag(off)
		switch t {
		case TokenProp:
			nameoff := strOff + int(binary.BigEndian.Uint32(e.buf[off+8:]))
			if nameoff < len(e.buf) {
				if n := bytes.IndexByte(e.buf[nameoff:], 0); n == len(name) && string(e.buf[nameoff:nameoff+n]) == name {
					return off, int(binary.BigEndian.Uint32(e.buf[off+4:]))
				}
			}
		case TokenNOP:
		default:
			return -1, 0
		}
		off = next
	}
}

// AddSubnode adds an empty node called name under parent (fdt_add_subnode).
func (e *Editor) AddSubnode(parent, name string) error {
	p, err := e.node(parent)
	if err != nil {
		return err
	}
	if strings.ContainsAny(name, "/\x00") || name == "" {
		return errorf(ErrBadValue, p, parent, "bad node name %q", name)
	}
	if e.subnode(p, name) >= 0 {
		return errorf(ErrExists, p, parent, "node %q exists", name)
	}
	_, off := e.tag(p)
	for {
		t, next := e.tag(off)
		if t != TokenProp && t != TokenNOP {
			break
		}
		off = next
	}
	nameLen := align4(len(name) + 1)
	size := 4 + nameLen + 4
	if err := e.spliceStruct(off, 0, size); err != nil {
		return err
	}
	binary.BigEndian.PutUint32(e.buf[off:], TokenBeginNode)
	clear(e.buf[off+4 : off+4+nameLen])
	copy(e.buf[off+4:], name)
	binary.BigEndian.PutUint32(e.buf[off+size-4:], TokenEndNode)
	return nil
}

// SetProp sets a property of the node at path (fdt_setprop): an existing
// property is resized in place, a new one is inserted right after the
// node's name. Padding bytes of the value keep what the buffer held, as in
// libfdt.
func (e *Editor) SetProp(path, name string, value []byte) error {
	n, err := e.node(path)
	if err != nil {
		return err
	}
	if off, oldLen := e.property(n, name); off >= 0 {
		if err := e.spliceStruct(off+propHeaderSize, align4(oldLen), align4(len(value))); err != nil {
			return err
		}
		binary.BigEndian.PutUint32(e.buf[off+4:], uint32(len(value)))
		copy(e.buf[off+propHeaderSize:], value)
		return nil
	}
	nameoff, added, err := e.addString(name)
	if err != nil {
		return err
	}
	_, off := e.tag(n)
	if err := e.spliceStruct(off, 0, propHeaderSize+align4(len(value))); err != nil {
		if added {
			e.dropLastString(name)
		}
		return err
	}
	binary.BigEndian.PutUint32(e.buf[off:], TokenProp)
	binary.BigEndian.PutUint32(e.buf[off+4:], uint32(len(value)))
	binary.BigEndian.PutUint32(e.buf[off+8:], uint32(nameoff))
	copy(e.buf[off+propHeaderSize:], value)
	return nil
}

// SetPropU64LE sets a u64 property in little-endian CPU order, as
// kho_add_subtree does with fdt_setprop(…, &phys, 8).
func (e *Editor) SetPropU64LE(path, name string, v uint64) error {
	return e.SetProp(path, name, binary.LittleEndian.AppendUint64(nil, v))
}

// DelProp removes a property (fdt_delprop). Its name stays in the strings
// block.
func (e *Editor) DelProp(path, name string) error {
	n, err := e.node(path)
	if err != nil {
		return err
	}
	off, length := e.property(n, name)
	if off < 0 {
		return errorf(ErrNotFound, n, path, "no property %q", name)
	}
	return e.spliceStruct(off, propHeaderSize+align4(length), 0)
}

// DelNode removes a node and everything under it (fdt_del_node).
func (e *Editor) DelNode(path string) error {
	n, err := e.node(path)
	if err != nil {
		return err
	}
	depth := 0
	for off := n; ; {
		t, next := e.tag(off)
		switch t {
		case TokenBeginNode:
			depth++
		case TokenEndNode:
			if depth--; depth == 0 {
				return e.spliceStruct(n, next-n, 0)
			}
		case TokenEnd:
			return errorf(ErrBadStructure, off, path, "node has no end")
		}
		off = next
	}
}

// Pack moves the blocks together behind the header with the reserve map at
// 0x28 and sets totalsize to the exact end of the strings (fdt_pack).
// Bytes behind the new end keep their old contents.
func (e *Editor) Pack() {
	h := decodeHeader(e.buf)
	rsvSize := ReserveEntrySize
	for off := int(h.OffMemRsvmap); off+ReserveEntrySize <= len(e.buf); off += ReserveEntrySize {
		if binary.BigEndian.Uint64(e.buf[off+8:]) == 0 {
			rsvSize = off + ReserveEntrySize - int(h.OffMemRsvmap)
			break
		}
	}
	e.packFrom(e.buf, &h, rsvSize, int(h.SizeDtStruct), 0)
	e.setHeader(0x04, uint32(e.dataEnd()))
}

// Blob returns a copy of the blob as its header's totalsize describes it.
func (e *Editor) Blob() []byte {
	return bytes.Clone(e.buf[:min(e.header(0x04), len(e.buf))])
}

// Buffer returns the whole working buffer, leftovers included.
func (e *Editor) Buffer() []byte { return e.buf }
