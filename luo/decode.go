package luo

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// root is the path prefix of every decode error.
const root = "LUO"

// Decode decodes the LUO blob (the bytes the KHO client "LUO" points to)
// of generation gen, following physical addresses into m. gen "" detects
// the generation first (see Detect, with the KHO generation unknown).
//
// Decode keeps going past problems: whenever the generation is known
// (given, or detected) it returns a State decoded as far as the bytes
// allow, together with an error that is nil or an errors.Join of
// *phys.Error problems, each with a Check (see checks.go), a Path naming
// the place in the state, the physical address (phys.NoAddr for none) and
// the offset. Problems of memory the source does not hold wrap
// phys.ErrUnresolved and carry no check; problems of KHO block chains come
// from package kho as it raises them. At most maxProblems problems are
// listed. The State is nil only when no generation can be determined.
// Since the blob's own physical address is unknown here, problems inside
// the blob carry phys.NoAddr and the blob offset. m may be nil when the
// state needs no memory beyond the blob.
func Decode(m phys.Memory, blob []byte, gen abi.Tag) (*State, error) {
	return decode(m, blob, phys.NoAddr, gen)
}

// DecodeBlob decodes blob, a copy of the LUO blob that sits at physical
// address addr (as debugfs shows it), like Decode; problems inside the blob
// and the state's Layout.BlobAddr then carry addr.
func DecodeBlob(m phys.Memory, blob []byte, addr uint64, gen abi.Tag) (*State, error) {
	return decode(m, blob, addr, gen)
}

// DecodeAt reads size bytes at physical address addr from m and decodes
// them like Decode; problems inside the blob then carry its physical
// address, and the state's Layout.BlobAddr is set. The State is nil when
// the blob cannot be read or no generation can be determined.
func DecodeAt(m phys.Memory, addr, size uint64, gen abi.Tag) (*State, error) {
	if m == nil {
		m = phys.NewImage()
	}
	blob, err := phys.Read(m, addr, size, root)
	if err != nil {
		return nil, err
	}
	return decode(m, blob, addr, gen)
}

func decode(m phys.Memory, blob []byte, addr uint64, gen abi.Tag) (*State, error) {
	if m == nil {
		m = phys.NewImage()
	}
	d := &decoder{m: m, blob: blob, blobAddr: addr, claimed: map[uint64]string{}}
	if gen == "" {
		det, err := detect(blob, m, "")
		if det.Tag == "" {
			return nil, err
		}
		gen = det.Tag
	}
	l, ok := layouts[gen]
	if !ok {
		return nil, phys.Errorf(phys.ErrUnsupported, root, addr, -1, "no LUO generation %q", gen).With(CheckCompatible)
	}
	d.l = l
	d.st = &State{Generation: gen}
	if addr != phys.NoAddr {
		d.st.Layout.BlobAddr = addr
		d.claim(addr, root)
	}
	switch l.kind {
	case kindRFC:
		d.rfc()
	case kindV4:
		d.v4()
	case kindFDT:
		d.fdtV1()
	case kindFDTSer:
		d.fdtLuoV2()
	case kindSer:
		d.rawSer()
	case kindFeat:
		d.feat()
	}
	return d.st, d.err()
}

// decoder carries one Decode call.
type decoder struct {
	problems
	m        phys.Memory
	blob     []byte
	blobAddr uint64 // phys.NoAddr when unknown
	l        *layout
	st       *State
	// claimed maps every array, block and blob the state references to
	// the path that first used it. A second reference is malformed (the
	// kernel would restore the same block twice) and is not followed,
	// which also bounds the work on chains that share blocks.
	claimed map[uint64]string
}

// claim records that path uses the memory at addr. When another part
// already uses it, claim reports a CheckShared problem and returns false:
// the caller must not decode the memory again.
func (d *decoder) claim(addr uint64, path string) bool {
	if prev, ok := d.claimed[addr]; ok {
		d.report(phys.Errorf(phys.ErrMalformed, path, addr, -1, "memory at this address is already used by %s", prev), CheckShared)
		return false
	}
	d.claimed[addr] = path
	return true
}

// read reads n bytes at addr, reporting memory the source does not hold.
func (d *decoder) read(addr, n uint64, path string) ([]byte, bool) {
	b, err := phys.Read(d.m, addr, n, path)
	if err != nil {
		d.add(err)
		return nil, false
	}
	return b, true
}

// entries reads count entries of stride bytes at base (count must be
// bounded by a checked capacity). When the source does not hold them all
// it reports that and returns the leading entries it holds.
func (d *decoder) entries(base, count, stride uint64, path string) [][]byte {
	var out [][]byte
	b, err := phys.Read(d.m, base, count*stride, path)
	if err != nil {
		d.add(err)
		for i := uint64(0); i < count; i++ {
			a := base + i*stride
			if a < base {
				break
			}
			e, err := phys.Read(d.m, a, stride, path)
			if err != nil {
				break
			}
			out = append(out, e)
		}
		return out
	}
	for i := uint64(0); i < count; i++ {
		out = append(out, b[i*stride:(i+1)*stride])
	}
	return out
}

// cappedEntries reads count entries of stride bytes at base, at most
// capacity of them: a larger count is reported by over, and the entries
// are then cut before the first unused one (see beforeUnused).
func (d *decoder) cappedEntries(base, count, capacity, stride uint64, path string, over func()) [][]byte {
	if count <= capacity {
		return d.entries(base, count, stride, path)
	}
	over()
	return beforeUnused(d.entries(base, capacity, stride, path))
}

// beforeUnused cuts entries read past a count that exceeded its capacity
// at the first all-zero entry: the kernel refuses such a count, and the
// slots no producer wrote are no entries, only noise around the damage.
func beforeUnused(entries [][]byte) [][]byte {
	for i, e := range entries {
		if allZero(e) {
			return entries[:i]
		}
	}
	return entries
}

// blobPA returns the physical address of blob offset off, or NoAddr.
func (d *decoder) blobPA(off int) uint64 {
	if d.blobAddr == phys.NoAddr {
		return phys.NoAddr
	}
	return d.blobAddr + uint64(off)
}

// name decodes a NUL-terminated char array member of an entry at addr.
// An unterminated name is reported with check c and returned up to the
// end of the field.
func (d *decoder) name(f *abi.Field, b []byte, addr uint64, path string, c phys.Check) string {
	s, terminated, _ := f.CString(b)
	if !terminated {
		d.report(phys.Errorf(phys.ErrMalformed, path+"."+f.Name, addr, int64(f.Offset),
			"%d-byte %s holds no NUL", f.Size, f.Name), c)
	}
	return s
}

// addErr records pe when it is not nil (a nil *phys.Error must not become
// a non-nil error).
func (d *decoder) addErr(pe *phys.Error) bool {
	if pe == nil {
		return false
	}
	d.add(pe)
	return true
}

func sessionPath(i int) string             { return fmt.Sprintf("%s/sessions[%d]", root, i) }
func filePath(prefix string, j int) string { return fmt.Sprintf("%s.files[%d]", prefix, j) }
