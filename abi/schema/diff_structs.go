package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

func (d *differ) structs() {
	var removed, added []*Struct
	for _, sa := range d.ca.Structs {
		sb := findStruct(d.cb, sa.Name)
		if sb == nil {
			removed = append(removed, sa)
			continue
		}
		d.structPair(sa, sb, sa.Name)
	}
	for _, sb := range d.cb.Structs {
		if findStruct(d.ca, sb.Name) == nil {
			added = append(added, sb)
		}
	}
	// A removed and an added struct of the same size and member names are
	// one struct under a new C name: compare their layouts.
	for _, sa := range removed {
		paired := false
		for i, sb := range added {
			if sa.Size == sb.Size && sameFieldNames(sa, sb) {
				gOld, gNew := structGov(d.ca, sa.Name), structGov(d.cb, sb.Name)
				d.add(Finding{Kind: KindStructRenamed, Class: Info, Subject: "struct " + sb.Name, Old: sa.Name, New: sb.Name,
					Message: fmt.Sprintf("struct %s is now called %s (names are not on the wire)", sa.Name, sb.Name)}, gOld, gNew)
				d.structPair(sa, sb, sb.Name)
				added = append(added[:i], added[i+1:]...)
				paired = true
				break
			}
		}
		if !paired {
			d.onlyOne(Finding{Kind: KindStructRemoved, Class: Breaking, Subject: "struct " + sa.Name, Old: strconv.Itoa(sa.Size) + " bytes",
				Message: fmt.Sprintf("struct %s (%d bytes) is gone", sa.Name, sa.Size)}, structGov(d.ca, sa.Name), structGov(d.cb, sa.Name))
		}
	}
	for _, sb := range added {
		d.onlyOne(Finding{Kind: KindStructAdded, Class: Compatible, Subject: "struct " + sb.Name, New: strconv.Itoa(sb.Size) + " bytes",
			Message: fmt.Sprintf("new struct %s (%d bytes)", sb.Name, sb.Size)}, "", "")
	}
}

func findStruct(c *Component, name string) *Struct {
	for _, s := range c.Structs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func sameFieldNames(a, b *Struct) bool {
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	names := map[string]bool{}
	for _, f := range a.Fields {
		names[f.Name] = true
	}
	for _, f := range b.Fields {
		if !names[f.Name] {
			return false
		}
	}
	return true
}

// typeFamily groups wire types whose change is a re-type rather than a
// resize.
func typeFamily(t string) string {
	switch {
	case strings.HasPrefix(t, "struct "):
		name, _, _ := strings.Cut(strings.TrimPrefix(t, "struct "), "[")
		return "struct " + name
	case strings.HasPrefix(t, "char["):
		return "char"
	case strings.HasPrefix(t, "u") && strings.Contains(t, ":"):
		return "bitfield"
	}
	return "int"
}

// wireKind folds the kinds that only differ in meaning, not in bytes.
func wireKind(k string) string {
	switch k {
	case "uint", "physaddr", "bitmap":
		return "int"
	}
	return k
}

// structPair compares two versions of one struct; subject is the name
// used in findings.
func (d *differ) structPair(sa, sb *Struct, subject string) {
	gOld, gNew := structGov(d.ca, sa.Name), structGov(d.cb, sb.Name)
	add := func(f Finding) { d.add(f, gOld, gNew) }
	if sa.Size != sb.Size {
		add(Finding{Kind: KindStructResized, Class: Breaking, Subject: "struct " + subject, Old: strconv.Itoa(sa.Size), New: strconv.Itoa(sb.Size),
			Message: fmt.Sprintf("struct %s size %d -> %d", subject, sa.Size, sb.Size)})
	}
	if sa.Packed != sb.Packed && d.a.Origin != OriginBTF && d.b.Origin != OriginBTF { // BTF does not record packing
		add(Finding{Kind: KindStructPacking, Class: Info, Subject: "struct " + subject, Old: packedStr(sa.Packed), New: packedStr(sb.Packed),
			Message: fmt.Sprintf("struct %s packing attribute changed (offsets are compared separately)", subject)})
	}
	var removed []Field
	matched := map[string]bool{}
	for _, fa := range sa.Fields {
		fb, ok := sb.Field(fa.Name)
		if !ok {
			removed = append(removed, fa)
			continue
		}
		matched[fa.Name] = true
		d.fieldPair(subject, fa, *fb, add)
	}
	var added []Field
	for _, fb := range sb.Fields {
		if !matched[fb.Name] {
			added = append(added, fb)
		}
	}
	for _, fa := range removed {
		if fb, ok := takeRenamed(&added, func(fb Field) bool {
			return fa.Type == fb.Type && fa.Offset == fb.Offset && fa.BitPos() == fb.BitPos() && fa.Size == fb.Size
		}); ok {
			add(Finding{Kind: KindFieldRenamed, Class: Info, Subject: subject + "." + fb.Name, Old: fa.Name, New: fb.Name,
				Message: fmt.Sprintf("%s.%s is now called %s (same bytes)", subject, fa.Name, fb.Name)})
		} else {
			add(Finding{Kind: KindFieldRemoved, Class: Breaking, Subject: subject + "." + fa.Name, Old: fieldDesc(fa),
				Message: fmt.Sprintf("%s.%s (%s) is gone", subject, fa.Name, fieldDesc(fa))})
		}
	}
	for _, fb := range added {
		c := Compatible
		if fb.Offset < sa.Size {
			c = Breaking // the bytes it occupies meant something else, or were reserved
		}
		add(Finding{Kind: KindFieldAdded, Class: c, Subject: subject + "." + fb.Name, New: fieldDesc(fb),
			Message: fmt.Sprintf("new member %s.%s (%s)", subject, fb.Name, fieldDesc(fb))})
	}
}

func packedStr(p bool) string {
	if p {
		return "packed"
	}
	return "natural"
}

// fieldDesc is "u64 @16" or "u64:8 @16 bits 0..7".
func fieldDesc(f Field) string {
	if f.BitSize > 0 {
		return fmt.Sprintf("%s @%d bits %d..%d", f.Type, f.Offset, f.BitOffset, f.BitOffset+f.BitSize-1)
	}
	return fmt.Sprintf("%s @%d", f.Type, f.Offset)
}

// bitRange is the absolute bit range of a bitfield.
func bitRange(f Field) string {
	return fmt.Sprintf("bits %d..%d", f.BitPos(), f.BitPos()+f.BitSize-1)
}

func (d *differ) fieldPair(subject string, fa, fb Field, add func(Finding)) {
	name := subject + "." + fa.Name
	famA, famB := typeFamily(fa.Type), typeFamily(fb.Type)
	switch {
	case famA == "bitfield" && famB == "bitfield":
		if fa.BitPos() != fb.BitPos() || fa.BitSize != fb.BitSize || fa.Size != fb.Size {
			add(Finding{Kind: KindBitfieldMoved, Class: Breaking, Subject: name, Old: bitRange(fa), New: bitRange(fb),
				Message: fmt.Sprintf("bitfield %s moved: %s (%s) -> %s (%s)", name, bitRange(fa), fa.Type, bitRange(fb), fb.Type)})
		}
		return
	case famA != famB:
		add(Finding{Kind: KindFieldRetyped, Class: Breaking, Subject: name, Old: fieldDesc(fa), New: fieldDesc(fb),
			Message: fmt.Sprintf("%s re-typed: %s -> %s", name, fieldDesc(fa), fieldDesc(fb))})
		return
	}
	if fa.Offset != fb.Offset {
		add(Finding{Kind: KindFieldMoved, Class: Breaking, Subject: name, Old: strconv.Itoa(fa.Offset), New: strconv.Itoa(fb.Offset),
			Message: fmt.Sprintf("%s moved: offset %d -> %d", name, fa.Offset, fb.Offset)})
	}
	if fa.Type != fb.Type || fa.Size != fb.Size {
		add(Finding{Kind: KindFieldResized, Class: Breaking, Subject: name, Old: fa.Type, New: fb.Type,
			Message: fmt.Sprintf("%s resized: %s (%d bytes) -> %s (%d bytes)", name, fa.Type, fa.Size, fb.Type, fb.Size)})
		return
	}
	if wireKind(fa.Kind) != wireKind(fb.Kind) {
		add(Finding{Kind: KindFieldRetyped, Class: Breaking, Subject: name, Old: fa.Kind, New: fb.Kind,
			Message: fmt.Sprintf("%s changed kind: %s -> %s", name, fa.Kind, fb.Kind)})
		return
	}
	if fa.Kind != fb.Kind || (fa.CType != fb.CType && fa.CType != "" && fb.CType != "") {
		add(Finding{Kind: KindFieldSpelling, Class: Info, Subject: name, Old: fa.CType + " (" + fa.Kind + ")", New: fb.CType + " (" + fb.Kind + ")",
			Message: fmt.Sprintf("%s spelled differently, same bytes", name)})
	}
}

// takeRenamed removes from *added and returns its first element that same
// accepts as a removed item under another name; ok is false when none is.
func takeRenamed[T any](added *[]T, same func(T) bool) (t T, ok bool) {
	i := slices.IndexFunc(*added, same)
	if i < 0 {
		return t, false
	}
	t = (*added)[i]
	*added = slices.Delete(*added, i, i+1)
	return t, true
}
