package kho

import (
	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// Property names and constants of the KHO root, taken from the registry.
var (
	propCompatible = "compatible"
	propMemoryMap  = mustProp("K1a", "/", abi.PropPhysAddr)
	propBlobSize   = mustProp("K3", "/<client>", abi.PropSize)
	rootFDTSize    = int(abi.MustConstant("K1a", "root-fdt-size"))
	// compatibleFamily starts every KHO root compatible ("kho-v").
	compatibleFamily = abi.CompatiblePrefix(abi.ComponentKHO)
)

// mustProp returns the name of the first property of kind k of node path
// in generation tag's main FDT. A miss is a programming error.
func mustProp(tag, path string, k abi.PropKind) string {
	for _, p := range abi.MustNode(abi.Tag(tag), path).Props {
		if p.Kind == k {
			return p.Name
		}
	}
	panic("kho: node " + path + " of " + tag + " has no property of kind " + k.String())
}

// maxOrder is the largest block order whose size, PAGE_SIZE << order, and
// addresses fit in 64 bits. The kernel does not bound orders read from a
// map; a decoder must.
const maxOrder = 63 - abi.PageShift

// heldBytes returns how many bytes m holds, saturating at 2^64-1. Decoders
// use it as their read budget: a well-formed map never reads the same byte
// twice, so it never reads more than the source holds.
func heldBytes(m phys.Memory) uint64 { return phys.Total(m.Ranges()) }

// budget charges reads against the bytes a source holds.
type budget struct {
	left uint64
}

func newBudget(m phys.Memory) *budget { return &budget{left: heldBytes(m)} }

// read reads n bytes at addr after charging them; it fails with ErrLimit
// (CheckMemmap: only the memory-map decoders keep a budget) when the
// budget is spent. Memory the source does not hold is reported
// as unresolved first: it cannot be what exhausted the budget.
func (b *budget) read(m phys.Memory, addr, n uint64, path string) ([]byte, error) {
	if !phys.Holds(m, addr, n) {
		return phys.Read(m, addr, n, path)
	}
	if n > b.left {
		return nil, phys.Errorf(phys.ErrLimit, path, addr, -1,
			"reading %d more bytes would exceed the %d bytes the source holds (shared or overlapping pages)", n, b.left).With(CheckMemmap)
	}
	data, err := phys.Read(m, addr, n, path)
	if err != nil {
		return nil, err
	}
	b.left -= n
	return data, nil
}
