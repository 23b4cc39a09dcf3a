package memfd

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// FolioFlag is a folio flag bit a generation names in the registry.
type FolioFlag struct {
	// Name is the short name specs use: the constant's name after its
	// prefix, in lower case ("dirty", "uptodate").
	Name string
	// Constant is the registry constant ("PRESERVED_FLAG_DIRTY" in M0,
	// "MEMFD_LUO_FOLIO_DIRTY" from M1 on).
	Constant string
	// Bit is the flag's value: one bit of the record's flags field.
	Bit uint16
}

// folioFlagPrefix is the prefix of the registry constants naming a
// generation's folio flag bits.
func folioFlagPrefix(gen abi.Tag) string {
	if gen == M0 {
		return "PRESERVED_FLAG_"
	}
	return "MEMFD_LUO_FOLIO_"
}

// folioFlags holds each generation's named flags, read from the registry
// once.
var folioFlags = func() map[abi.Tag][]FolioFlag {
	out := map[abi.Tag][]FolioFlag{}
	for _, gen := range Tags {
		g := abi.MustLookup(gen)
		prefix, mask := folioFlagPrefix(gen), folioLayoutOf(gen).flagsMask
		for _, c := range g.Constants {
			suffix, ok := strings.CutPrefix(c.Name, prefix)
			if !ok || bits.OnesCount64(c.Value) != 1 || c.Value&^mask != 0 {
				continue
			}
			out[gen] = append(out[gen], FolioFlag{Name: strings.ToLower(suffix), Constant: c.Name, Bit: uint16(c.Value)})
		}
	}
	return out
}()

// FolioFlags returns the folio flag bits generation gen names, in
// registry order; nil for a generation this package does not know.
func FolioFlags(gen abi.Tag) []FolioFlag { return folioFlags[gen] }

// FolioFlagNames names the bits of flags as generation gen does: each
// named bit by its short name, in ascending bit order, then each other bit
// in hex ("0x4"). No bits give an empty, non-nil list.
func FolioFlagNames(gen abi.Tag, flags uint16) []string {
	out := []string{}
	for b := uint16(1); b != 0; b <<= 1 {
		if flags&b == 0 {
			continue
		}
		name := fmt.Sprintf("0x%x", b)
		for _, f := range folioFlags[gen] {
			if f.Bit == b {
				name = f.Name
			}
		}
		out = append(out, name)
	}
	return out
}

// ParseFolioFlags is the inverse of FolioFlagNames: each element is a
// short name or registry constant of gen (any case), or a number (0x…
// hex or decimal) for bits without a name. Bits past the generation's
// flags field are an error.
func ParseFolioFlags(gen abi.Tag, names []string) (uint16, error) {
	known, ok := folioFlags[gen]
	if !ok {
		return 0, fmt.Errorf("memfd: unknown generation %q", gen)
	}
	var flags uint64
	for _, s := range names {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			v = 0
			for _, f := range known {
				if strings.EqualFold(s, f.Name) || strings.EqualFold(s, f.Constant) {
					v = uint64(f.Bit)
				}
			}
			if v == 0 {
				return 0, fmt.Errorf("memfd: %s names no folio flag %q (it has %s, or give a number)", gen, s, flagList(known))
			}
		}
		flags |= v
	}
	if mask := folioLayoutOf(gen).flagsMask; flags&^mask != 0 {
		return 0, fmt.Errorf("memfd: folio flags 0x%x do not fit the %d-bit flags field of %s", flags, bits.Len64(mask), gen)
	}
	return uint16(flags), nil
}

func flagList(fs []FolioFlag) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
