package fdt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/luoinspect/luoinspect/annot"
)

// Regions describes every byte of the blob for an annotated hex dump:
// header fields, reserve entries, each token with its fixed fields, names,
// values (decoded where the bytes say how), padding, and each string of the
// strings block, marked when no property uses it. Bytes in no block come
// out as unused.
func (t *Tree) Regions() []annot.Region {
	var rs []annot.Region
	add := func(off, size int, k annot.Kind, label, value string) {
		rs = append(rs, annot.Region{Offset: off, Size: size, Kind: k, Label: label, Value: value})
	}
	for _, f := range t.Header.Fields() {
		v := fmt.Sprintf("%d", f.Value)
		if f.Name == "magic" || f.Name[:3] == "off" {
			v = fmt.Sprintf("0x%x", f.Value)
		}
		add(f.Offset, 4, annot.Header, "header."+f.Name, v)
	}
	for i, r := range t.Reserve {
		add(r.Offset, ReserveEntrySize, annot.Reserve, fmt.Sprintf("reserve[%d]", i),
			fmt.Sprintf("address 0x%x size 0x%x", r.Address, r.Size))
	}
	if t.ReserveEnd >= 0 {
		add(t.ReserveEnd-ReserveEntrySize, ReserveEntrySize, annot.Reserve, "reserve terminator", "")
	}
	used := map[uint32]bool{}
	for _, tok := range t.Tokens() {
		switch tok.Kind {
		case KindBeginNode:
			path := tok.Node.Path()
			add(tok.Offset, 4, annot.Token, "FDT_BEGIN_NODE", path)
			nameEnd := tok.Offset + 4 + bytes.IndexByte(t.Data[tok.Offset+4:], 0) + 1
			add(tok.Offset+4, nameEnd-tok.Offset-4, annot.Name, "node name", fmt.Sprintf("%q", tok.Node.Name()))
			add(nameEnd, align4(nameEnd)-nameEnd, annot.Padding, "padding", "")
		case KindProp:
			p := tok.Prop
			used[p.NameOffset] = true
			where := tok.Node.Path() + " " + p.Name
			add(p.Offset, propHeaderSize, annot.Token, "FDT_PROP "+where,
				fmt.Sprintf("len %d nameoff 0x%x", len(p.Value), p.NameOffset))
			add(p.ValueOffset(), len(p.Value), annot.Value, where, describeValue(p))
			vend := p.ValueOffset() + len(p.Value)
			add(vend, align4(vend)-vend, annot.Padding, "padding", "")
		default:
			add(tok.Offset, 4, annot.Token, tok.Kind.String(), "")
		}
	}
	base := int(t.Header.OffDtStrings)
	for off := 0; off < len(t.Strings); {
		n := bytes.IndexByte(t.Strings[off:], 0)
		if n < 0 {
			n = len(t.Strings) - off - 1
		}
		label := fmt.Sprintf("string +0x%x", off)
		if !used[uint32(off)] {
			label += " (no property starts here)"
		}
		add(base+off, n+1, annot.Strings, label, fmt.Sprintf("%q", t.Strings[off:off+n]))
		off += n + 1
	}
	return rs
}

// describeValue renders a property value for the hex dump: strings as
// strings, 8-byte values as the CPU-order u64 KHO and LUO store, 4-byte
// values as an FDT cell, anything else by its length.
func describeValue(p *Property) string {
	switch {
	case len(p.Value) == 0:
		return "empty"
	case p.IsPrintableStrings():
		list, _ := p.Strings()
		if len(list) == 1 {
			return fmt.Sprintf("%q", list[0])
		}
		return fmt.Sprintf("%q", list)
	case len(p.Value) == 8:
		return fmt.Sprintf("u64 LE 0x%x", binary.LittleEndian.Uint64(p.Value))
	case len(p.Value) == 4:
		return fmt.Sprintf("u32 BE 0x%x", binary.BigEndian.Uint32(p.Value))
	}
	return fmt.Sprintf("%d bytes", len(p.Value))
}
