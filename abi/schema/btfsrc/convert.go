package btfsrc

import (
	"fmt"
	"strconv"

	"github.com/cilium/ebpf/btf"
	"github.com/luoinspect/luoinspect/abi/schema"
)

func convStruct(st *btf.Struct) (*schema.Struct, error) {
	out := &schema.Struct{Name: st.Name, Size: int(st.Size), Fields: []schema.Field{}}
	for _, m := range st.Members {
		fs, err := convMember(m, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", m.Name, err)
		}
		out.Fields = append(out.Fields, fs...)
	}
	out.Packed = !naturallyAligned(st, 0)
	for i := range out.Fields {
		f := &out.Fields[i]
		f.Type = wireType(f)
	}
	return out, nil
}

// wireType mirrors schema's Field.Type rules.
func wireType(f *schema.Field) string {
	switch f.Kind {
	case "bitfield":
		return "u" + strconv.Itoa(f.Size*8) + ":" + strconv.Itoa(f.BitSize)
	case "struct":
		if f.Count > 0 {
			return "struct " + f.Struct + "[" + strconv.Itoa(f.Count) + "]"
		}
		return "struct " + f.Struct
	case "cstring":
		return "char[" + strconv.Itoa(f.Size) + "]"
	}
	if f.Count > 0 {
		return "u" + strconv.Itoa(f.Size/f.Count*8) + "[" + strconv.Itoa(f.Count) + "]"
	}
	return "u" + strconv.Itoa(f.Size*8)
}

// isPhys reports whether a member type is spelled phys_addr_t (through
// typedefs) or is a pointer.
func isPhys(t btf.Type) bool {
	for i := 0; i < 16 && t != nil; i++ {
		switch v := t.(type) {
		case *btf.Typedef:
			if v.Name == "phys_addr_t" || v.Name == "dma_addr_t" {
				return true
			}
			t = v.Type
		case *btf.Const:
			t = v.Type
		case *btf.Volatile:
			t = v.Type
		case *btf.Pointer:
			return true
		default:
			return false
		}
	}
	return false
}

func spelled(t btf.Type) string {
	if n := t.TypeName(); n != "" {
		return n
	}
	return fmt.Sprintf("%T", btf.UnderlyingType(t))
}

// convMember converts one member at bit offset base, flattening
// anonymous records and collapsing unions of same-size scalars.
func convMember(m btf.Member, base btf.Bits, depth int) ([]schema.Field, error) {
	if depth > 32 {
		return nil, errDepth
	}
	off := base + m.Offset
	t := btf.UnderlyingType(m.Type)
	if m.BitfieldSize > 0 {
		size, err := btf.Sizeof(t)
		if err != nil {
			return nil, err
		}
		unit := size * 8
		pos := int(off)
		unitOff := pos / unit * unit
		if pos+int(m.BitfieldSize) > unitOff+unit {
			unitOff = pos / 8 * 8
		}
		return []schema.Field{{Name: m.Name, CType: spelled(m.Type) + ":" + strconv.Itoa(int(m.BitfieldSize)), Kind: "bitfield",
			Offset: unitOff / 8, Size: size, BitOffset: pos - unitOff, BitSize: int(m.BitfieldSize)}}, nil
	}
	if off%8 != 0 {
		return nil, fmt.Errorf("not byte aligned")
	}
	f := schema.Field{Name: m.Name, CType: spelled(m.Type), Offset: int(off / 8)}
	switch v := t.(type) {
	case *btf.Struct, *btf.Union:
		var members []btf.Member
		var name string
		isUnion := false
		if s, ok := v.(*btf.Struct); ok {
			members, name = s.Members, s.Name
		} else {
			u := v.(*btf.Union)
			members, name, isUnion = u.Members, u.Name, true
		}
		if m.Name == "" { // anonymous member: its fields belong to the parent
			var out []schema.Field
			for _, in := range members {
				fs, err := convMember(in, off, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, fs...)
			}
			return out, nil
		}
		size, _ := btf.Sizeof(v)
		f.Size = size
		if isUnion {
			if kind, ctype, ok := collapsible(members); ok {
				f.Kind, f.CType = kind, ctype
				return []schema.Field{f}, nil
			}
		}
		f.Kind, f.Struct = "struct", name
	case *btf.Array:
		count, elem := 1, btf.Type(v)
		for a, ok := elem.(*btf.Array); ok; a, ok = elem.(*btf.Array) {
			count *= int(a.Nelems)
			elem = btf.UnderlyingType(a.Type)
		}
		size, err := btf.Sizeof(v)
		if err != nil {
			return nil, err
		}
		f.Size, f.Count = size, count
		switch e := elem.(type) {
		case *btf.Int:
			f.Kind = "uint"
			if e.Size == 1 && e.Encoding&btf.Char != 0 || e.Name == "char" {
				f.Kind = "cstring"
			}
		case *btf.Struct:
			f.Kind, f.Struct = "struct", e.Name
		case *btf.Pointer:
			f.Kind = "physaddr"
		default:
			f.Kind = "uint"
		}
		if f.Kind == "uint" && isPhys(v.Type) {
			f.Kind = "physaddr"
		}
	default:
		size, err := btf.Sizeof(v)
		if err != nil {
			return nil, err
		}
		f.Size, f.Kind = size, "uint"
		if isPhys(m.Type) {
			f.Kind = "physaddr"
		}
	}
	return []schema.Field{f}, nil
}

// collapsible reports a union of same-size scalars, such as
// DECLARE_KHOSER_PTR's { phys_addr_t phys; T *ptr; }.
func collapsible(members []btf.Member) (kind, ctype string, ok bool) {
	if len(members) == 0 {
		return "", "", false
	}
	size, phys := -1, false
	for _, m := range members {
		t := btf.UnderlyingType(m.Type)
		switch t.(type) {
		case *btf.Int, *btf.Pointer, *btf.Enum:
		default:
			return "", "", false
		}
		s, err := btf.Sizeof(t)
		if err != nil || m.BitfieldSize > 0 || (size >= 0 && s != size) {
			return "", "", false
		}
		size = s
		phys = phys || isPhys(m.Type)
	}
	kind, ctype = "uint", "union"
	if phys {
		kind = "physaddr"
	}
	if len(members) == 2 && members[0].Name == "phys" && members[1].Name == "ptr" {
		ctype = "DECLARE_KHOSER_PTR"
	}
	return kind, ctype, true
}

// alignOf returns the natural alignment of a type.
func alignOf(t btf.Type, depth int) int {
	if depth > 32 {
		return 1
	}
	switch v := btf.UnderlyingType(t).(type) {
	case *btf.Int:
		return max(int(v.Size), 1)
	case *btf.Enum:
		return max(int(v.Size), 1)
	case *btf.Pointer:
		return 8
	case *btf.Array:
		return alignOf(v.Type, depth+1)
	case *btf.Struct:
		a := 1
		for _, m := range v.Members {
			a = max(a, alignOf(m.Type, depth+1))
		}
		return a
	case *btf.Union:
		a := 1
		for _, m := range v.Members {
			a = max(a, alignOf(m.Type, depth+1))
		}
		return a
	}
	return 1
}

// naturallyAligned reports whether every member sits at its natural
// alignment and the size is a multiple of the struct's alignment; BTF
// does not record __packed, so a struct that is not is taken as packed.
func naturallyAligned(st *btf.Struct, depth int) bool {
	a := 1
	for _, m := range st.Members {
		ma := alignOf(m.Type, depth+1)
		a = max(a, ma)
		if m.BitfieldSize == 0 && int(m.Offset/8)%ma != 0 {
			return false
		}
	}
	return int(st.Size)%a == 0
}
