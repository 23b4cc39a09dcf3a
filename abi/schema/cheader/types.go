package cheader

// ctype is a parsed C type.
type ctype struct {
	base    string // "int", "ptr", "record", "array"
	size    int    // for int and ptr
	align   int
	spelled string
	phys    bool // phys_addr_t and pointers: a physical address on the wire
	isChar  bool // plain char: arrays of it are strings
	rec     *record
	elem    *ctype
	dim     []token // array length expression; empty for a flexible array
}

// record is a struct or union.
type record struct {
	name      string
	union     bool
	packed    bool
	alignAttr int
	members   []member
	defined   bool
	file      string
	line      int
	state     int // 0 not laid out, 1 in progress, 2 done
	size      int
	align     int
	fields    []Field
	err       error
}

// member is one declarator inside a record body.
type member struct {
	name    string
	typ     *ctype
	bits    []token
	hasBits bool
	line    int
}

type scalar struct {
	size int
	phys bool
}

// scalarTypes are the kernel and uAPI type names the headers use.
var scalarTypes = map[string]scalar{
	"u8": {1, false}, "s8": {1, false}, "__u8": {1, false}, "__s8": {1, false}, "uint8_t": {1, false}, "int8_t": {1, false},
	"u16": {2, false}, "s16": {2, false}, "__u16": {2, false}, "__s16": {2, false}, "__le16": {2, false}, "__be16": {2, false},
	"uint16_t": {2, false}, "int16_t": {2, false},
	"u32": {4, false}, "s32": {4, false}, "__u32": {4, false}, "__s32": {4, false}, "__le32": {4, false}, "__be32": {4, false},
	"uint32_t": {4, false}, "int32_t": {4, false}, "gfp_t": {4, false}, "pid_t": {4, false},
	"u64": {8, false}, "s64": {8, false}, "__u64": {8, false}, "__s64": {8, false}, "__le64": {8, false}, "__be64": {8, false},
	"uint64_t": {8, false}, "int64_t": {8, false}, "size_t": {8, false}, "ssize_t": {8, false}, "loff_t": {8, false},
	"pgoff_t": {8, false}, "uintptr_t": {8, false}, "__aligned_u64": {8, false}, "__aligned_le64": {8, false}, "__aligned_be64": {8, false},
	"phys_addr_t": {8, true}, "dma_addr_t": {8, true}, "resource_size_t": {8, false}, "__kernel_size_t": {8, false},
}

// specWords are the keywords of a basic type.
var specWords = map[string]bool{
	"signed": true, "unsigned": true, "short": true, "long": true, "int": true, "char": true,
	"_Bool": true, "bool": true, "__signed__": true,
}

// qualWords are ignored qualifiers.
var qualWords = map[string]bool{
	"const": true, "volatile": true, "restrict": true, "__restrict": true, "__user": true, "__rcu": true,
	"__iomem": true, "__force": true, "__bitwise": true, "__private": true, "__kernel": true, "register": true,
	"static": true, "extern": true, "inline": true, "__always_inline": true, "__inline__": true,
}

// attrWords are attribute macros skipped wherever attributes may appear,
// with their optional argument list.
var attrWords = map[string]bool{
	"__counted_by": true, "__nonstring": true, "__randomize_layout": true, "__no_randomize_layout": true,
	"__designated_init": true, "__cacheline_aligned": true, "__always_unused": true, "__maybe_unused": true,
	"__may_alias": true, "__aligned_largest": true, "__section": true, "__used": true, "__weak": true,
}
