package memfd

import (
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// DescriptorSize returns the length of f's descriptor in bytes: the
// FDT's totalsize for M0, the size of the generation's struct
// memfd_luo_ser for M1 to M4, and 0 for a generation this package does
// not know.
func (f *File) DescriptorSize() uint64 {
	if f.FDT != nil {
		return uint64(f.FDT.TotalSize)
	}
	if l, ok := serLayouts[f.Generation]; ok {
		return uint64(l.s.Size)
	}
	return 0
}

// HasField reports whether f's generation has the descriptor member name,
// so that a renderer can leave out fields a generation does not have (M1
// has no seals and no flags, though File.Seals and File.Flags read 0).
//
// For M1 to M4 it answers from the registry's struct memfd_luo_ser of
// f.Generation; a dotted name ("folios.first", "features.req") selects a
// member of an embedded struct. For M0, a per-memfd FDT, it answers from
// the properties of the registry's root node: "pos", "size" and "folios"
// (required) always, and the optional "nr_folios" only when the decoded
// FDT carries it (or, for a File not decoded from an FDT, f.FDT nil, when
// the registry lists it). An unknown generation has no fields.
func (f *File) HasField(name string) bool {
	g, ok := abi.Lookup(f.Generation)
	if !ok || g.Component != abi.ComponentMemfd {
		return false
	}
	if f.Generation != M0 {
		s, ok := g.Struct("memfd_luo_ser")
		if !ok {
			return false
		}
		_, ok = s.Field(name)
		return ok
	}
	if strings.Contains(name, ".") {
		return false
	}
	n, ok := g.Node("", "/")
	if !ok {
		return false
	}
	p, ok := n.Prop(name)
	switch {
	case !ok:
		return false
	case p.Required || f.FDT == nil:
		return true
	case p.Name == m0PropNrFolio.Name:
		return f.FDT.HasNrFolios
	}
	return true
}
