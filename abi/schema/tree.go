package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/abi/schema/cheader"
)

// File roles in a kernel tree.
const (
	roleABI    = iota // structs and defines are all ABI
	roleUAPI          // defines only
	roleSource        // known structs and ABI-named defines only
)

// treeGlobs are the files read from a kernel tree, by role.
var treeGlobs = []struct {
	glob string
	role int
}{
	{"include/uapi/linux/liveupdate.h", roleUAPI},
	{"include/linux/kho/abi/*.h", roleABI},
	{"include/linux/liveupdate/abi/*.h", roleABI},
	{"arch/x86/include/uapi/asm/setup_data.h", roleSource},
	{"include/linux/kexec_handover.h", roleSource},       // kho_scratch up to 7.2
	{"include/asm-generic/kexec_handover.h", roleSource}, // kho_scratch from 7.3
	{"kernel/kexec_handover.c", roleSource},
	{"kernel/liveupdate/*.c", roleSource},
	{"mm/memfd_luo.c", roleSource},
}

// HeaderFile is one C file for FromHeaders.
type HeaderFile struct {
	// Name is the file's path, used in messages.
	Name string
	// Data is the content.
	Data []byte
	// Source marks a .c file or unrelated header: only structs the
	// registry knows (or *_ser structs) and defines with KHO/LUO/memfd
	// names are taken from it.
	Source bool
	// DefinesOnly marks a header whose structs are not handover ABI
	// (the uAPI ioctl header).
	DefinesOnly bool
}

// FromKernelTree builds a snapshot from a kernel source tree: the ABI
// headers under include/linux/kho/abi and include/linux/liveupdate/abi,
// the uAPI liveupdate.h (constants), and for older trees the structs and
// #defines in kernel/kexec_handover.c, kernel/liveupdate/*.c and
// mm/memfd_luo.c.
func FromKernelTree(dir string) (*Snapshot, error) {
	var files []HeaderFile
	for _, g := range treeGlobs {
		matches, err := filepath.Glob(filepath.Join(dir, g.glob))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				return nil, err
			}
			rel, _ := filepath.Rel(dir, m)
			files = append(files, HeaderFile{Name: rel, Data: data, Source: g.role == roleSource, DefinesOnly: g.role == roleUAPI})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no KHO/LUO sources (include/linux/kho/abi, include/linux/liveupdate/abi, kernel/liveupdate, kernel/kexec_handover.c)", dir)
	}
	return FromHeaders(dir, files), nil
}

var knownStructs = func() map[string]bool {
	m := map[string]bool{}
	for _, g := range abi.All() {
		for _, s := range g.Structs {
			m[s.Name] = true
		}
	}
	return m
}()

func abiStructName(name string) bool {
	if knownStructs[name] {
		return true
	}
	return strings.HasSuffix(name, "_ser") && (strings.HasPrefix(name, "kho") || strings.HasPrefix(name, "luo_") ||
		strings.HasPrefix(name, "memfd_") || strings.HasPrefix(name, "liveupdate_"))
}

func abiDefineName(name string) bool {
	for _, p := range []string{"KHO", "LUO_", "LIVEUPDATE_", "MEMFD_", "PRESERVE_BITS", "PROP_", "SETUP_KEXEC_KHO"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// componentOfDefine places a constant by its macro name, falling back to
// its string value.
func componentOfDefine(d cheader.Define) string {
	switch {
	case strings.HasPrefix(d.Name, "MEMFD_"):
		return CompMemfd
	case strings.HasPrefix(d.Name, "LUO_"), strings.HasPrefix(d.Name, "LIVEUPDATE_"):
		return CompLUO
	case strings.HasPrefix(d.Name, "KHO_KEXEC_METADATA"), strings.HasPrefix(d.Name, "MEMBLOCK"):
		return CompClient
	case strings.HasPrefix(d.Name, "KHO"), strings.HasPrefix(d.Name, "PRESERVE_BITS"), strings.HasPrefix(d.Name, "PROP_"),
		strings.HasPrefix(d.Name, "SETUP_KEXEC_KHO"):
		return CompKHO
	case d.IsString && IsCompatible(d.Str):
		return ComponentOfCompatible(d.Str)
	}
	return CompClient
}

// FromHeaders builds a kernel-tree snapshot from C files read as one unit.
func FromHeaders(source string, files []HeaderFile) *Snapshot {
	b := NewBuilder(source, OriginKernelTree, SectionCompatibles, SectionStructs, SectionConstants)
	p := cheader.New()
	role := map[string]HeaderFile{}
	for _, f := range files {
		p.AddFile(f.Name, f.Data)
		role[f.Name] = f
	}
	r := p.Parse()
	for i, e := range r.Errors {
		if i == 50 {
			b.Warnf("%d more parse problems", len(r.Errors)-50)
			break
		}
		if !role[e.File].Source { // .c files are full of code the parser skips
			b.Warnf("%v", e)
		}
	}
	for _, s := range r.Structs {
		f := role[s.File]
		if s.Union || f.DefinesOnly || (f.Source && !abiStructName(s.Name)) {
			continue
		}
		b.AddStruct(fromCStruct(s))
	}
	var compats []string
	for _, d := range r.Defines {
		f := role[d.File]
		if !d.OK || (f.Source || f.DefinesOnly) && !abiDefineName(d.Name) {
			continue
		}
		if d.IsString && (IsCompatible(d.Str) || strings.HasSuffix(d.Name, "_FH_NAME")) && !containsStr(compats, d.Str) {
			compats = append(compats, d.Str)
		}
		b.AddConstant(componentOfDefine(d), Constant{Name: d.Name, Value: d.Value, String: d.Str, IsString: d.IsString})
	}
	for _, c := range dropPrefixes(compats) {
		b.AddCompatible(c)
	}
	return b.Done()
}

func fromCStruct(s *cheader.Struct) *Struct {
	out := &Struct{Name: s.Name, Size: s.Size, Packed: s.Packed, Fields: []Field{}}
	for _, f := range s.Fields {
		sf := Field{Name: f.Name, CType: f.CType, Kind: f.Kind, Offset: f.Offset, Size: f.Size, Count: f.Count,
			BitOffset: f.BitOffset, BitSize: f.BitSize, Struct: f.Struct}
		sf.Type = wireType(sf.Kind, sf.Size, sf.Count, sf.BitSize, sf.Struct)
		out.Fields = append(out.Fields, sf)
	}
	return out
}

// IsABIStructName reports whether a struct name is handover ABI: known
// to the registry, or a KHO/LUO/memfd "*_ser" struct.
func IsABIStructName(name string) bool { return abiStructName(name) }
