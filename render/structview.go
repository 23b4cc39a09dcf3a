package render

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/annot"
)

// StructRegions labels every member of struct s laid over b (the struct's
// bytes, at least s.Size long): offset, size, C type, name and decoded
// value, with embedded structs expanded and bitfields sharing their storage
// unit shown as one region listing each bitfield. Bytes no member covers
// (a real hole, or the unused tail of a bitmap or array) are left to the
// renderer as unused.
func StructRegions(s *abi.Struct, b []byte) []annot.Region {
	return StructRegionsPartial(s, b, nil)
}

// StructRegionsPartial is StructRegions over bytes not all of which are
// known: those missing lists (offsets into b, sorted and disjoint) and
// every byte from len(b) on. A member with such a byte keeps its label,
// but its value is "unresolved" (saying how many of its bytes are missing
// when some are there): it is never decoded from bytes that are not.
func StructRegionsPartial(s *abi.Struct, b []byte, missing []annot.Span) []annot.Region {
	var rs []annot.Region
	byUnit := map[int]int{} // storage-unit offset -> index in rs
	for _, f := range s.Leaves() {
		label := fmt.Sprintf("%s (%s)", f.Name, f.CType)
		value := unresolvedValue(f.Offset, f.Size, len(b), missing)
		if value == "" {
			value = fieldValue(&f, b)
		}
		if f.BitSize > 0 {
			label = fmt.Sprintf("%s:%d @bit %d", f.Name, f.BitSize, f.BitOffset)
			if i, ok := byUnit[f.Offset]; ok {
				rs[i].Label += ", " + label
				rs[i].Value += ", " + f.Name + "=" + value
				continue
			}
			byUnit[f.Offset] = len(rs)
			value = f.Name + "=" + value
		}
		rs = append(rs, annot.Region{Offset: f.Offset, Size: f.Size, Kind: annot.Value,
			Label: s.Name + "." + label, Value: value})
	}
	return rs
}

// unresolvedValue is the value of a member of size bytes at off whose
// bytes are not all known (have bytes are there, less those missing
// lists), or "" when they all are.
func unresolvedValue(off, size, have int, missing []annot.Span) string {
	lost := max(0, off+size-max(have, off)) + annot.Count(missing, off, min(off+size, have))
	switch {
	case lost == 0:
		return ""
	case lost >= size:
		return "unresolved"
	}
	return fmt.Sprintf("unresolved: %d of its %d bytes are missing", lost, size)
}

// fieldValue decodes a member for display.
func fieldValue(f *abi.Field, b []byte) string {
	switch f.Kind {
	case abi.KindCString:
		str, terminated, clean := f.CString(b)
		v := fmt.Sprintf("%q", str)
		if !terminated {
			v += " (no NUL)"
		} else if !clean {
			v += " (bytes after the NUL)"
		}
		return v
	case abi.KindPhysAddr:
		if f.Count > 0 {
			return arraySummary(f, b, "0x%x")
		}
		return fmt.Sprintf("PA 0x%x", f.Uint(b))
	case abi.KindUint, abi.KindBitfield:
		if f.Count > 0 {
			return arraySummary(f, b, "%d")
		}
		v := f.Uint(b)
		if v > 9 {
			return fmt.Sprintf("%d (0x%x)", v, v)
		}
		return fmt.Sprint(v)
	case abi.KindBitmap:
		set := 0
		for _, c := range f.Bytes(b) {
			for ; c != 0; c &= c - 1 {
				set++
			}
		}
		return fmt.Sprintf("%d bits set", set)
	}
	return fmt.Sprintf("%d bytes", f.Size)
}

// arraySummary shows the first elements of an integer array and how many
// are non-zero.
func arraySummary(f *abi.Field, b []byte, format string) string {
	var shown []string
	nonZero := 0
	for i := 0; i < f.Count; i++ {
		if v := f.Elem(b, i); v != 0 {
			nonZero++
			if len(shown) < 4 {
				shown = append(shown, fmt.Sprintf("[%d]="+format, i, v))
			}
		}
	}
	if nonZero == 0 {
		return "all zero"
	}
	return fmt.Sprintf("%s (%d of %d non-zero)", strings.Join(shown, " "), nonZero, f.Count)
}
