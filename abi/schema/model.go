package schema

// Version is the value of Snapshot.Schema for this model.
const Version = "luoinspect.abi/v1"

// Origin says what kind of source a snapshot was built from. Two
// snapshots of the same origin are compared completely; across origins,
// items that only one side can describe are reported as info only.
type Origin string

// Origins.
const (
	// OriginRegistry is a snapshot built from registry generations.
	OriginRegistry Origin = "registry"
	// OriginKernelTree is a snapshot parsed from kernel C sources.
	OriginKernelTree Origin = "kernel-tree"
	// OriginBTF is a snapshot read from BTF type information.
	OriginBTF Origin = "btf"
)

// Sections a snapshot can cover; see Snapshot.Covers.
const (
	// SectionCompatibles is the compatible strings.
	SectionCompatibles = "compatibles"
	// SectionNodes is the FDT schema.
	SectionNodes = "nodes"
	// SectionStructs is the struct layouts.
	SectionStructs = "structs"
	// SectionConstants is the named constants and capacities.
	SectionConstants = "constants"
	// SectionRoots is the raw-blob root struct of each component.
	SectionRoots = "roots"
)

// Snapshot is the ABI of one kernel (or one combination of generations).
type Snapshot struct {
	// Schema is always Version.
	Schema string `json:"schema" yaml:"schema"`
	// Source names what the snapshot was built from: a generation tag or
	// combination, a directory, a file.
	Source string `json:"source" yaml:"source"`
	// Origin is the kind of source.
	Origin Origin `json:"origin" yaml:"origin"`
	// Covers lists the sections the source can describe; a section it
	// cannot describe is left empty and is not compared.
	Covers []string `json:"covers" yaml:"covers"`
	// Components are sorted by name.
	Components []*Component `json:"components" yaml:"components"`
	// Warnings are problems met while building the snapshot (unparsable
	// declarations, unknown macros).
	Warnings []string `json:"warnings,omitempty" yaml:"warnings,omitempty"`
}

// Component is one layer of the handover stack.
type Component struct {
	// Name is "KHO", "LUO", "memfd" or "client".
	Name string `json:"name" yaml:"name"`
	// Generations are the registry tags the component was built from.
	Generations []string `json:"generations,omitempty" yaml:"generations,omitempty"`
	// Compatibles are the identification strings, in source order.
	Compatibles []string `json:"compatibles,omitempty" yaml:"compatibles,omitempty"`
	// Root names the struct a raw (non-FDT) blob starts with; empty for
	// FDT blobs or when unknown.
	Root string `json:"root,omitempty" yaml:"root,omitempty"`
	// Nodes is the FDT schema.
	Nodes []Node `json:"nodes,omitempty" yaml:"nodes,omitempty"`
	// Structs are the wire structs whose names belong to the component.
	Structs []*Struct `json:"structs,omitempty" yaml:"structs,omitempty"`
	// Constants are named values and capacities.
	Constants []Constant `json:"constants,omitempty" yaml:"constants,omitempty"`
}

// Node is one FDT node.
type Node struct {
	// FDT names the blob when a generation writes several; "" is the main one.
	FDT string `json:"fdt,omitempty" yaml:"fdt,omitempty"`
	// Path is the node path; <name> segments are placeholders.
	Path string `json:"path" yaml:"path"`
	// Compatible is the node's compatible string, if any.
	Compatible string `json:"compatible,omitempty" yaml:"compatible,omitempty"`
	// Required reports whether a conforming blob always has the node.
	Required bool `json:"required,omitempty" yaml:"required,omitempty"`
	// Repeated reports whether the node may occur many times.
	Repeated bool `json:"repeated,omitempty" yaml:"repeated,omitempty"`
	// Props are the node's properties.
	Props []Prop `json:"props,omitempty" yaml:"props,omitempty"`
	// Doc is display text; never compared.
	Doc string `json:"doc,omitempty" yaml:"doc,omitempty"`
}

// Prop is one FDT property.
type Prop struct {
	// Name is the property name.
	Name string `json:"name" yaml:"name"`
	// Kind is the value encoding, e.g. "u64le-physaddr" or "string".
	Kind string `json:"kind" yaml:"kind"`
	// Size is the exact value length, or 0 when it varies.
	Size int `json:"size" yaml:"size"`
	// Required reports whether the property must be present.
	Required bool `json:"required,omitempty" yaml:"required,omitempty"`
	// Struct names the struct the value holds, if any.
	Struct string `json:"struct,omitempty" yaml:"struct,omitempty"`
	// Doc is display text; never compared.
	Doc string `json:"doc,omitempty" yaml:"doc,omitempty"`
}

// Struct is the wire layout of one C struct.
type Struct struct {
	// Name is the C tag without "struct".
	Name string `json:"name" yaml:"name"`
	// Size is sizeof in bytes.
	Size int `json:"size" yaml:"size"`
	// Packed reports a __packed definition (inferred for BTF).
	Packed bool `json:"packed,omitempty" yaml:"packed,omitempty"`
	// Fields are the members in declaration order.
	Fields []Field `json:"fields" yaml:"fields"`
	// Doc is display text; never compared.
	Doc string `json:"doc,omitempty" yaml:"doc,omitempty"`
}

// Field is one struct member.
type Field struct {
	// Name is the member name (a DECLARE_KHOSER_PTR union uses its name).
	Name string `json:"name" yaml:"name"`
	// Type is the wire type, independent of C spelling: "u8".."u64" for
	// integers, "char[N]", "u64[N]", "struct NAME", "struct NAME[N]", or
	// "u64:W" for a bitfield in a u64 unit.
	Type string `json:"type" yaml:"type"`
	// CType is the C type as written in the source; info only.
	CType string `json:"ctype,omitempty" yaml:"ctype,omitempty"`
	// Kind is "uint", "physaddr", "cstring", "bytes", "struct",
	// "bitfield" or "bitmap".
	Kind string `json:"kind" yaml:"kind"`
	// Offset is the byte offset (of the storage unit, for a bitfield).
	Offset int `json:"offset" yaml:"offset"`
	// Size is the byte size (of the storage unit, for a bitfield).
	Size int `json:"size" yaml:"size"`
	// Count is the array length, or 0 for a scalar.
	Count int `json:"count,omitempty" yaml:"count,omitempty"`
	// BitOffset is a bitfield's first bit within its storage unit.
	BitOffset int `json:"bit_offset,omitempty" yaml:"bit_offset,omitempty"`
	// BitSize is a bitfield's width, 0 for other fields.
	BitSize int `json:"bit_size,omitempty" yaml:"bit_size,omitempty"`
	// Struct names the embedded struct of a "struct" field.
	Struct string `json:"struct,omitempty" yaml:"struct,omitempty"`
	// Doc is display text; never compared.
	Doc string `json:"doc,omitempty" yaml:"doc,omitempty"`
}

// Constant is a named value.
type Constant struct {
	// Name is the macro name, or a lower-case derived name.
	Name string `json:"name" yaml:"name"`
	// Value is the numeric value; 0 for string constants.
	Value uint64 `json:"value" yaml:"value"`
	// String is the value of a string constant.
	String string `json:"string,omitempty" yaml:"string,omitempty"`
	// IsString reports a string constant.
	IsString bool `json:"is_string,omitempty" yaml:"is_string,omitempty"`
	// Doc is display text; never compared.
	Doc string `json:"doc,omitempty" yaml:"doc,omitempty"`
}

// BitPos returns the absolute bit position of a bitfield's first bit
// from the start of its struct.
func (f *Field) BitPos() int { return f.Offset*8 + f.BitOffset }

// Component returns the component with the given name.
func (s *Snapshot) Component(name string) (*Component, bool) {
	for _, c := range s.Components {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Struct returns the struct with the given name from any component.
func (s *Snapshot) Struct(name string) (*Struct, bool) {
	for _, c := range s.Components {
		for _, st := range c.Structs {
			if st.Name == name {
				return st, true
			}
		}
	}
	return nil, false
}

// covers reports whether the snapshot describes section sec.
func (s *Snapshot) covers(sec string) bool {
	for _, c := range s.Covers {
		if c == sec {
			return true
		}
	}
	return false
}

// Field returns the struct's member called name.
func (st *Struct) Field(name string) (*Field, bool) {
	for i := range st.Fields {
		if st.Fields[i].Name == name {
			return &st.Fields[i], true
		}
	}
	return nil, false
}

// Constant returns the component's constant called name.
func (c *Component) Constant(name string) (Constant, bool) {
	for _, k := range c.Constants {
		if k.Name == name {
			return k, true
		}
	}
	return Constant{}, false
}
