package abi

import (
	"fmt"
	"strconv"
)

// PageSize is the page size, in bytes, that every layout in the registry
// assumes. KHO refuses live update between kernels with different page
// sizes, so capacities below are computed for 4 KiB pages.
const PageSize = 4096

// PageShift is log2(PageSize).
const PageShift = 12

// Component is the layer of the handover stack that a generation belongs to.
type Component int

// Components.
const (
	// ComponentKHO is the KHO core: root FDT, memory map, scratch areas.
	ComponentKHO Component = iota + 1
	// ComponentLUO is the Live Update Orchestrator blob registered as the
	// KHO client "LUO".
	ComponentLUO
	// ComponentMemfd is the memfd LUO file handler.
	ComponentMemfd
	// ComponentClient is any other KHO client (memblock, kexec-metadata,
	// the kho_test module).
	ComponentClient
)

var componentNames = [...]string{
	ComponentKHO:    "KHO",
	ComponentLUO:    "LUO",
	ComponentMemfd:  "memfd",
	ComponentClient: "client",
}

// String returns a short name such as "KHO" or "memfd".
func (c Component) String() string {
	if c > 0 && int(c) < len(componentNames) {
		return componentNames[c]
	}
	return "Component(" + strconv.Itoa(int(c)) + ")"
}

// Status says how far a generation got towards a released kernel.
type Status int

// Statuses.
const (
	// StatusReleased means the layout is written by a released kernel.
	StatusReleased Status = iota + 1
	// StatusMaintainerTree means the layout is in a maintainer, mm, next or
	// torvalds tree but its release is not confirmed.
	StatusMaintainerTree
	// StatusBisect means the layout exists only at an intermediate commit
	// inside a merged series; a bisected kernel can write it.
	StatusBisect
	// StatusProposal means the layout was only posted (RFC, superseded
	// revision) or lives in a personal tree.
	StatusProposal
)

var statusNames = [...]string{
	StatusReleased:       "released",
	StatusMaintainerTree: "maintainer-tree",
	StatusBisect:         "bisect",
	StatusProposal:       "proposal",
}

// String returns a short lower-case name such as "released".
func (s Status) String() string {
	if s > 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Kind says how the bytes of a Field are to be interpreted.
type Kind int

// Field kinds.
const (
	// KindUint is an unsigned integer (or an array of them).
	KindUint Kind = iota + 1
	// KindPhysAddr is a 64-bit physical address; 0 means "none" unless
	// the field's meaning says otherwise.
	KindPhysAddr
	// KindCString is a fixed-size char array holding a NUL-terminated,
	// NUL-padded string.
	KindCString
	// KindBytes is opaque bytes.
	KindBytes
	// KindStruct is an embedded struct (or an array of them); see
	// Field.Type.
	KindStruct
	// KindBitfield is a bit range inside a little-endian storage unit.
	KindBitfield
	// KindBitmap is a kernel unsigned long bitmap: bit b is bit b%64 of the
	// little-endian u64 word b/64 (equivalently bit b%8 of byte b/8).
	KindBitmap
)

var kindNames = [...]string{
	KindUint:     "uint",
	KindPhysAddr: "physaddr",
	KindCString:  "cstring",
	KindBytes:    "bytes",
	KindStruct:   "struct",
	KindBitfield: "bitfield",
	KindBitmap:   "bitmap",
}

// String returns a short lower-case name such as "physaddr".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Endian is the byte order of an integer field.
type Endian int

// Byte orders. The zero value means byte order does not apply (strings,
// opaque bytes, embedded structs).
const (
	// EndianNone marks fields without a byte order.
	EndianNone Endian = iota
	// LittleEndian is the CPU byte order of every supported architecture,
	// used by all KHO/LUO packed structs and u64 FDT payloads.
	LittleEndian
	// BigEndian is FDT byte order; no registry struct uses it.
	BigEndian
)

// String returns "none", "little" or "big".
func (e Endian) String() string {
	switch e {
	case EndianNone:
		return "none"
	case LittleEndian:
		return "little"
	case BigEndian:
		return "big"
	}
	return "Endian(" + strconv.Itoa(int(e)) + ")"
}

// PropKind is the encoding of an FDT property value.
type PropKind int

// Property encodings. Integer payloads are raw CPU-order (little-endian)
// copies, never FDT big-endian cells, except PropU64BE.
const (
	// PropPhysAddr is a u64 LE physical address.
	PropPhysAddr PropKind = iota + 1
	// PropSize is a u64 LE length in bytes.
	PropSize
	// PropU64 is any other u64 LE value.
	PropU64
	// PropU32 is a u32 in CPU byte order.
	PropU32
	// PropU8 is a single byte.
	PropU8
	// PropString is one NUL-terminated string.
	PropString
	// PropStringList is a sequence of NUL-terminated strings.
	PropStringList
	// PropRaw is opaque bytes, or an array of Prop.Struct records.
	PropRaw
	// PropU64BE is a u64 in FDT (big-endian) byte order, as libfdt's
	// fdt_property_u64 and fdt_setprop_u64 write it. Only the L-v4
	// session FDT uses it.
	PropU64BE
)

var propKindNames = [...]string{
	PropPhysAddr:   "u64le-physaddr",
	PropSize:       "u64le-size",
	PropU64:        "u64le",
	PropU32:        "u32",
	PropU8:         "u8",
	PropString:     "string",
	PropStringList: "stringlist",
	PropRaw:        "raw",
	PropU64BE:      "u64be",
}

// String returns a short name such as "u64le-physaddr".
func (k PropKind) String() string {
	if k > 0 && int(k) < len(propKindNames) {
		return propKindNames[k]
	}
	return "PropKind(" + strconv.Itoa(int(k)) + ")"
}

// Generation is one serialized layout (or one family of layouts that share
// every wire detail) of one component.
type Generation struct {
	// Tag is the short unique name, e.g. "K1b", "L-6.19", "M2b".
	Tag Tag
	// Component is the layer the generation belongs to.
	Component Component
	// Summary is a one-line description.
	Summary string
	// Compatibles are the identification strings the generation writes.
	// A string may hold ';'-separated sub-components
	// ("kho-v4;radix-v1;vmalloc-v1"); it is listed whole. Several
	// generations can share one string. L-feat has none.
	Compatibles []string
	// KHONode is the name of the KHO client node the blob is registered
	// under ("LUO", "memblock", ...); empty for KHO core and file handlers.
	KHONode string
	// Root names the struct a raw (non-FDT) blob begins with; empty when
	// the blob is an FDT described by Nodes.
	Root string
	// Status says how far the layout got towards a release.
	Status Status
	// Verified reports whether the generation's wire layout (structs and
	// FDT schema) was confirmed against a primary source: kernel source at
	// a named commit, or the patch mail. It can be true while Unverified
	// lists points that do not change the layout, such as release numbers.
	Verified bool
	// Unverified lists the points that are not confirmed (UNVERIFIED in
	// the reference notes) and the reading the registry chose.
	Unverified []string
	// Kernels lists, as free text, the releases, trees and commits that
	// carry the layout.
	Kernels []string
	// Nodes is the FDT schema of the generation's FDT blob(s).
	Nodes []Node
	// Structs are the packed structures the generation places in preserved
	// memory, including shared building blocks it uses.
	Structs []*Struct
	// Constants are named values and capacities.
	Constants []Constant
	// Notes records behaviour and caveats that do not change the layout.
	Notes []string
	// SessionsAtReboot reports that the producer writes its sessions into
	// the handover only at reboot (liveupdate_reboot): until then a
	// running kernel's blob lists none of the sessions open now.
	SessionsAtReboot bool
	// KHO lists, for a LUO generation, the KHO generations its kernels
	// hand the state over with; empty when the registry does not know.
	// Detection uses it to tell apart LUO layouts that differ only by a
	// part a damaged blob may have lost (L-6.19 and L-FLB).
	KHO []Tag
	// Consumed says which parts of the incoming state a receiving kernel
	// of this generation frees or reuses, and when; empty when no kernel
	// source of the generation could be read to say.
	Consumed []Consumption
}

// Stage is a moment in the receiving kernel's life.
type Stage int

// Stages, in the order a receiving kernel passes them.
const (
	// StageHandover is the state as handed over: the outgoing kernel, or
	// the new kernel before it touched anything (at kho_populate).
	StageHandover Stage = iota
	// StageBooted is the new kernel after boot, before userspace acts.
	StageBooted
	// StageOpened is after the first open of /dev/liveupdate.
	StageOpened
	// StageRetrieved is after RETRIEVE_FD of the file in question.
	StageRetrieved
)

var stageNames = [...]string{
	StageHandover:  "handover",
	StageBooted:    "booted",
	StageOpened:    "opened",
	StageRetrieved: "retrieved",
}

// String returns the stage's name.
func (s Stage) String() string {
	if s >= 0 && int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Parts of a state a receiving kernel consumes.
const (
	PartMemoryMap     = "memory-map"     // the preserved-memory map
	PartBlob          = "blob"           // the client blob the KHO node points at
	PartSessionBlocks = "session-blocks" // LUO session block chain
	PartFileData      = "file-data"      // a file handler's serialized descriptor
)

// Consumption is one part of the incoming state that the receiving kernel
// frees or reuses at a stage, after which memory no longer holds it.
type Consumption struct {
	// Part is one of the Part constants.
	Part string
	// At is the stage from which the part is gone.
	At Stage
	// What says what the kernel does, for reports.
	What string
	// Source names the kernel code that does it.
	Source string
}

// ConsumedBy returns the consumption of part, if the generation records
// one.
func (g *Generation) ConsumedBy(part string) (Consumption, bool) {
	for _, c := range g.Consumed {
		if c.Part == part {
			return c, true
		}
	}
	return Consumption{}, false
}

// Node describes one FDT node of a generation.
type Node struct {
	// FDT names the blob the node lives in when a generation writes more
	// than one FDT (for example the separate "file-descriptors" FDT of
	// L-RFC); empty for the generation's main FDT.
	FDT string
	// Path is the node path. Segments in angle brackets are placeholders
	// for caller-chosen names, e.g. "/<client>" or "/<region>".
	Path string
	// Compatible is the node's compatible string; empty when the node
	// has none.
	Compatible string
	// Required reports whether a conforming blob always has the node.
	Required bool
	// Repeated reports whether the node may occur any number of times
	// (placeholder paths).
	Repeated bool
	// Props are the node's properties, in the order they appear in a
	// kernel-written blob where that is known.
	Props []Prop
	// Meaning is a one-line description.
	Meaning string
}

// Prop describes one FDT property.
type Prop struct {
	// Name is the property name; angle brackets mark a placeholder.
	Name string
	// Kind is the encoding of the value.
	Kind PropKind
	// Size is the exact value length in bytes, or 0 when it varies.
	Size int
	// Required reports whether the property must be present.
	Required bool
	// Struct names a registry struct that the raw value holds (one
	// record, or an array of records when Size is 0).
	Struct string
	// Meaning is a one-line description.
	Meaning string
}

// Constant is a named value of a generation.
type Constant struct {
	// Name is the kernel's macro name when it has one (upper case);
	// quantities the kernel computes without naming them use lower-case
	// hyphenated names such as "sessions-per-block".
	Name string
	// Value is the value, for 4 KiB pages.
	Value uint64
	// Meaning is a one-line description, with the arithmetic for derived
	// values.
	Meaning string
}

// Struct is the wire layout of one C structure.
type Struct struct {
	// Name is the C struct name without "struct", e.g. "luo_session_ser".
	Name string
	// Size is sizeof the struct in bytes.
	Size int
	// Packed reports whether the C definition is __packed. Non-packed
	// registry structs have natural alignment and no holes.
	Packed bool
	// Fields are the members in declaration order.
	Fields []Field
	// Meaning is a one-line description.
	Meaning string
}

// Field is one member of a Struct.
type Field struct {
	// Name is the member name. Members of anonymous unions that only hold
	// a physical address (DECLARE_KHOSER_PTR) use the union's name.
	Name string
	// CType is the C type as written in the definition, e.g. "u64",
	// "char[64]", "struct kho_vmalloc".
	CType string
	// Offset is the byte offset within the struct. For a bitfield it is
	// the offset of its storage unit.
	Offset int
	// Size is the size in bytes; for a bitfield, the storage unit size.
	Size int
	// Count is the array length, or 0 for a scalar.
	Count int
	// BitOffset is the first bit of a bitfield within its little-endian
	// storage unit (bit 0 = least significant bit of the byte at Offset).
	BitOffset int
	// BitSize is the width of a bitfield, or 0 when the field is not one.
	BitSize int
	// Kind says how to interpret the bytes.
	Kind Kind
	// Endian is the byte order of integer fields.
	Endian Endian
	// Type is the embedded struct for KindStruct fields.
	Type *Struct
	// Meaning is a one-line description.
	Meaning string
}

// ElemSize returns the size of one array element, or Size for a scalar.
func (f *Field) ElemSize() int {
	if f.Count > 0 {
		return f.Size / f.Count
	}
	return f.Size
}

// End returns the offset just past the field.
func (f *Field) End() int { return f.Offset + f.Size }
