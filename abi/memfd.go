package abi

// memfd LUO file handler generations (docs/abi/generations.md §5).

// M0 folio record. The kernel stores one u64 foliodesc = pfn << 12 | flags;
// it is modelled as two bitfields of that word so that decoders read both
// generations the same way.
var structMemfdPreservedFolio = &Struct{
	Name: "memfd_luo_preserved_folio", Size: 16, Packed: true,
	Meaning: "M0 folio record: foliodesc = pfn << 12 | flags, then the page-cache index",
	Fields: []Field{
		bits(0, 8, "u64", 0, 12, "flags", "foliodesc bits 11..0: bit 0 PRESERVED_FLAG_DIRTY, bit 1 PRESERVED_FLAG_UPTODATE"),
		bits(0, 8, "u64", 12, 52, "pfn", "foliodesc bits 63..12: page frame number of the folio"),
		num(8, 8, "u64", "index", "page-cache index of the folio"),
	},
}

// M1 and later folio record: GCC on little-endian targets gives the first
// declared bitfield the low bits.
var structMemfdFolio = &Struct{
	Name: "memfd_luo_folio_ser", Size: 16, Packed: true,
	Meaning: "folio record: pfn in bits 0..51 and flags in bits 52..63 of the first word",
	Fields: []Field{
		bits(0, 8, "u64", 0, 52, "pfn", "page frame number of the folio head"),
		bits(0, 8, "u64", 52, 12, "flags", "bit 0 MEMFD_LUO_FOLIO_DIRTY, bit 1 MEMFD_LUO_FOLIO_UPTODATE"),
		num(8, 8, "u64", "index", "page-cache index of the folio"),
	},
}

var structMemfdSer40 = &Struct{
	Name: "memfd_luo_ser", Size: 40, Packed: true,
	Meaning: "memfd state (memfd-v1)",
	Fields: []Field{
		num(0, 8, "u64", "pos", "file position"),
		num(8, 8, "u64", "size", "file size (i_size)"),
		num(16, 8, "u64", "nr_folios", "number of folio records"),
		embed(24, structKhoVmalloc, "folios", "area holding nr_folios memfd_luo_folio_ser"),
	},
}

var structMemfdSerSeals8 = &Struct{
	Name: "memfd_luo_ser", Size: 48, Packed: true,
	Meaning: "memfd state with 8 seal bits (M2a)",
	Fields: []Field{
		num(0, 8, "u64", "pos", "file position"),
		num(8, 8, "u64", "size", "file size (i_size)"),
		bits(16, 8, "u64", 0, 8, "seals", "F_SEAL_* bits"),
		bits(16, 8, "u64", 8, 56, "__reserved", "reserved, zero"),
		num(24, 8, "u64", "nr_folios", "number of folio records"),
		embed(32, structKhoVmalloc, "folios", "area holding nr_folios memfd_luo_folio_ser"),
	},
}

var structMemfdSer48 = &Struct{
	Name: "memfd_luo_ser", Size: 48, Packed: true,
	Meaning: "memfd state with u32 seals and u32 flags (M2b, M3)",
	Fields: []Field{
		num(0, 8, "u64", "pos", "file position"),
		num(8, 8, "u64", "size", "file size (i_size)"),
		num(16, 4, "u32", "seals", "F_SEAL_* bits"),
		num(20, 4, "u32", "flags", "file flags; no bits defined, must be 0"),
		num(24, 8, "u64", "nr_folios", "number of folio records"),
		embed(32, structKhoVmalloc, "folios", "area holding nr_folios memfd_luo_folio_ser"),
	},
}

var structMemfdSerFeat = &Struct{
	Name: "memfd_luo_ser", Size: 176, Packed: true,
	Meaning: "memfd state behind a feature header (M4)",
	Fields: []Field{
		embed(0, structLuoFeatureHdr, "features", "supp/req/active memfd feature bits"),
		num(128, 8, "u64", "pos", "file position"),
		num(136, 8, "u64", "size", "file size (i_size)"),
		num(144, 4, "u32", "seals", "F_SEAL_* bits"),
		num(148, 4, "u32", "flags", "file flags; unused bits must be 0"),
		num(152, 8, "u64", "nr_folios", "number of folio records"),
		embed(160, structKhoVmalloc, "folios", "area holding nr_folios memfd_luo_folio_ser"),
	},
}

// memfdAllSeals is F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
// | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC.
const memfdAllSeals = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20

var memfdFolioConstants = []Constant{
	{Name: "MEMFD_LUO_FOLIO_DIRTY", Value: 0x1, Meaning: "folio flag: holds user data"},
	{Name: "MEMFD_LUO_FOLIO_UPTODATE", Value: 0x2, Meaning: "folio flag: already zeroed"},
	{Name: "folio-record-size", Value: uint64(structMemfdFolio.Size), Meaning: "bytes per folio record in the vmalloc area"},
}

var memfdSealConstants = []Constant{
	{Name: "MEMFD_LUO_ALL_SEALS", Value: memfdAllSeals, Meaning: "seals the handler preserves; others are rejected at preserve time"},
}

var memfdStructs = []*Struct{structMemfdFolio, structKhoVmalloc, structKhoVmallocChunk, structKhoVmallocHdr}

var genM0 = &Generation{
	Tag: "M0", Component: ComponentMemfd,
	Summary:     "memfd-v1 with a per-memfd FDT; folio word pfn << 12 | flags",
	Compatibles: []string{"memfd-v1"},
	Status:      StatusProposal,
	Unverified:  []string{"whether every M0 revision has the nr_folios property: modelled as optional"},
	Kernels:     []string{"mm/memfd_luo.c in LUO patch v2/v3 (2025-07/08)", "ColinIanKing/linux-next@ed83cd1b4600 mm/memfd_luo.c"},
	Nodes: []Node{{
		Path: "/", Required: true,
		Meaning: "per-memfd FDT pointed to by luo_file data; allocated at the folio order for PAGE_ALIGN(16 * n) + PAGE_SIZE",
		Props: []Prop{
			{Name: "pos", Kind: PropU64, Size: 8, Required: true, Meaning: "file position"},
			{Name: "size", Kind: PropU64, Size: 8, Required: true, Meaning: "file size"},
			{Name: "folios", Kind: PropRaw, Required: true, Struct: "memfd_luo_preserved_folio", Meaning: "array of 16-byte folio records, CPU byte order"},
			{Name: "nr_folios", Kind: PropU64, Size: 8, Meaning: "number of folio records (one linux-next variant)"},
		},
	}},
	Structs: []*Struct{structMemfdPreservedFolio},
	Constants: []Constant{
		{Name: "PRESERVED_FLAG_DIRTY", Value: 0x1, Meaning: "foliodesc flag bit 0"},
		{Name: "PRESERVED_FLAG_UPTODATE", Value: 0x2, Meaning: "foliodesc flag bit 1"},
	},
	Notes: []string{
		"Same string as M1: if the data PA starts with FDT magic d0 0d fe ed it is M0, otherwise M1.",
		"An entry with foliodesc == 0 is skipped. pfn 0x123456789 with flags 3 encodes as 0x0000123456789003 (M1: 0x0030000123456789).",
		"Never in mainline.",
	},
}

var genM1 = &Generation{
	Tag: "M1", Component: ComponentMemfd, Root: "memfd_luo_ser",
	Summary:     "memfd-v1 40-byte packed struct; folio word pfn in bits 0..51, flags in 52..63",
	Compatibles: []string{"memfd-v1"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{"L-v5 used the same layout (presumed)", "arm64 bitfield placement (same LE ABI rule, not compiled)"},
	Kernels: []string{"Linux 6.19", "torvalds/linux@32cb2729, @ac2d8102 include/linux/kho/abi/memfd.h",
		"prati0100/linux@5ea1795e include/linux/liveupdate/abi/memfd.h (v6)"},
	Structs:   append([]*Struct{structMemfdSer40}, memfdStructs...),
	Constants: memfdFolioConstants,
	Notes: []string{
		"Later mm patches make restore treat all folios as uptodate and dirty without a version bump (semantic only).",
	},
}

var genM2a = &Generation{
	Tag: "M2a", Component: ComponentMemfd, Root: "memfd_luo_ser",
	Summary:     "memfd-v2 48-byte struct with seals:8 and 56 reserved bits",
	Compatibles: []string{"memfd-v2"},
	Status:      StatusProposal, Verified: true,
	Kernels:   []string{"sjp38/linux@ec4967c2", "samikhawaja/linux@8f2c787c"},
	Structs:   append([]*Struct{structMemfdSerSeals8}, memfdStructs...),
	Constants: concat(memfdFolioConstants, memfdSealConstants),
	Notes: []string{
		"Decodes like M2b whenever bits 8..63 of the word at offset 16 are zero, which holds for all valid data.",
	},
}

var genM2b = &Generation{
	Tag: "M2b", Component: ComponentMemfd, Root: "memfd_luo_ser",
	Summary:     "memfd-v2 48-byte struct with u32 seals and u32 flags",
	Compatibles: []string{"memfd-v2"},
	Status:      StatusReleased, Verified: true,
	Consumed: []Consumption{{
		Part: PartFileData, At: StageRetrieved,
		What:   "RETRIEVE_FD frees the memfd_luo_ser and the folio array; the folios become the new memfd's pages",
		Source: "memfd_luo_retrieve() in mm/memfd_luo.c:518-578, freed at :569 (linux-source-7.2 7.2.12); docs/abi/linux-7.2.md §4",
	}},
	Kernels: []string{"Linux 7.2 and 7.3 (Debian linux-source-7.2 7.2.12, linux-source-7.3 7.3.4; run in e2e/realkernel)", "linux-mm/linux-mm@873e8b59c82f include/linux/kho/abi/memfd.h", "Aarav90-cpu/linux-kotlin@a663adb6",
		"mm-memfd_luo-preserve-file-seals (2026)"},
	Structs:   append([]*Struct{structMemfdSer48}, memfdStructs...),
	Constants: concat(memfdFolioConstants, memfdSealConstants),
	Notes: []string{
		"Same string as M2a: bits 8..31 at offset 16 are invalid in both; non-zero bits 32..63 are M2b flags, which must be 0.",
		"A new seal needs MEMFD_LUO_ALL_SEALS and a version bump.",
	},
}

var genM3 = &Generation{
	Tag: "M3", Component: ComponentMemfd, Root: "memfd_luo_ser",
	Summary:     "memfd-v2;vmalloc-v1: M2b layout under a granular string",
	Compatibles: []string{"memfd-v2;vmalloc-v1"},
	Status:      StatusProposal, Verified: true,
	Unverified: []string{"whether the RFC was merged"},
	Kernels:    []string{"[RFC v1 0/9] KHO granular compatibility (2026-06-05)"},
	Structs:    append([]*Struct{structMemfdSer48}, memfdStructs...),
	Constants: concat(memfdFolioConstants, memfdSealConstants, []Constant{
		{Name: "compat-align", Value: uint64(luoCompatLen("memfd-v2;vmalloc-v1")), Meaning: "KHO_COMPAT_ALIGN of the string; checked to be <= 48"},
	}),
}

var genM4 = &Generation{
	Tag: "M4", Component: ComponentMemfd, Root: "memfd_luo_ser",
	Summary:     "handler name memfd; 176-byte struct behind a feature header",
	Compatibles: []string{"memfd"},
	Status:      StatusMaintainerTree, Verified: true,
	Unverified: []string{"originating series and status, as L-feat"},
	Kernels:    []string{"linux-mm/linux-mm@c30cc99c include/linux/kho/abi/memfd.h"},
	Structs:    append([]*Struct{structMemfdSerFeat, structLuoFeatureHdr}, memfdStructs...),
	Constants: concat(memfdFolioConstants, []Constant{
		{Name: "MEMFD_LUO_FEATURE_SEALS", Value: 0x1, Meaning: "seals field is valid"},
		{Name: "MEMFD_LUO_FEATURE_FOLIOS", Value: 0x2, Meaning: "folio area is valid"},
		{Name: "MEMFD_LUO_FEATURES", Value: 0x3, Meaning: "supp = req = active written by the handler"},
		{Name: "MEMFD_LUO_BASE_SEALS", Value: memfdAllSeals, Meaning: "seals covered by MEMFD_LUO_FEATURE_SEALS; a new seal needs a new feature bit"},
	}),
	Notes: []string{"Compatibles holds the handler name (MEMFD_LUO_FH_NAME), which luo_file_ser.name carries in L-feat."},
}
