package abi

import "strings"

// generations is the registry in its stable order: KHO core, LUO, memfd,
// other clients; oldest first within each group.
var generations = []*Generation{
	genK1a, genK1b, genK2, genK3, genK4, genKRFCCompat,
	genLRFC, genLv4, genLv5, genLv6, genL619Pre, genL619, genLFLB,
	genLluoV2, genLluoV3, genLblk, genLluoV4, genLluoV5, genLRFCCompat, genLfeat,
	genM0, genM1, genM2a, genM2b, genM3, genM4,
	genMemblock, genKexecMetadata, genKhoTest,
}

// All returns every generation in a stable order: KHO core, LUO, memfd,
// then other KHO clients, oldest first within each group. The slice is a
// fresh copy; the generations themselves are shared and must not be
// modified.
func All() []*Generation {
	out := make([]*Generation, len(generations))
	copy(out, generations)
	return out
}

// Lookup returns the generation with the given tag.
func Lookup(tag Tag) (*Generation, bool) {
	for _, g := range generations {
		if g.Tag == tag {
			return g, true
		}
	}
	return nil, false
}

// ByCompatible returns every generation that writes the compatible string
// s, in registry order. The match is on the whole string: callers that
// hold a granular string such as "kho-v4;radix-v1;vmalloc-v1" may look up
// both the whole string and its base. Several generations can share one
// string (for example "kho-v1" is K1a and K1b; "memfd-v1" is M0 and M1),
// and the caller must tell them apart by other means.
func ByCompatible(s string) []*Generation {
	var out []*Generation
	for _, g := range generations {
		for _, c := range g.Compatibles {
			if c == s {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// ByCompatibleIn is ByCompatible restricted to the generations of
// component c: the KHO core generations of a root compatible, say, or the
// memfd generations of a LUO file handler string.
func ByCompatibleIn(c Component, s string) []*Generation {
	var out []*Generation
	for _, g := range ByCompatible(s) {
		if g.Component == c {
			out = append(out, g)
		}
	}
	return out
}

// CompatiblePrefix returns the longest prefix that the compatibles of all
// generations of component c share: "kho-v" for the KHO core, "memfd" for
// the memfd handler (its L-feat handler name included). A string with the
// prefix belongs to the component's family even when no generation writes
// it (a later "kho-v9"). It is "" when the component has no compatibles or
// they share nothing.
func CompatiblePrefix(c Component) string {
	var prefix string
	first := true
	for _, g := range generations {
		if g.Component != c {
			continue
		}
		for _, s := range g.Compatibles {
			if first {
				prefix, first = s, false
			}
			for !strings.HasPrefix(s, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
	}
	return prefix
}

// Struct returns the generation's struct with the given C name.
func (g *Generation) Struct(name string) (*Struct, bool) {
	for _, s := range g.Structs {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Constant returns the generation's constant with the given name.
func (g *Generation) Constant(name string) (Constant, bool) {
	for _, c := range g.Constants {
		if c.Name == name {
			return c, true
		}
	}
	return Constant{}, false
}

// Node returns the node of the generation's FDT fdt ("" for the main
// FDT) at path.
func (g *Generation) Node(fdt, path string) (*Node, bool) {
	for i := range g.Nodes {
		if g.Nodes[i].FDT == fdt && g.Nodes[i].Path == path {
			return &g.Nodes[i], true
		}
	}
	return nil, false
}

// Prop returns the node's property with the given name.
func (n *Node) Prop(name string) (*Prop, bool) {
	for i := range n.Props {
		if n.Props[i].Name == name {
			return &n.Props[i], true
		}
	}
	return nil, false
}

// Field returns the member called name. A dotted name such as
// "folios.first" or "file_set_ser.count" selects a member of an embedded
// struct; the result then carries the full dotted name and its offset
// from the start of s. The result is a copy: changing it does not change
// the registry.
func (s *Struct) Field(name string) (*Field, bool) {
	head, rest, nested := strings.Cut(name, ".")
	for i := range s.Fields {
		f := s.Fields[i]
		if f.Name != head {
			continue
		}
		if !nested {
			return &f, true
		}
		if f.Kind != KindStruct || f.Type == nil || f.Count != 0 {
			return nil, false
		}
		inner, ok := f.Type.Field(rest)
		if !ok {
			return nil, false
		}
		inner.Name = f.Name + "." + inner.Name
		inner.Offset += f.Offset
		return inner, true
	}
	return nil, false
}

// Leaves returns the members of s with every embedded scalar struct
// replaced by its own members, recursively, in declaration order. Leaf
// names are dotted ("folios.first") and offsets are from the start of s.
// Arrays of structs stay single leaves.
func (s *Struct) Leaves() []Field {
	var out []Field
	for _, f := range s.Fields {
		if f.Kind == KindStruct && f.Type != nil && f.Count == 0 {
			for _, in := range f.Type.Leaves() {
				in.Name = f.Name + "." + in.Name
				in.Offset += f.Offset
				out = append(out, in)
			}
			continue
		}
		out = append(out, f)
	}
	return out
}
