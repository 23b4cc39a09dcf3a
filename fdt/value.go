package fdt

import (
	"encoding/binary"
	"strings"
)

func (p *Property) badValue(format string, args ...any) *Error {
	e := errorf(ErrBadValue, p.ValueOffset(), "", format, args...)
	e.Msg = "property " + p.Name + ": " + e.Msg
	return e
}

func (p *Property) fixed(n int) ([]byte, error) {
	if len(p.Value) != n {
		return nil, p.badValue("value is %d bytes, want %d", len(p.Value), n)
	}
	return p.Value, nil
}

// U32BE decodes a 4-byte big-endian cell (the FDT convention).
func (p *Property) U32BE() (uint32, error) {
	b, err := p.fixed(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// U64BE decodes an 8-byte big-endian value (two FDT cells).
func (p *Property) U64BE() (uint64, error) { return p.U64(binary.BigEndian) }

// U64LE decodes an 8-byte little-endian value, the CPU order in which KHO
// and LUO store their u64 properties on x86-64 and arm64.
func (p *Property) U64LE() (uint64, error) { return p.U64(binary.LittleEndian) }

// U64 decodes an 8-byte value in the given byte order.
func (p *Property) U64(order binary.ByteOrder) (uint64, error) {
	b, err := p.fixed(8)
	if err != nil {
		return 0, err
	}
	return order.Uint64(b), nil
}

// String decodes a single NUL-terminated string with no embedded NUL.
func (p *Property) String() (string, error) {
	v := p.Value
	if len(v) == 0 || v[len(v)-1] != 0 {
		return "", p.badValue("value is not a NUL-terminated string")
	}
	s := string(v[:len(v)-1])
	if strings.IndexByte(s, 0) >= 0 {
		return "", p.badValue("value holds more than one string")
	}
	return s, nil
}

// Strings decodes a string list: NUL-terminated strings back to back. An
// empty value is an empty list.
func (p *Property) Strings() ([]string, error) {
	v := p.Value
	if len(v) == 0 {
		return nil, nil
	}
	if v[len(v)-1] != 0 {
		return nil, p.badValue("string list is not NUL-terminated")
	}
	return strings.Split(string(v[:len(v)-1]), "\x00"), nil
}

// IsPrintableStrings reports whether the value looks like a non-empty
// string list of printable ASCII, as dtc decides when it prints strings.
func (p *Property) IsPrintableStrings() bool {
	v := p.Value
	if len(v) == 0 || v[len(v)-1] != 0 || v[0] == 0 {
		return false
	}
	for i, c := range v {
		if c == 0 {
			if i > 0 && v[i-1] == 0 {
				return false
			}
			continue
		}
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
