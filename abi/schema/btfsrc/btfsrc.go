// Package btfsrc builds ABI snapshots (package schema) from BTF type
// information: the .BTF section of a vmlinux ELF image, or a raw BTF
// blob such as /sys/kernel/btf/vmlinux. From an ELF image it also
// collects the compatible strings found in .rodata.
package btfsrc

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf/btf"
	"github.com/luoinspect/luoinspect/abi/schema"
)

// maxRodata bounds how much of .rodata is scanned for strings.
const maxRodata = 512 << 20

// IsBTF reports whether data starts like a raw BTF blob (either byte
// order) or an ELF file.
func IsBTF(data []byte) bool {
	if len(data) < 4 {
		return false
	}
	return data[0] == 0x9f && data[1] == 0xeb || data[0] == 0xeb && data[1] == 0x9f || string(data[:4]) == "\x7fELF"
}

// Load reads a vmlinux ELF image or a raw BTF file.
func Load(path string) (*schema.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rodata []byte
	hasRodata := false
	if ef, err := elf.NewFile(f); err == nil {
		if ef.Section(".BTF") == nil {
			return nil, fmt.Errorf("%s: ELF file without a .BTF section (build with CONFIG_DEBUG_INFO_BTF=y)", path)
		}
		if sec := ef.Section(".rodata"); sec != nil && sec.Type != elf.SHT_NOBITS && sec.Size <= maxRodata {
			if rodata, err = sec.Data(); err != nil {
				return nil, fmt.Errorf("%s: reading .rodata: %w", path, err)
			}
			hasRodata = true
		}
	}
	spec, err := btf.LoadSpecFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return FromSpec(path, spec, rodata, hasRodata)
}

// FromSpec converts the ABI structs of spec; when hasRodata is set the
// compatible strings found in rodata are added too.
func FromSpec(source string, spec *btf.Spec, rodata []byte, hasRodata bool) (*schema.Snapshot, error) {
	covers := []string{schema.SectionStructs}
	if hasRodata {
		covers = append(covers, schema.SectionCompatibles)
	}
	b := schema.NewBuilder(source, schema.OriginBTF, covers...)
	n := 0
	for typ, err := range spec.All() {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		st, ok := typ.(*btf.Struct)
		if !ok || !schema.IsABIStructName(st.Name) {
			continue
		}
		s, err := convStruct(st)
		if err != nil {
			b.Warnf("struct %s: %v", st.Name, err)
			continue
		}
		b.AddStruct(s)
		n++
	}
	for _, c := range schema.ScanCompatibles(rodata) {
		b.AddCompatible(c)
	}
	if n == 0 {
		b.Warnf("no KHO/LUO/memfd structs in the BTF (kernel without CONFIG_KEXEC_HANDOVER / CONFIG_LIVEUPDATE?)")
	}
	return b.Done(), nil
}

var errDepth = errors.New("types nested too deeply")
