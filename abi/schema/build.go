package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Component names.
const (
	// CompKHO is the KHO core.
	CompKHO = "KHO"
	// CompLUO is the Live Update Orchestrator.
	CompLUO = "LUO"
	// CompMemfd is the memfd file handler.
	CompMemfd = "memfd"
	// CompClient is any other KHO client.
	CompClient = "client"
)

var componentRank = map[string]int{CompKHO: 0, CompLUO: 1, CompMemfd: 2, CompClient: 3}

// ComponentOfStruct returns the component a struct belongs to, by its C
// name: memfd_* is memfd, luo_* and liveupdate_* are LUO,
// kho_kexec_metadata is a client, everything else (kho_*, khoser_*) is KHO.
// The rule is the same for every origin, so snapshots from different
// sources line up.
func ComponentOfStruct(name string) string {
	switch {
	case strings.HasPrefix(name, "memfd_"):
		return CompMemfd
	case name == "kho_kexec_metadata":
		return CompClient
	case strings.HasPrefix(name, "luo_"), strings.HasPrefix(name, "liveupdate_"):
		return CompLUO
	}
	return CompKHO
}

// ComponentOfCompatible returns the component a compatible string
// belongs to, by its prefix.
func ComponentOfCompatible(s string) string {
	switch {
	case strings.HasPrefix(s, "kho-v"):
		return CompKHO
	case strings.HasPrefix(s, "luo-"), strings.HasPrefix(s, "subsystems-"), strings.HasPrefix(s, "file-descriptors-"):
		return CompLUO
	case strings.HasPrefix(s, "memfd"):
		return CompMemfd
	}
	return CompClient
}

// wireType returns Field.Type for a member.
func wireType(kind string, size, count, bitSize int, structName string) string {
	switch kind {
	case "bitfield":
		return "u" + strconv.Itoa(size*8) + ":" + strconv.Itoa(bitSize)
	case "struct":
		if count > 0 {
			return "struct " + structName + "[" + strconv.Itoa(count) + "]"
		}
		return "struct " + structName
	case "cstring":
		return "char[" + strconv.Itoa(size) + "]"
	case "bytes":
		return "u8[" + strconv.Itoa(size) + "]"
	}
	if count > 0 {
		return "u" + strconv.Itoa(size/count*8) + "[" + strconv.Itoa(count) + "]"
	}
	return "u" + strconv.Itoa(size*8)
}

// Builder accumulates the components of a snapshot; the source adapters
// (registry, kernel tree, BTF) use it.
type Builder struct {
	snap  *Snapshot
	comps map[string]*Component
}

// NewBuilder starts a snapshot of the given source and origin that
// covers the listed sections.
func NewBuilder(source string, origin Origin, covers ...string) *Builder {
	return &Builder{
		snap:  &Snapshot{Schema: Version, Source: source, Origin: origin, Covers: covers},
		comps: map[string]*Component{},
	}
}

func (b *Builder) comp(name string) *Component {
	c, ok := b.comps[name]
	if !ok {
		c = &Component{Name: name}
		b.comps[name] = c
	}
	return c
}

// AddStruct adds st to its component (ComponentOfStruct) unless a struct
// of that name is already there; a differing duplicate is a warning.
func (b *Builder) AddStruct(st *Struct) {
	c := b.comp(ComponentOfStruct(st.Name))
	for _, old := range c.Structs {
		if old.Name == st.Name {
			if !sameLayout(old, st) {
				b.Warnf("struct %s defined twice with different layouts; keeping the first", st.Name)
			}
			return
		}
	}
	c.Structs = append(c.Structs, st)
}

// AddCompatible adds a compatible string to its component.
func (b *Builder) AddCompatible(s string) {
	c := b.comp(ComponentOfCompatible(s))
	if !slices.Contains(c.Compatibles, s) {
		c.Compatibles = append(c.Compatibles, s)
	}
}

// AddConstant adds a constant to the named component; the first of a
// name wins.
func (b *Builder) AddConstant(comp string, k Constant) {
	c := b.comp(comp)
	for _, old := range c.Constants {
		if old.Name == k.Name {
			return
		}
	}
	c.Constants = append(c.Constants, k)
}

// Warnf records a problem met while building.
func (b *Builder) Warnf(format string, args ...any) {
	b.snap.Warnings = append(b.snap.Warnings, fmt.Sprintf(format, args...))
}

// Done sorts components and structs and returns the snapshot.
func (b *Builder) Done() *Snapshot {
	for _, c := range b.comps {
		slices.SortStableFunc(c.Structs, func(x, y *Struct) int { return strings.Compare(x.Name, y.Name) })
		b.snap.Components = append(b.snap.Components, c)
	}
	slices.SortFunc(b.snap.Components, func(x, y *Component) int {
		rx, okx := componentRank[x.Name]
		ry, oky := componentRank[y.Name]
		if okx && oky {
			return rx - ry
		}
		return strings.Compare(x.Name, y.Name)
	})
	if b.snap.Components == nil {
		b.snap.Components = []*Component{}
	}
	return b.snap
}

// sameLayout reports whether two structs have the same wire layout.
func sameLayout(a, b *Struct) bool {
	if a.Size != b.Size || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		x, y := a.Fields[i], b.Fields[i]
		if x.Name != y.Name || x.Type != y.Type || x.Offset != y.Offset || x.Size != y.Size || x.BitPos() != y.BitPos() || x.BitSize != y.BitSize {
			return false
		}
	}
	return true
}
