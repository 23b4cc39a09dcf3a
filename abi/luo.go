package abi

import "strconv"

// LUO generations (docs/abi/generations.md §4).

// Page counts of the contiguous (pre-block) LUO areas.
const (
	luoSessionPgcnt = 16
	luoFilePgcnt    = 2
	luoFlbPgcnt     = 1
)

// ---- file entries ----

var structLuoFile = &Struct{
	Name: "luo_file_ser", Size: 64, Packed: true,
	Meaning: "one preserved file, selected by handler compatible",
	Fields: []Field{
		cstr(0, 48, "compatible", "handler compatible (LIVEUPDATE_HNDL_COMPAT_LENGTH), e.g. memfd-v1"),
		num(48, 8, "u64", "data", "handler-private value; for memfd the PA of struct memfd_luo_ser"),
		num(56, 8, "u64", "token", "userspace token"),
	},
}

var structLuoFileByName = &Struct{
	Name: "luo_file_ser", Size: 64, Packed: true,
	Meaning: "one preserved file, selected by handler name (L-feat)",
	Fields: []Field{
		cstr(0, 48, "name", "handler name (LIVEUPDATE_HNDL_NAME_LENGTH), e.g. memfd"),
		num(48, 8, "u64", "data", "handler-private value; for memfd the PA of struct memfd_luo_ser"),
		num(56, 8, "u64", "token", "userspace token"),
	},
}

var structLuoFileSet = &Struct{
	Name: "luo_file_set_ser", Size: 16, Packed: true,
	Meaning: "where a session's files are",
	Fields: []Field{
		addr(0, "u64", "files", "PA of the session's files (array or first block); 0 if none"),
		num(8, 8, "u64", "count", "number of files"),
	},
}

// ---- session headers and entries ----

var structLuoSessionHead16 = &Struct{
	Name: "luo_session_head_ser", Size: 16, Packed: true,
	Meaning: "L-v5 header at the start of the 16-page session block",
	Fields: []Field{
		num(0, 8, "u64", "pgcnt", "pages in the block (16)"),
		num(8, 8, "u64", "count", "number of luo_session_ser that follow"),
	},
}

var structLuoSessionHeader16 = &Struct{
	Name: "luo_session_header_ser", Size: 16, Packed: true,
	Meaning: "L-v6 header at the start of the 16-page session block (renamed from _head_ser)",
	Fields: []Field{
		num(0, 8, "u64", "pgcnt", "pages in the block (16)"),
		num(8, 8, "u64", "count", "number of luo_session_ser that follow"),
	},
}

var structLuoSessionHeader8 = &Struct{
	Name: "luo_session_header_ser", Size: 8, Packed: true,
	Meaning: "header at the start of the 16-page session block; entries follow at offset 8",
	Fields: []Field{
		num(0, 8, "u64", "count", "number of luo_session_ser that follow"),
	},
}

var structLuoSessionName56 = &Struct{
	Name: "luo_session_ser", Size: 80, Packed: true,
	Meaning: "session with a 56-byte name and its own file array (L-v4, L-v5)",
	Fields: []Field{
		cstr(0, 56, "name", "session name, NUL-terminated; name[0] == 0 marks an unused entry (L-v4)"),
		addr(56, "u64", "files", "PA of this session's luo_file_ser[]; 0 if none"),
		num(64, 8, "u64", "pgcnt", "pages in that array"),
		num(72, 8, "u64", "count", "number of files"),
	},
}

var structLuoSessionName64Files = &Struct{
	Name: "luo_session_ser", Size: 88, Packed: true,
	Meaning: "session with a 64-byte name and its own file array (fully applied L-v6)",
	Fields: []Field{
		cstr(0, 64, "name", "session name, NUL-terminated"),
		addr(64, "u64", "files", "PA of this session's luo_file_ser[]; 0 if none"),
		num(72, 8, "u64", "pgcnt", "pages in that array"),
		num(80, 8, "u64", "count", "number of files"),
	},
}

var structLuoSessionNameOnly = &Struct{
	Name: "luo_session_ser", Size: 64, Packed: true,
	Meaning: "session holding only its name (intermediate commit torvalds/linux@0153094d)",
	Fields: []Field{
		cstr(0, 64, "name", "session name, NUL-terminated"),
	},
}

var structLuoSession = &Struct{
	Name: "luo_session_ser", Size: 80, Packed: true,
	Meaning: "session: 64-byte name plus its file set (L-6.19 and later)",
	Fields: []Field{
		cstr(0, 64, "name", "session name (LIVEUPDATE_SESSION_NAME_LENGTH, uAPI)"),
		embed(64, structLuoFileSet, "file_set_ser", "the session's files"),
	},
}

// ---- FLBs ----

var structLuoFlbHead = &Struct{
	Name: "luo_flb_head_ser", Size: 16, Packed: true,
	Meaning: "L-v5 header of the FLB page",
	Fields: []Field{
		num(0, 8, "u64", "pgcnt", "pages of the FLB area (1)"),
		num(8, 8, "u64", "count", "number of luo_flb_ser that follow"),
	},
}

var structLuoFlbHeader = &Struct{
	Name: "luo_flb_header_ser", Size: 16, Packed: true,
	Meaning: "header of the FLB page; luo_flb_ser[] follow",
	Fields: []Field{
		num(0, 8, "u64", "pgcnt", "pages of the FLB area (1)"),
		num(8, 8, "u64", "count", "number of luo_flb_ser that follow"),
	},
}

var structLuoFlb = &Struct{
	Name: "luo_flb_ser", Size: 64, Packed: true,
	Meaning: "one File-Lifecycle-Bound global object",
	Fields: []Field{
		cstr(0, 48, "name", "FLB compatible (LIVEUPDATE_FLB_COMPAT_LENGTH)"),
		num(48, 8, "u64", "data", "FLB-private value"),
		num(56, 8, "u64", "count", "number of files that depend on it (incoming refcount)"),
	},
}

// ---- struct luo_ser ----

var structLuoSer24 = &Struct{
	Name: "luo_ser", Size: 24, Packed: true,
	Meaning: "LUO root state, pointed to by the luo-abi-header property (luo-v2)",
	Fields: []Field{
		num(0, 8, "u64", "liveupdate_num", "live-update counter"),
		addr(8, "u64", "sessions_pa", "PA of the session header; 0 means no sessions"),
		addr(16, "u64", "flbs_pa", "PA of the FLB header; 0 means no FLBs"),
	},
}

// luoCompatLen is LUO_ABI_COMPAT_LEN: ALIGN(sizeof(compatible), 8).
func luoCompatLen(compatible string) int { return (len(compatible) + 1 + 7) &^ 7 }

// luoSerWithString lays out struct luo_ser for a compatible string; the
// kernel sizes the leading char array from the string, so every later
// field moves with it.
func luoSerWithString(compatible, sessions string) *Struct {
	n := luoCompatLen(compatible)
	return &Struct{
		Name: "luo_ser", Size: n + 24, Packed: true,
		Meaning: "LUO root state; the KHO client blob itself, starting with a " + strconv.Itoa(n) + "-byte compatible",
		Fields: []Field{
			cstr(0, n, "compatible", "LUO ABI compatible, NUL-padded to a multiple of 8"),
			num(n, 8, "u64", "liveupdate_num", "live-update counter"),
			addr(n+8, "u64", "sessions_pa", sessions),
			addr(n+16, "u64", "flbs_pa", "PA of the FLB header; 0 means no FLBs"),
		},
	}
}

var (
	structLuoSerV3  = luoSerWithString("luo-v3", "PA of the session header (luo-v3) or first session block (luo-v4, luo-v5); 0 means no sessions")
	structLuoSerRFC = luoSerWithString("luo-v5;block-v1", "PA of the first session block; 0 means no sessions")
	structLuoSerBlk = luoSerWithString("luo-v3-kho-block-v1", "PA of the first session block; 0 means no sessions")
)

var structLuoFeatureHdr = &Struct{
	Name: "luo_feature_hdr", Size: 128, Packed: true,
	Meaning: "feature negotiation header that starts every evolvable L-feat structure",
	Fields: []Field{
		num(0, 8, "u64", "supp", "features the writer supports"),
		num(8, 8, "u64", "req", "features the reader must support"),
		num(16, 8, "u64", "active", "features in use in this blob"),
		nums(24, 8, 13, "u64", "reserved", "reserved, zero"),
	},
}

var structLuoSerFeat = &Struct{
	Name: "luo_ser", Size: 152, Packed: true,
	Meaning: "LUO root state identified by a feature header instead of a string",
	Fields: []Field{
		embed(0, structLuoFeatureHdr, "features", "supp/req/active LUO feature bits"),
		num(128, 8, "u64", "liveupdate_num", "live-update counter"),
		addr(136, "u64", "sessions_pa", "PA of the first session block; 0 means no sessions"),
		addr(144, "u64", "flbs_pa", "PA of the FLB header; 0 means no FLBs"),
	},
}

var structLiveupdateVerHdr = &Struct{
	Name: "liveupdate_ver_hdr", Size: 8, Packed: true,
	Meaning: "header of the vmlinux section .liveupdate_features (kernel image, not handover)",
	Fields: []Field{
		num(0, 4, "u32", "magic", "LIVEUPDATE_VER_HDR_MAGIC 0x4c565550 (LVUP)"),
		num(4, 4, "u32", "version", "LIVEUPDATE_VER_HDR_VER 1"),
	},
}

var structLiveupdateFeatureEntry = &Struct{
	Name: "liveupdate_feature_entry", Size: 80, Packed: true,
	Meaning: "one record of the vmlinux section .liveupdate_features",
	Fields: []Field{
		cstr(0, 48, "name", "subsystem or handler name (luo for the core)"),
		num(48, 4, "u32", "feat_bytes", "bytes covered by each of supp, req and active"),
		num(52, 4, "u32", "reserved", "padding, zero"),
		num(56, 8, "u64", "supp", "supported feature bits"),
		num(64, 8, "u64", "req", "required feature bits"),
		num(72, 8, "u64", "active", "active feature bits"),
	},
}

// ---- FDT nodes ----

func luoRoot(compatible string, withNumber bool) Node {
	n := Node{
		Path: "/", Compatible: compatible, Required: true,
		Meaning: "LUO FDT root (one page)",
		Props: []Prop{
			{Name: "compatible", Kind: PropString, Size: len(compatible) + 1, Required: true, Meaning: "LUO ABI version"},
		},
	}
	if withNumber {
		n.Props = append(n.Props, Prop{Name: "liveupdate-number", Kind: PropU64, Size: 8, Required: true, Meaning: "live-update counter"})
	}
	return n
}

func luoChild(path, compatible, prop, meaning string, required bool) Node {
	return Node{
		Path: path, Compatible: compatible, Required: required, Meaning: meaning,
		Props: []Prop{
			{Name: "compatible", Kind: PropString, Size: len(compatible) + 1, Required: true, Meaning: "node version"},
			{Name: prop, Kind: PropPhysAddr, Size: 8, Required: true, Meaning: "PA of the header of the area"},
		},
	}
}

// nodeSubsystems is /subsystems as the patch v1-v4 postings leave it: the
// properties are added with fdt_setprop to a read-write tree, and each new
// one is inserted right after the node name, so the subsystems come newest
// first and compatible, set first, comes last.
var nodeSubsystems = Node{
	Path: "/subsystems", Compatible: "subsystems-v1", Required: true,
	Meaning: "one property per registered LUO subsystem",
	Props: []Prop{
		{Name: "<subsystem>", Kind: PropU64, Size: 8, Meaning: "opaque subsystem data, named after the subsystem; newest registration first"},
		{Name: "compatible", Kind: PropString, Size: len("subsystems-v1") + 1, Required: true, Meaning: "node version"},
	},
}

// ---- constants ----

func luoCapacities(nameLen int, header, session *Struct, sessionsInBlocks bool) []Constant {
	c := []Constant{
		{Name: "LIVEUPDATE_SESSION_NAME_LENGTH", Value: uint64(nameLen), Meaning: "session name bytes including the NUL"},
		{Name: "LIVEUPDATE_HNDL_COMPAT_LENGTH", Value: 48, Meaning: "file handler compatible bytes"},
	}
	if sessionsInBlocks {
		return append(c, Constant{Name: "sessions-per-block", Value: perBlock(session),
			Meaning: "(KHO_BLOCK_SIZE - sizeof(kho_block_header_ser)) / sizeof(luo_session_ser)"})
	}
	return append(c,
		Constant{Name: "LUO_SESSION_PGCNT", Value: luoSessionPgcnt, Meaning: "pages in the contiguous session block (order 4)"},
		Constant{Name: "LUO_SESSION_MAX", Value: uint64((luoSessionPgcnt*PageSize - header.Size) / session.Size),
			Meaning: "(LUO_SESSION_PGCNT * PAGE_SIZE - sizeof(header)) / sizeof(luo_session_ser)"},
	)
}

var luoFileArrayConstants = []Constant{
	{Name: "LUO_FILE_PGCNT", Value: luoFilePgcnt, Meaning: "pages in a session's contiguous file array (order 1)"},
	{Name: "LUO_FILE_MAX", Value: uint64(luoFilePgcnt * PageSize / structLuoFile.Size), Meaning: "LUO_FILE_PGCNT * PAGE_SIZE / sizeof(luo_file_ser)"},
}

var luoFileBlockConstants = []Constant{
	{Name: "files-per-block", Value: perBlock(structLuoFile), Meaning: "(KHO_BLOCK_SIZE - sizeof(kho_block_header_ser)) / sizeof(luo_file_ser)"},
}

var luoFlbConstants = []Constant{
	{Name: "LIVEUPDATE_FLB_COMPAT_LENGTH", Value: 48, Meaning: "FLB name bytes"},
	{Name: "LUO_FLB_PGCNT", Value: luoFlbPgcnt, Meaning: "pages of the FLB area"},
	{Name: "LUO_FLB_MAX", Value: uint64((luoFlbPgcnt*PageSize - structLuoFlbHeader.Size) / structLuoFlb.Size),
		Meaning: "(LUO_FLB_PGCNT * PAGE_SIZE - sizeof(luo_flb_header_ser)) / sizeof(luo_flb_ser)"},
}

var luoFdtSize = Constant{Name: "LUO_FDT_SIZE", Value: PageSize, Meaning: "LUO FDT buffer (one page)"}

func luoCompatLenConst(compatible string) Constant {
	return Constant{Name: "LUO_ABI_COMPAT_LEN", Value: uint64(luoCompatLen(compatible)),
		Meaning: "bytes of luo_ser.compatible: ALIGN(sizeof(\"" + compatible + "\"), 8)"}
}

// ---- generations ----

var genLRFC = &Generation{
	Tag: "L-RFC", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "luo-v1 FDT with /subsystems properties; files as FDT nodes named by token",
	Compatibles: []string{"luo-v1", "subsystems-v1", "file-descriptors-v1"},
	Status:      StatusProposal,
	Unverified: []string{
		"RFC v1 date",
		"the variant with a 2 MiB FDT and a root property state (u8): posting unknown; modelled as an optional property",
		"whether RFC-era roots carried liveupdate-number: not modelled",
		"RFC v2 (drivers/misc/liveupdate/): whether its LUO FDT was built in read-write mode like patch v1-v3: not confirmed",
	},
	Kernels: []string{"RFC v2 (2025-05-15), drivers/misc/liveupdate/", "patch v1 2025-06-25, v2 2025-07-23, v3 2025-08-07 (kernel/liveupdate/)"},
	Nodes: []Node{
		{
			Path: "/", Compatible: "luo-v1", Required: true, Meaning: "LUO FDT root (SZ_1M in RFC v2, PAGE_SIZE later)",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 7, Required: true, Meaning: "LUO ABI version"},
				{Name: "state", Kind: PropU8, Size: 1, Meaning: "LUO state machine value (one stored variant only)"},
			},
		},
		nodeSubsystems,
		{
			Path: "/file-descriptors", Compatible: "file-descriptors-v1",
			Meaning: "RFC v2: preserved files; mandatory there (a missing node panics the receiver)",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 20, Required: true, Meaning: "node version"},
			},
		},
		{
			Path: "/file-descriptors/<token>", Repeated: true,
			Meaning: "RFC v2: one node per file; the name is the token, parsed base 0",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Required: true, Meaning: "handler compatible, e.g. memfd-v1"},
				{Name: "data", Kind: PropU64, Size: 8, Required: true, Meaning: "handler-private value"},
			},
		},
		{
			FDT: "file-descriptors", Path: "/", Compatible: "file-descriptors-v1", Required: true,
			Meaning: "patch v2/v3: separate FDT whose PA is the file-descriptors subsystem's u64; root node named file-descriptors",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 20, Required: true, Meaning: "node version"},
			},
		},
		{
			FDT: "file-descriptors", Path: "/<token>", Repeated: true,
			Meaning: `patch v2/v3: one node per file, named "%#0llx" (token 0 is "0")`,
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Required: true, Meaning: "handler compatible, e.g. memfd-v1"},
				{Name: "data", Kind: PropU64, Size: 8, Required: true, Meaning: "handler-private value"},
			},
		},
	},
	Constants: []Constant{
		{Name: "LUO_FDT_SIZE", Value: 1 << 20, Meaning: "RFC v2 LUO FDT buffer (SZ_1M); PAGE_SIZE in later postings"},
	},
	Notes: []string{
		"Patch v1-v3 build the LUO FDT in read-write mode: fdt_create_empty_tree(PAGE_SIZE), fdt_setprop_string(compatible), " +
			"fdt_add_subnode(subsystems), its compatible, then one fdt_setprop(name, &zero, 8) per subsystem in registration order, " +
			"stored in place at prepare. It is never packed: reserve map at 0x30, totalsize PAGE_SIZE, and the /subsystems properties " +
			"come newest first with compatible last.",
		"The patch v2/v3 file-descriptors FDT is PAGE_SIZE << get_order(1024 + 128 * n) bytes, preserved with kho_preserve_phys.",
		"The patch v2/v3 file-descriptors FDT is written in sequential-write mode; files come from an xarray walk, so their nodes are in ascending token order.",
		"A missing node, bad token name or missing compatible panics an RFC v2 receiver.",
		"memfd in this era is M0.",
	},
}

var genLv4 = &Generation{
	Tag: "L-v4", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "luo-v1 with /subsystems; sessions are a subsystem pointing to a luo-session FDT",
	Compatibles: []string{"luo-v1", "subsystems-v1", "luo-session-v1"},
	Status:      StatusProposal,
	Unverified: []string{
		"session name length: chose 56 (80-byte entries, same offsets as L-v5)",
		"file entry format: chose the 64-byte luo_file_ser of L-v5",
		"memfd layout used with v4: unknown",
		"session FDT count, data and pgcnt: big-endian, as [PATCH v4 11/30] (liveupdate: luo_session: Add sessions support) writes them " +
			"with fdt_property_u64, unlike every later LUO u64 property (docs/abi/generations.md §4.2, docs/abi/fdt-layout.md §6)",
	},
	Kernels: []string{"LUO patch v4 (2025-09-29)"},
	Nodes: []Node{
		luoRoot("luo-v1", false),
		nodeSubsystems,
		{
			FDT: "luo-session", Path: "/", Compatible: "luo-session-v1", Required: true,
			Meaning: "one-page FDT whose PA is the session subsystem's u64; root node named luo-session",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 15, Required: true, Meaning: "node version"},
				{Name: "count", Kind: PropU64BE, Size: 8, Required: true, Meaning: "number of luo_session_ser"},
				{Name: "data", Kind: PropU64BE, Size: 8, Required: true, Meaning: "PA of luo_session_ser[]; 0 if none"},
				{Name: "pgcnt", Kind: PropU64BE, Size: 8, Required: true, Meaning: "DIV_ROUND_UP(count * sizeof(luo_session_ser), PAGE_SIZE)"},
			},
		},
	},
	Structs:   []*Struct{structLuoSessionName56, structLuoFile},
	Constants: []Constant{{Name: "LIVEUPDATE_SESSION_NAME_LENGTH", Value: 56, Meaning: "session name bytes including the NUL (UNVERIFIED for v4)"}},
	Notes: []string{
		"The prepare/freeze/finish/cancel state machine is still present.",
		"An entry whose name[0] is 0 is skipped.",
		"The LUO FDT is built in read-write mode as in L-RFC (fdt_create_empty_tree(PAGE_SIZE), never packed, /subsystems newest first, compatible last).",
		"The one-page session FDT is sequential-write; count, data and pgcnt are fdt_property_u64 values, i.e. big-endian, " +
			"unlike every later LUO u64 property. pgcnt is DIV_ROUND_UP(count * 80, PAGE_SIZE); data is 0 without sessions.",
	},
}

var genLv5 = &Generation{
	Tag: "L-v5", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "luo-v1 FDT with luo-session-head / luo-flb-head; 16-byte session header, 80-byte sessions (name[56])",
	Compatibles: []string{"luo-v1", "luo-session-v1", "luo-flb-v1"},
	Status:      StatusProposal, Verified: true,
	Kernels: []string{"LUO patch v5 (2025-11-07), include/linux/liveupdate/abi/luo.h"},
	Nodes: []Node{
		luoRoot("luo-v1", true),
		luoChild("/luo-session", "luo-session-v1", "luo-session-head", "sessions", true),
		luoChild("/luo-flb", "luo-flb-v1", "luo-flb-head", "File-Lifecycle-Bound objects", true),
	},
	Structs: []*Struct{structLuoSessionHead16, structLuoSessionName56, structLuoFile, structLuoFlbHead, structLuoFlb},
	Constants: concat(luoCapacities(56, structLuoSessionHead16, structLuoSessionName56, false),
		luoFileArrayConstants, luoFlbConstants, []Constant{luoFdtSize}),
	Notes: []string{"The code comment's 819 sessions matches the layout: (65536 - 16) / 80."},
}

var genLv6 = &Generation{
	Tag: "L-v6", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "as L-v5 with properties renamed to -header; name[64] gives 88-byte sessions",
	Compatibles: []string{"luo-v1", "luo-session-v1", "luo-flb-v1"},
	Status:      StatusProposal, Verified: true,
	Unverified: []string{
		"the session name length inside v6: 04/20 defines 56 and 05/20 raises it to 64; the registry models the fully applied series (88-byte entries). A v6 kernel built at 04/20 writes 80-byte entries with L-v5 offsets",
	},
	Kernels: []string{"LUO patch v6 (2025-11-15), [PATCH v6 04/20] liveupdate: luo_session: add sessions support", "ColinIanKing/linux-next@0873738f include/linux/liveupdate/abi/luo.h"},
	Nodes: []Node{
		luoRoot("luo-v1", true),
		luoChild("/luo-session", "luo-session-v1", "luo-session-header", "sessions", true),
		luoChild("/luo-flb", "luo-flb-v1", "luo-flb-header", "File-Lifecycle-Bound objects", true),
	},
	Structs: []*Struct{structLuoSessionHeader16, structLuoSessionName64Files, structLuoFile, structLuoFlbHeader, structLuoFlb},
	Constants: concat(luoCapacities(64, structLuoSessionHeader16, structLuoSessionName64Files, false),
		luoFileArrayConstants, luoFlbConstants, []Constant{luoFdtSize}),
	Notes: []string{
		"Tell 80- from 88-byte entries by which stride gives NUL-terminated names and plausible PAs, or from the header pgcnt.",
		"The producer writes pgcnt = 16 at setup. The later '744' capacity comment comes from this layout.",
	},
}

var genL619Pre = &Generation{
	Tag: "L-6.19-pre", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "intermediate mainline commit: luo-session-v1 with an 8-byte header and 64-byte name-only sessions",
	Compatibles: []string{"luo-v1", "luo-session-v1"},
	Status:      StatusBisect, Verified: true,
	Kernels: []string{"torvalds/linux@0153094d include/linux/kho/abi/luo.h"},
	Nodes: []Node{
		luoRoot("luo-v1", true),
		luoChild("/luo-session", "luo-session-v1", "luo-session-header", "sessions", true),
	},
	Structs:   []*Struct{structLuoSessionHeader8, structLuoSessionNameOnly},
	Constants: concat(luoCapacities(64, structLuoSessionHeader8, structLuoSessionNameOnly, false), []Constant{luoFdtSize}),
	Notes:     []string{"Only a bisected kernel writes this; there are no files yet."},
}

var l619Structs = []*Struct{structLuoSessionHeader8, structLuoSession, structLuoFileSet, structLuoFile}

var genL619 = &Generation{
	Tag: "L-6.19", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "luo-v1 FDT with luo-session-v2: 8-byte header, 80-byte sessions (name[64] + file set); no FLB node",
	Compatibles: []string{"luo-v1", "luo-session-v2"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{"exact mapping of the 6.19 release tag to torvalds/linux@cc4adab1"},
	KHO:        []Tag{"K1b"}, // Linux 6.19 hands over with kho-v1
	Kernels: []string{"Linux 6.19", "torvalds/linux@cc4adab1 include/linux/kho/abi/luo.h",
		"torvalds/linux@16cec0d2 include/uapi/linux/liveupdate.h", "LUO v7 (2025-11-22) / v8"},
	Nodes: []Node{
		luoRoot("luo-v1", true),
		luoChild("/luo-session", "luo-session-v2", "luo-session-header", "sessions", true),
	},
	Structs: l619Structs,
	Constants: concat(luoCapacities(64, structLuoSessionHeader8, structLuoSession, false),
		luoFileArrayConstants, []Constant{luoFdtSize}),
	Notes: []string{
		"The mainline DOC diagram says luo-session-v1; the code writes luo-session-v2. The 744-session comment is stale: the real maximum is 819.",
		"A mismatched session node makes the receiver fail LUO startup, which panics.",
	},
}

var flbStructs = []*Struct{structLuoFlbHeader, structLuoFlb}

var genLFLB = &Generation{
	Tag: "L-FLB", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "L-6.19 plus the luo-flb node and FLB page; root still luo-v1",
	Compatibles: []string{"luo-v1", "luo-session-v2", "luo-flb-v1"},
	Status:      StatusMaintainerTree, Verified: true,
	Unverified: []string{"release (~7.0)"},
	// FLB arrived around the stateless-KHO series (kho-v2) and stayed until
	// luo_ser replaced the FDT (kho-v3 kernels before luo-v2).
	KHO: []Tag{"K1b", "K2", "K3"},
	Kernels: []string{"torvalds/linux@cab056f2 liveupdate: luo_flb: introduce File-Lifecycle-Bound global state",
		"ColinIanKing/linux-next@6ab3af58, @4bf8e91d", "Diangang/linux@c8cd5cba"},
	Nodes: []Node{
		luoRoot("luo-v1", true),
		luoChild("/luo-session", "luo-session-v2", "luo-session-header", "sessions", true),
		luoChild("/luo-flb", "luo-flb-v1", "luo-flb-header", "File-Lifecycle-Bound objects", true),
	},
	Structs: append(append([]*Struct{}, l619Structs...), flbStructs...),
	Constants: concat(luoCapacities(64, structLuoSessionHeader8, structLuoSession, false),
		luoFileArrayConstants, luoFlbConstants, []Constant{luoFdtSize}),
	Notes: []string{
		"An L-6.19 blob (no luo-flb node) given to an FLB kernel makes it panic: the root string was not raised.",
		"Test FLBs (CONFIG_LIVEUPDATE_TEST) are named liveupdate-test-flb-v<i>. The commit message says luo_flb_head_ser; the code uses _header_ser.",
		"prati0100/linux@dde294c5 proposes a vmlinux section .liveupdate_versions (LVUP header + char[48] handler compatibles) on top of this layout.",
	},
}

var genLluoV2 = &Generation{
	Tag: "L-luo-v2", Component: ComponentLUO, KHONode: "LUO",
	Summary:     "luo-v2 FDT that only points (luo-abi-header) to a 24-byte struct luo_ser",
	Compatibles: []string{"luo-v2"},
	Status:      StatusBisect, Verified: true,
	Kernels: []string{"liveupdate tree d376e4b5 (inside merge 5fb813ae)",
		"[PATCH v2 01/10] liveupdate: centralize state management into struct luo_ser (2026-05-14)"},
	Nodes: []Node{{
		Path: "/", Compatible: "luo-v2", Required: true, Meaning: "LUO FDT root",
		Props: []Prop{
			{Name: "compatible", Kind: PropString, Size: 7, Required: true, Meaning: "LUO ABI version"},
			{Name: "luo-abi-header", Kind: PropPhysAddr, Size: 8, Required: true, Struct: "luo_ser", Meaning: "PA of struct luo_ser"},
		},
	}},
	Structs: append(append([]*Struct{structLuoSer24}, l619Structs...), flbStructs...),
	Constants: concat(luoCapacities(64, structLuoSessionHeader8, structLuoSession, false),
		luoFileArrayConstants, luoFlbConstants, []Constant{luoFdtSize}),
	Notes: []string{
		"liveupdate-number and the luo-session / luo-flb nodes are gone; sub-structures are versioned by the root string only.",
		"Registered with the three-argument kho_add_subtree(name, fdt, fdt_totalsize(fdt)).",
	},
}

var genLluoV3 = &Generation{
	Tag: "L-luo-v3", Component: ComponentLUO, KHONode: "LUO", Root: "luo_ser",
	Summary:     "no FDT: the blob is a 32-byte struct luo_ser starting with luo-v3; contiguous session array",
	Compatibles: []string{"luo-v3"},
	Status:      StatusBisect, Verified: true,
	Kernels: []string{"liveupdate tree cf071b35 (openSUSE/kernel@cf071b35)", "[PATCH v3 02/11] liveupdate: register luo_ser as KHO subtree (2026-05-29)"},
	Structs: append(append([]*Struct{structLuoSerV3}, l619Structs...), flbStructs...),
	Constants: concat([]Constant{luoCompatLenConst("luo-v3")}, luoCapacities(64, structLuoSessionHeader8, structLuoSession, false),
		luoFileArrayConstants, luoFlbConstants),
	Notes: []string{
		"The receiver compares the string with strncmp over LUO_ABI_COMPAT_LEN and requires blob-size >= sizeof(struct luo_ser).",
		"Not the same as an FDT whose compatible is luo-v3: kernelorg-mirror/linux_kernel_git_tatashin_linux@58a411cd has a luo-v3 FDT with luo-abi-header -> 24-byte luo_ser and LUO-local luo_block_header_ser chains (an earlier revision of the remove-limits series, not registered here).",
	},
}

var blockEraStructs = []*Struct{structKhoBlockHeader, structLuoSession, structLuoFileSet, structLuoFile, structLuoFlbHeader, structLuoFlb}

var genLblk = &Generation{
	Tag: "L-blk", Component: ComponentLUO, KHONode: "LUO", Root: "luo_ser",
	Summary:     "48-byte luo_ser with luo-vN-kho-block-v1; sessions (then files) in KHO block chains",
	Compatibles: []string{"luo-v3-kho-block-v1", "luo-v4-kho-block-v1"},
	Status:      StatusProposal, Verified: true,
	Kernels: []string{"kernelorg-mirror/linux_kernel_git_tatashin_linux@bba4117b include/linux/kho/abi/luo.h", "remove-limits series revision 6"},
	Structs: append([]*Struct{structLuoSerBlk}, blockEraStructs...),
	Constants: concat([]Constant{luoCompatLenConst("luo-v3-kho-block-v1")},
		luoCapacities(64, nil, structLuoSession, true), luoFileArrayConstants, luoFileBlockConstants, luoFlbConstants, blockConstants),
	Notes: []string{
		"luo-v3-kho-block-v1: sessions in block chains, files still a contiguous array (LUO_FILE_MAX 128). luo-v4-kho-block-v1: files in block chains too.",
		"KHO_BLOCK_ABI_COMPATIBLE was kho-block-v1 in that revision; the KHO root stayed kho-v3.",
	},
}

var genLluoV4 = &Generation{
	Tag: "L-luo-v4", Component: ComponentLUO, KHONode: "LUO", Root: "luo_ser",
	Summary:     "32-byte luo_ser luo-v4: sessions in KHO block chains, files still contiguous",
	Compatibles: []string{"luo-v4"},
	Status:      StatusBisect,
	Unverified:  []string{"files as a contiguous luo_file_ser[] (as L-6.19) in this intermediate: chosen"},
	Kernels:     []string{"liveupdate tree 2a441a14 Remove limit on the number of sessions (inside merge 5fb813ae)"},
	Structs:     append([]*Struct{structLuoSerV3}, blockEraStructs...),
	Constants: concat([]Constant{luoCompatLenConst("luo-v4")}, luoCapacities(64, nil, structLuoSession, true),
		luoFileArrayConstants, luoFlbConstants, blockConstants),
	Notes: []string{"luo_session_header_ser is gone: the per-block counts are the only session counts. Needs KHO kho-v4."},
}

var genLluoV5 = &Generation{
	Tag: "L-luo-v5", Component: ComponentLUO, KHONode: "LUO", Root: "luo_ser",
	Summary:     "32-byte luo_ser luo-v5: sessions and files in KHO block chains",
	Compatibles: []string{"luo-v5"},
	Status:      StatusReleased, Verified: true,
	SessionsAtReboot: true,
	Consumed: []Consumption{
		{Part: PartBlob, At: StageBooted,
			What:   "luo_ser is parsed at early_initcall and freed (kho_restore_free); the sessions and FLBs live in the running kernel from then on",
			Source: "luo_early_startup() in kernel/liveupdate/luo_core.c:84-136, freed at :133-134 (linux-source-7.2 7.2.12); docs/abi/linux-7.2.md §4"},
		{Part: PartSessionBlocks, At: StageOpened,
			What:   "the session blocks are freed once the first open of /dev/liveupdate deserialized them",
			Source: "luo_session_deserialize() in kernel/liveupdate/luo_session.c:589-636, freed at :628 (linux-source-7.2 7.2.12); docs/abi/linux-7.2.md §4"},
	},
	Kernels: []string{"Linux 7.2 and 7.3 (Debian linux-source-7.2 7.2.12, linux-source-7.3 7.3.4; run in e2e/realkernel)", "liveupdate tree next, merge 5fb813ae (1d115309)", "linux-mm/linux-mm@fb2257f1 include/linux/kho/abi/luo.h",
		"torvalds/linux@637315cb block.h, kho_block.c"},
	Structs: append([]*Struct{structLuoSerV3}, blockEraStructs...),
	Constants: concat([]Constant{luoCompatLenConst("luo-v5")}, luoCapacities(64, nil, structLuoSession, true),
		luoFileBlockConstants, luoFlbConstants, blockConstants),
	Notes: []string{
		"luo_file_set_ser.count is the total over the chain and must equal the sum of the block counts.",
		"linux-mm@fb2257f1 spells luo_file_ser.data as DECLARE_KHOSER_PTR(serialized_data); same 8 bytes.",
	},
}

var genLRFCCompat = &Generation{
	Tag: "L-RFC-compat", Component: ComponentLUO, KHONode: "LUO", Root: "luo_ser",
	Summary:     "40-byte luo_ser with granular compatible luo-v5;block-v1; otherwise L-luo-v5",
	Compatibles: []string{"luo-v5;block-v1"},
	Status:      StatusProposal, Verified: true,
	Unverified: []string{"whether the RFC was merged"},
	Kernels:    []string{"[RFC v1 0/9] KHO granular compatibility (2026-06-05)"},
	Structs:    append([]*Struct{structLuoSerRFC}, blockEraStructs...),
	Constants: concat([]Constant{luoCompatLenConst("luo-v5;block-v1")}, luoCapacities(64, nil, structLuoSession, true),
		luoFileBlockConstants, luoFlbConstants, blockConstants),
	Notes: []string{"Split the string on ';': base luo-v5, sub-component block-v1."},
}

var genLfeat = &Generation{
	Tag: "L-feat", Component: ComponentLUO, KHONode: "LUO", Root: "luo_ser",
	Summary: "no strings: 152-byte luo_ser starting with a 128-byte feature header; files select handlers by name",
	Status:  StatusMaintainerTree, Verified: true,
	Unverified: []string{
		"originating series, date and status (seen only in linux-mm/linux-mm@c30cc99c): chose maintainer-tree",
		"KHO root string in that snapshot: presumably kho-v4",
	},
	Kernels: []string{"linux-mm/linux-mm@c30cc99c include/linux/kho/abi/luo.h, memfd.h"},
	Structs: []*Struct{structLuoFeatureHdr, structLuoSerFeat, structKhoBlockHeader, structLuoSession, structLuoFileSet,
		structLuoFileByName, structLuoFlbHeader, structLuoFlb, structLiveupdateVerHdr, structLiveupdateFeatureEntry},
	Constants: concat([]Constant{
		{Name: "LUO_FEATURE_NUMBER", Value: 0x1, Meaning: "liveupdate_num is valid"},
		{Name: "LUO_FEATURE_SESSIONS", Value: 0x2, Meaning: "sessions_pa is valid"},
		{Name: "LUO_FEATURE_FLBS", Value: 0x4, Meaning: "flbs_pa is valid"},
		{Name: "LUO_CORE_FEATURES", Value: 0x7, Meaning: "supp = req = active written by the core"},
		{Name: "LIVEUPDATE_HNDL_NAME_LENGTH", Value: 48, Meaning: "handler name bytes in luo_file_ser.name"},
		{Name: "LIVEUPDATE_VER_HDR_MAGIC", Value: 0x4c565550, Meaning: "LVUP, magic of the .liveupdate_features section header"},
		{Name: "LIVEUPDATE_VER_HDR_VER", Value: 1, Meaning: "version of the .liveupdate_features section header"},
	}, luoCapacities(64, nil, structLuoSession, true), luoFileBlockConstants, luoFlbConstants, blockConstants),
	Notes: []string{
		"Identify by the first 128 bytes: req and active subsets of supp, reserved words zero, blob length >= 152. A string luo_ser starts with ASCII luo-v instead.",
		"Only additive changes are allowed; a receiver must support every bit set in req.",
		"liveupdate_ver_hdr and liveupdate_feature_entry live in the vmlinux section .liveupdate_features, not in the handover.",
	},
}
