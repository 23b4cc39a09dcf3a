package fdt

import "encoding/binary"

// Encode writes the tree back out with the layout it was parsed from: the
// same header, block offsets, reserve entries, token order (FDT_NOP
// included), node names, property values and strings block (unused names
// included). For every blob that Parse accepts without Notices the result
// equals the blob byte for byte; bytes the model does not keep (non-zero
// padding or gaps, a terminator with an address) come out as zeros. A tree
// that a lenient parse could not read to FDT_END cannot be encoded.
func (t *Tree) Encode() ([]byte, error) {
	h := t.Header
	if len(t.Data) < h.Size() || t.EndOffset < 0 || t.ReserveEnd < 0 {
		return nil, errorf(ErrBadValue, -1, "", "tree is incomplete and cannot be encoded")
	}
	out := make([]byte, len(t.Data))
	h.put(out)
	off := int(h.OffMemRsvmap)
	for _, r := range t.Reserve {
		binary.BigEndian.PutUint64(out[off:], r.Address)
		binary.BigEndian.PutUint64(out[off+8:], r.Size)
		off += ReserveEntrySize
	}
	for _, tok := range t.Tokens() {
		binary.BigEndian.PutUint32(out[tok.Offset:], uint32(tok.Kind))
		switch tok.Kind {
		case KindBeginNode:
			r := tok.Node.rec()
			name := tok.Node.Name()
			if r.fullName != "" {
				name = r.fullName
			}
			copy(out[tok.Offset+4:], name)
		case KindProp:
			p := tok.Prop
			binary.BigEndian.PutUint32(out[p.Offset+4:], uint32(len(p.Value)))
			binary.BigEndian.PutUint32(out[p.Offset+8:], p.NameOffset)
			copy(out[p.ValueOffset():], p.Value)
		}
	}
	copy(out[h.OffDtStrings:], t.Strings)
	return out, nil
}
