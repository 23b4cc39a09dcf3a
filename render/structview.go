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
	var rs []annot.Region
	byUnit := map[int]int{} // storage-unit offset -> index in rs
	for _, f := range s.Leaves() {
		if f.End() > len(b) {
			continue
		}
		label := fmt.Sprintf("%s (%s)", f.Name, f.CType)
		value := fieldValue(&f, b)
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
