package luo

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// root is the path prefix of every decode error.
const root = "LUO"

// Decode decodes the LUO blob (the bytes the KHO client "LUO" points to)
// of generation gen, following physical addresses into m. gen "" detects
// the generation first (see Detect). A blob of another generation than gen
// fails with an error wrapping phys.ErrUnsupported. Errors are *phys.Error;
// since the blob's own physical address is unknown here, errors inside the
// blob carry phys.NoAddr and the blob offset. m may be nil when the state
// needs no memory beyond the blob.
func Decode(m phys.Memory, blob []byte, gen string) (*State, error) {
	return decode(m, blob, phys.NoAddr, gen)
}

// DecodeAt reads size bytes at physical address addr from m and decodes
// them like Decode; errors inside the blob then carry its physical
// address, and the state's Layout.BlobAddr is set.
func DecodeAt(m phys.Memory, addr, size uint64, gen string) (*State, error) {
	if m == nil {
		m = phys.NewImage()
	}
	blob, err := phys.Read(m, addr, size, root)
	if err != nil {
		return nil, err
	}
	return decode(m, blob, addr, gen)
}

func decode(m phys.Memory, blob []byte, addr uint64, gen string) (*State, error) {
	if m == nil {
		m = phys.NewImage()
	}
	d := &decoder{m: m, blob: blob, blobAddr: addr, claimed: map[uint64]string{}}
	if gen == "" {
		tag, _, err := detect(blob, m)
		if err != nil {
			return nil, err
		}
		gen = tag
	}
	l, ok := layouts[gen]
	if !ok {
		return nil, phys.Errorf(phys.ErrUnsupported, root, addr, -1, "no LUO generation %q", gen)
	}
	d.l = l
	d.st = &State{Generation: gen}
	if addr != phys.NoAddr {
		d.st.Layout.BlobAddr = addr
		if err := d.claim(addr, root); err != nil {
			return nil, err
		}
	}
	var err error
	switch l.kind {
	case kindRFC:
		err = d.rfc()
	case kindV4:
		err = d.v4()
	case kindFDT:
		err = d.fdtV1()
	case kindFDTSer:
		err = d.fdtLuoV2()
	case kindSer:
		err = d.rawSer()
	case kindFeat:
		err = d.feat()
	}
	if err != nil {
		return nil, err
	}
	return d.st, nil
}

// decoder carries one Decode call.
type decoder struct {
	m        phys.Memory
	blob     []byte
	blobAddr uint64 // phys.NoAddr when unknown
	l        *layout
	st       *State
	// claimed maps every array, block and blob the state references to
	// the path that first used it. A second reference is malformed (the
	// kernel would restore the same block twice), and refusing it also
	// bounds the work on chains that share blocks.
	claimed map[uint64]string
}

func (d *decoder) claim(addr uint64, path string) error {
	if prev, ok := d.claimed[addr]; ok {
		return phys.Errorf(phys.ErrMalformed, path, addr, -1, "memory at this address is already used by %s", prev)
	}
	d.claimed[addr] = path
	return nil
}

// blobPA returns the physical address of blob offset off, or NoAddr.
func (d *decoder) blobPA(off int) uint64 {
	if d.blobAddr == phys.NoAddr {
		return phys.NoAddr
	}
	return d.blobAddr + uint64(off)
}

// name decodes a NUL-terminated char array member of an entry at addr.
func name(f *abi.Field, b []byte, addr uint64, path string) (string, error) {
	s, terminated, _ := f.CString(b)
	if !terminated {
		return "", phys.Errorf(phys.ErrMalformed, path+"."+f.Name, addr, int64(f.Offset),
			"%d-byte %s holds no NUL", f.Size, f.Name)
	}
	return s, nil
}

// parseFDT parses an FDT blob strictly. A named root node (the L-v4
// session FDT and the L-RFC files FDT are created with one) is accepted
// when allowNamedRoot is set.
func parseFDT(b []byte, path string, addr uint64, allowNamedRoot bool) (*fdt.Tree, error) {
	t, err := fdt.Parse(b)
	if err == nil {
		return t, nil
	}
	var fe *fdt.Error
	if allowNamedRoot && errors.As(err, &fe) && fe.Code == fdt.ErrBadStructure {
		lt, problems := fdt.ParseLenient(b)
		ok := len(problems) > 0 && lt.Root().Valid()
		for _, p := range problems {
			if p.Code != fdt.ErrBadStructure || p.Offset != lt.Root().Offset() || lt.Root().Name() == "" {
				ok = false
			}
		}
		if ok {
			return lt, nil
		}
	}
	off := int64(-1)
	if errors.As(err, &fe) && fe.Offset >= 0 {
		off = int64(fe.Offset)
		if addr != phys.NoAddr {
			addr += uint64(fe.Offset)
		}
	}
	return nil, phys.Errorf(phys.ErrMalformed, path, addr, off, "%v", err)
}

// readFDT reads an FDT that a physical address points to: its header
// first, then totalsize bytes (bounded by what m holds).
func (d *decoder) readFDT(pa uint64, path string, allowNamedRoot bool) (*fdt.Tree, error) {
	h, err := phys.Read(d.m, pa, fdt.HeaderSize, path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(h, fdtMagic) {
		return nil, phys.Errorf(phys.ErrMalformed, path, pa, 0, "no FDT magic (% x)", h[:4])
	}
	size := uint64(h[4])<<24 | uint64(h[5])<<16 | uint64(h[6])<<8 | uint64(h[7])
	if size < fdt.HeaderSize {
		return nil, phys.Errorf(phys.ErrMalformed, path, pa, 4, "totalsize %d is smaller than the header", size)
	}
	b, err := phys.Read(d.m, pa, size, path)
	if err != nil {
		return nil, err
	}
	return parseFDT(b, path, pa, allowNamedRoot)
}

var fdtMagic = []byte{0xd0, 0x0d, 0xfe, 0xed}

// fdtNodePath turns an FDT node path into a decode path ("LUO/luo-session").
func fdtNodePath(prefix string, n fdt.Node) string {
	p := n.Path()
	if p == "/" {
		return prefix
	}
	return prefix + p
}

// propU64 reads a u64 LE property that must be exactly 8 bytes.
func (d *decoder) propU64(n fdt.Node, prefix, prop string, baseAddr uint64) (uint64, error) {
	return d.propU64Kind(n, prefix, prop, abi.PropU64, baseAddr)
}

// propU64Kind reads an 8-byte u64 property in the byte order of the
// registry kind k: big-endian for abi.PropU64BE, little-endian otherwise.
func (d *decoder) propU64Kind(n fdt.Node, prefix, prop string, k abi.PropKind, baseAddr uint64) (uint64, error) {
	path := fdtNodePath(prefix, n) + "." + prop
	p, ok := n.Property(prop)
	if !ok {
		return 0, phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, int64(n.Offset()), "property is missing")
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
			"value is %d bytes, want 8", len(p.Value))
	}
	return v, nil
}

// checkCompatible requires node n's compatible to list want: a missing or
// malformed property is malformed, another string is unsupported.
func checkCompatible(n fdt.Node, prefix, want string, baseAddr uint64) (string, error) {
	path := fdtNodePath(prefix, n) + ".compatible"
	p, ok := n.Property("compatible")
	if !ok {
		return "", phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, int64(n.Offset()), "property is missing")
	}
	list, err := p.Strings()
	addr := phys.NoAddr
	if baseAddr != phys.NoAddr {
		addr = baseAddr + uint64(p.ValueOffset())
	}
	if err != nil || len(list) == 0 {
		return "", phys.Errorf(phys.ErrMalformed, path, addr, int64(p.ValueOffset()), "not a string list")
	}
	for _, s := range list {
		if s == want {
			return s, nil
		}
	}
	return list[0], phys.Errorf(phys.ErrUnsupported, path, addr, int64(p.ValueOffset()), "%q, want %q", list[0], want)
}

func sessionPath(i int) string             { return fmt.Sprintf("%s/sessions[%d]", root, i) }
func filePath(prefix string, j int) string { return fmt.Sprintf("%s.files[%d]", prefix, j) }
