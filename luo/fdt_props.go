package luo

import (
	"errors"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// parseFDT parses an FDT blob strictly. A named root node (the L-v4
// session FDT and the L-RFC files FDT are created with one) is accepted
// when allowNamedRoot is set. Its errors carry CheckStructure.
func parseFDT(b []byte, path string, addr uint64, allowNamedRoot bool) (*fdt.Tree, error) {
	t, err := fdt.Parse(b)
	if err == nil {
		return t, nil
	}
	var fe *fdt.Error
	if allowNamedRoot && errors.As(err, &fe) && fe.Code == fdt.ErrBadStructure {
		lt, problems := fdt.ParseLenient(b)
		ok := len(problems) > 0 && lt != nil && lt.Root().Valid()
		for _, p := range problems {
			if !ok || p.Code != fdt.ErrBadStructure || p.Offset != lt.Root().Offset() || lt.Root().Name() == "" {
				ok = false
				break
			}
		}
		if ok {
			return lt, nil
		}
	}
	pe := phys.FDTError(err, path, addr).With(CheckStructure)
	if pe.Offset >= 0 && addr != phys.NoAddr {
		pe.Addr += uint64(pe.Offset) // the offending byte itself
	}
	return nil, pe
}

// readFDT reads an FDT that a physical address points to: its header
// first, then totalsize bytes (bounded by what m holds). Its problems
// other than unresolved memory carry check c.
func (d *decoder) readFDT(pa uint64, path string, allowNamedRoot bool, c phys.Check) (*fdt.Tree, error) {
	h, err := phys.Read(d.m, pa, fdt.HeaderSize, path)
	if err != nil {
		return nil, err
	}
	total, ok := fdt.TotalSize(h)
	if !ok {
		return nil, phys.Errorf(phys.ErrMalformed, path, pa, 0, "no FDT magic (% x)", h[:4]).With(c)
	}
	size := uint64(total)
	if size < fdt.HeaderSize {
		return nil, phys.Errorf(phys.ErrMalformed, path, pa, 4, "totalsize %d is smaller than the header", size).With(c)
	}
	b, err := phys.Read(d.m, pa, size, path)
	if err != nil {
		return nil, err
	}
	t, err := parseFDT(b, path, pa, allowNamedRoot)
	if err != nil {
		if pe, ok := err.(*phys.Error); ok {
			pe.With(c)
		}
		return nil, err
	}
	return t, nil
}

// fdtNodePath turns an FDT node path into a decode path ("LUO/luo-session").
func fdtNodePath(prefix string, n fdt.Node) string {
	p := n.Path()
	if p == "/" {
		return prefix
	}
	return prefix + p
}

// propU64 reads a u64 LE property that must be exactly 8 bytes; a missing
// or malformed property is a problem with check c.
func propU64(n fdt.Node, prefix, prop string, baseAddr uint64, c phys.Check) (uint64, *phys.Error) {
	return propU64Kind(n, prefix, prop, abi.PropU64, baseAddr, c)
}

// propU64Kind reads an 8-byte u64 property in the byte order of the
// registry kind k: big-endian for abi.PropU64BE, little-endian otherwise.
func propU64Kind(n fdt.Node, prefix, prop string, k abi.PropKind, baseAddr uint64, c phys.Check) (uint64, *phys.Error) {
	path := fdtNodePath(prefix, n) + "." + prop
	p, ok := n.Property(prop)
	if !ok {
		return 0, phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, int64(n.Offset()), "property is missing").With(c)
	}
	var v uint64
	var err error
	if k == abi.PropU64BE {
		v, err = p.U64BE()
	} else {
		v, err = p.U64LE()
	}
	if err != nil {
		addr := phys.NoAddr
		if baseAddr != phys.NoAddr {
			addr = baseAddr + uint64(p.ValueOffset())
		}
		return 0, phys.Errorf(phys.ErrMalformed, path, addr, int64(p.ValueOffset()),
			"value is %d bytes, want 8", len(p.Value)).With(c)
	}
	return v, nil
}

// checkCompatible requires node n's compatible to list want: a missing or
// malformed property is malformed, another string is unsupported; the
// problem carries check c. It returns the compatible found (want, the
// first other string, or "").
func checkCompatible(n fdt.Node, prefix, want string, baseAddr uint64, c phys.Check) (string, *phys.Error) {
	path := fdtNodePath(prefix, n) + ".compatible"
	p, ok := n.Property("compatible")
	if !ok {
		return "", phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, int64(n.Offset()), "property is missing").With(c)
	}
	list, err := p.Strings()
	addr := phys.NoAddr
	if baseAddr != phys.NoAddr {
		addr = baseAddr + uint64(p.ValueOffset())
	}
	if err != nil || len(list) == 0 {
		return "", phys.Errorf(phys.ErrMalformed, path, addr, int64(p.ValueOffset()), "not a string list").With(c)
	}
	for _, s := range list {
		if s == want {
			return s, nil
		}
	}
	return list[0], phys.Errorf(phys.ErrUnsupported, path, addr, int64(p.ValueOffset()), "%q, want %q", list[0], want).With(c)
}
