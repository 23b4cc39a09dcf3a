package schema

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// FromRegistry builds a snapshot from a generation tag or a combination
// of tags joined by '+', such as "K4+L-luo-v5+M2b". A combination may
// hold at most one generation per component, except for other KHO
// clients (memblock, kexec-metadata, kho_test), which combine freely.
func FromRegistry(spec string) (*Snapshot, error) {
	var gens []*abi.Generation
	for _, tag := range strings.Split(spec, "+") {
		tag = strings.TrimSpace(tag)
		g, ok := abi.Lookup(abi.Tag(tag))
		if !ok {
			return nil, fmt.Errorf("unknown generation %q", tag)
		}
		gens = append(gens, g)
	}
	return FromGenerations(spec, gens...)
}

// IsRegistrySpec reports whether spec names registry generations.
func IsRegistrySpec(spec string) bool {
	for _, tag := range strings.Split(spec, "+") {
		if _, ok := abi.Lookup(abi.Tag(strings.TrimSpace(tag))); !ok {
			return false
		}
	}
	return spec != ""
}

// FromGenerations builds a snapshot from registry generations; source
// becomes Snapshot.Source.
func FromGenerations(source string, gens ...*abi.Generation) (*Snapshot, error) {
	if len(gens) == 0 {
		return nil, fmt.Errorf("no generations")
	}
	b := NewBuilder(source, OriginRegistry, SectionCompatibles, SectionNodes, SectionStructs, SectionConstants, SectionRoots)
	seen := map[abi.Component]abi.Tag{}
	for _, g := range gens {
		if g.Component != abi.ComponentClient {
			if prev, dup := seen[g.Component]; dup {
				return nil, fmt.Errorf("%s and %s are both %s generations; combine one per component", prev, g.Tag, g.Component)
			}
			seen[g.Component] = g.Tag
		}
		addGeneration(b, g)
	}
	return b.Done(), nil
}

func compName(c abi.Component) string {
	switch c {
	case abi.ComponentKHO:
		return CompKHO
	case abi.ComponentLUO:
		return CompLUO
	case abi.ComponentMemfd:
		return CompMemfd
	}
	return CompClient
}

func addGeneration(b *Builder, g *abi.Generation) {
	c := b.comp(compName(g.Component))
	c.Generations = append(c.Generations, g.Tag.String())
	for _, s := range g.Compatibles {
		if !containsStr(c.Compatibles, s) {
			c.Compatibles = append(c.Compatibles, s)
		}
	}
	if g.Root != "" && g.Component != abi.ComponentClient {
		c.Root = g.Root
	}
	for _, n := range g.Nodes {
		sn := Node{FDT: n.FDT, Path: n.Path, Compatible: n.Compatible, Required: n.Required, Repeated: n.Repeated, Doc: n.Meaning}
		if g.Component == abi.ComponentClient && sn.FDT == "" {
			sn.FDT = g.KHONode
		}
		for _, p := range n.Props {
			sn.Props = append(sn.Props, Prop{Name: p.Name, Kind: p.Kind.String(), Size: p.Size, Required: p.Required, Struct: p.Struct, Doc: p.Meaning})
		}
		c.Nodes = append(c.Nodes, sn)
	}
	for _, k := range g.Constants {
		b.AddConstant(c.Name, Constant{Name: k.Name, Value: k.Value, Doc: k.Meaning})
	}
	seen := map[*abi.Struct]bool{}
	var walk func(st *abi.Struct)
	walk = func(st *abi.Struct) {
		if st == nil || seen[st] {
			return
		}
		seen[st] = true
		b.AddStruct(fromRegistryStruct(st))
		for _, f := range st.Fields {
			walk(f.Type)
		}
	}
	for _, st := range g.Structs {
		walk(st)
	}
}

func fromRegistryStruct(st *abi.Struct) *Struct {
	out := &Struct{Name: st.Name, Size: st.Size, Packed: st.Packed, Doc: st.Meaning, Fields: []Field{}}
	for _, f := range st.Fields {
		sf := Field{Name: f.Name, CType: f.CType, Kind: f.Kind.String(), Offset: f.Offset, Size: f.Size, Count: f.Count,
			BitOffset: f.BitOffset, BitSize: f.BitSize, Doc: f.Meaning}
		if f.Type != nil {
			sf.Struct = f.Type.Name
		}
		sf.Type = wireType(sf.Kind, sf.Size, sf.Count, sf.BitSize, sf.Struct)
		out.Fields = append(out.Fields, sf)
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
