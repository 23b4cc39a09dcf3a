package abi

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// The helpers below let the codecs in kho, luo and memfd read and write
// struct members through the registry, so that no offset is written down
// twice. b is always the struct's own bytes (at least Struct.Size long;
// callers check the length once per struct, not per field).

// Uint reads an integer, physical-address or bitfield member (element i
// of an array member with Elem) in little-endian order.
func (f *Field) Uint(b []byte) uint64 {
	v := leUint(b[f.Offset:], f.ElemSize())
	if f.BitSize > 0 {
		v = (v >> f.BitOffset) & (1<<f.BitSize - 1)
	}
	return v
}

// Elem reads element i of an integer array member.
func (f *Field) Elem(b []byte, i int) uint64 {
	n := f.ElemSize()
	return leUint(b[f.ElemOffset(i):], n)
}

// ElemOffset returns the byte offset of element i of an array member from
// the start of its struct (the member's own offset for i = 0). i may be
// the array's length, for the offset just past its last element.
func (f *Field) ElemOffset(i int) int { return f.Offset + i*f.ElemSize() }

// PutUint writes v into the member, leaving the other bits of a bitfield's
// storage unit alone. Bits of v that do not fit are dropped, as C does.
func (f *Field) PutUint(b []byte, v uint64) {
	n := f.ElemSize()
	if f.BitSize > 0 {
		mask := uint64(1<<f.BitSize-1) << f.BitOffset
		v = leUint(b[f.Offset:], n)&^mask | (v<<f.BitOffset)&mask
	}
	putLEUint(b[f.Offset:], n, v)
}

// PutElem writes element i of an integer array member.
func (f *Field) PutElem(b []byte, i int, v uint64) {
	n := f.ElemSize()
	putLEUint(b[f.ElemOffset(i):], n, v)
}

// Bytes returns the member's bytes (aliasing b).
func (f *Field) Bytes(b []byte) []byte { return b[f.Offset:f.End():f.End()] }

// CString decodes a NUL-padded char array. terminated is false when the
// array holds no NUL (the kernel would read past it); clean is false when
// bytes after the first NUL are not zero.
func (f *Field) CString(b []byte) (s string, terminated, clean bool) {
	raw := f.Bytes(b)
	i := bytes.IndexByte(raw, 0)
	if i < 0 {
		return string(raw), false, true
	}
	for _, c := range raw[i:] {
		if c != 0 {
			return string(raw[:i]), true, false
		}
	}
	return string(raw[:i]), true, true
}

// PutCString writes s NUL-padded into a char array. It fails when s (with
// its NUL) does not fit.
func (f *Field) PutCString(b []byte, s string) error {
	if len(s) >= f.Size {
		return fmt.Errorf("abi: %q does not fit %s %s", s, f.CType, f.Name)
	}
	raw := f.Bytes(b)
	clear(raw)
	copy(raw, s)
	return nil
}

func leUint(b []byte, n int) uint64 {
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	default:
		return binary.LittleEndian.Uint64(b)
	}
}

func putLEUint(b []byte, n int, v uint64) {
	switch n {
	case 1:
		b[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, v)
	}
}

// The Must helpers are meant for package initialisation of codecs: a
// registry miss is a programming error that the first test run reports,
// so they panic.

// must returns v, or panics with what when ok is false.
func must[T any](v T, ok bool, what string) T {
	if !ok {
		panic("abi: " + what)
	}
	return v
}

// MustLookup returns generation tag.
func MustLookup(tag Tag) *Generation {
	g, ok := Lookup(tag)
	return must(g, ok, "no generation "+string(tag))
}

// MustStruct returns the struct name of generation tag.
func MustStruct(tag Tag, name string) *Struct {
	s, ok := MustLookup(tag).Struct(name)
	return must(s, ok, "generation "+string(tag)+" has no struct "+name)
}

// MustField returns member name (dotted for embedded structs) of s.
func (s *Struct) MustField(name string) *Field {
	f, ok := s.Field(name)
	return must(f, ok, "struct "+s.Name+" has no member "+name)
}

// MustConstant returns the value of constant name of generation tag.
func MustConstant(tag Tag, name string) uint64 {
	c, ok := MustLookup(tag).Constant(name)
	return must(c, ok, "generation "+string(tag)+" has no constant "+name).Value
}

// MustNode returns the node at path of generation tag's main FDT.
func MustNode(tag Tag, path string) *Node {
	n, ok := MustLookup(tag).Node("", path)
	return must(n, ok, "generation "+string(tag)+" has no node "+path)
}

// MustProp returns the node's property name.
func (n *Node) MustProp(name string) *Prop {
	p, ok := n.Prop(name)
	return must(p, ok, "node "+n.Path+" has no property "+name)
}
