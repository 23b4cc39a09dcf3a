package kho

import (
	"bytes"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// MemblockPath is the path prefix of errors about the memblock client FDT.
const MemblockPath = "memblock"

// memblock client FDT (docs/abi/generations.md §3.1), from the registry.
var (
	memblockCompatible = abi.MustNode("memblock", "/").Compatible
	regionCompatible   = abi.MustNode("memblock", "/<region>").Compatible
	propRegionStart    = mustProp("memblock", "/<region>", abi.PropPhysAddr)
	propRegionSize     = mustProp("memblock", "/<region>", abi.PropSize)
	memblockFDTSize    = abi.PageSize
)

// Memblock is the decoded FDT of the "memblock" KHO client: the
// reserve_mem= regions of the previous kernel.
type Memblock struct {
	// Compatible is the root compatible ("memblock-v1").
	Compatible string
	// Regions are the region nodes in blob (table) order.
	Regions []MemblockRegion
	// Tree is the parsed blob (nil for a value built by hand).
	Tree *fdt.Tree
}

// MemblockRegion is one reserve_mem= region node.
type MemblockRegion struct {
	Name       string // node name: the reserve_mem= name
	Compatible string // "reserve-mem-v1"
	Start      uint64 // start PA
	Size       uint64 // length in bytes
}

// DecodeMemblock decodes a memblock client FDT. Errors are *phys.Error
// with CheckMemblock, paths like "memblock/trace.start" and the value's
// byte offset; a root or region compatible other than memblock-v1 /
// reserve-mem-v1 wraps phys.ErrUnsupported. It stops at the first problem
// and then returns a nil Memblock.
func DecodeMemblock(blob []byte) (*Memblock, error) {
	t, compat, err := parseClient(blob, MemblockPath, memblockCompatible, CheckMemblock)
	if err != nil {
		return nil, err
	}
	mb := &Memblock{Tree: t, Compatible: compat}
	var perr *phys.Error
	for n := range t.Root().Children() {
		path := MemblockPath + "/" + n.Name()
		r := MemblockRegion{Name: n.Name()}
		if r.Compatible, perr = compatibleOf(n, path, regionCompatible, CheckMemblock); perr != nil {
			return nil, perr
		}
		if r.Start, perr = requiredU64(n, path, propRegionStart, CheckMemblock); perr != nil {
			return nil, perr
		}
		if r.Size, perr = requiredU64(n, path, propRegionSize, CheckMemblock); perr != nil {
			return nil, perr
		}
		mb.Regions = append(mb.Regions, r)
	}
	return mb, nil
}

// parseClient parses a client's FDT blob strictly and checks its root
// compatible against want; problems carry check c and name path.
func parseClient(blob []byte, path, want string, c phys.Check) (*fdt.Tree, string, error) {
	t, err := fdt.Parse(blob)
	if err != nil {
		return nil, "", fdtErr(path, err, c)
	}
	compat, perr := compatibleOf(t.Root(), path, want, c)
	if perr != nil {
		return nil, "", perr
	}
	return t, compat, nil
}

// compatibleOf reads a node's single-string compatible and checks it
// against want (ErrUnsupported on a mismatch); problems carry check c.
func compatibleOf(n fdt.Node, path, want string, c phys.Check) (string, *phys.Error) {
	p, ok := n.Property(propCompatible)
	if !ok {
		return "", rootErr(phys.ErrMalformed, path+"."+propCompatible, n.Offset(), "node has no compatible").With(c)
	}
	s, err := p.String()
	if err != nil {
		return "", rootErr(phys.ErrMalformed, path+"."+propCompatible, p.ValueOffset(), "not a single string").With(c)
	}
	if s != want {
		return s, rootErr(phys.ErrUnsupported, path+"."+propCompatible, p.ValueOffset(), "compatible %q, want %q", s, want).With(c)
	}
	return s, nil
}

// requiredU64 reads a mandatory 8-byte little-endian property; problems
// carry check c.
func requiredU64(n fdt.Node, path, name string, c phys.Check) (uint64, *phys.Error) {
	p, ok := n.Property(name)
	if !ok {
		return 0, rootErr(phys.ErrMalformed, path+"."+name, n.Offset(), "node has no %s", name).With(c)
	}
	return u64Prop(p, path+"."+name, c)
}

// Encode writes the FDT as mm/memblock.c does (sequential-write mode in
// one page: compatible, then per region a node with compatible, start and
// size) and returns the exact blob and the whole page. Empty compatible
// strings are replaced by the standard ones.
func (mb *Memblock) Encode() (blob, page []byte, err error) {
	w := fdt.NewSeqWriter(memblockFDTSize)
	w.FinishReserveMap()
	w.BeginNode("")
	w.PropertyString(propCompatible, cmpOr(mb.Compatible, memblockCompatible))
	for _, r := range mb.Regions {
		w.BeginNode(r.Name)
		w.PropertyString(propCompatible, cmpOr(r.Compatible, regionCompatible))
		w.PropertyU64LE(propRegionStart, r.Start)
		w.PropertyU64LE(propRegionSize, r.Size)
		w.EndNode()
	}
	w.EndNode()
	if blob, err = w.Finish(); err != nil {
		return nil, nil, fmt.Errorf("kho: encode memblock: %w", err)
	}
	return blob, bytes.Clone(w.Buffer()), nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
