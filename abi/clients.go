package abi

// Other KHO clients (docs/abi/generations.md §3).

var genMemblock = &Generation{
	Tag: "memblock", Component: ComponentClient, KHONode: "memblock",
	Summary:     "reserve_mem= regions as an FDT: one node per region with start and size",
	Compatibles: []string{"memblock-v1", "reserve-mem-v1"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{"receiver allocating the region afresh when the stored one does not match (secondary source)"},
	Kernels:    []string{"Linux 6.16 onward, mm/memblock.c", "torvalds/linux@c17ee635 include/linux/kho/abi/memblock.h"},
	Nodes: []Node{
		{
			Path: "/", Compatible: "memblock-v1", Required: true,
			Meaning: "memblock FDT, one page, built in sequential-write mode and preserved as a folio",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 12, Required: true, Meaning: "client version"},
			},
		},
		{
			Path: "/<region>", Compatible: "reserve-mem-v1", Repeated: true,
			Meaning: "one node per reserve_mem= region, in table order, named after the region",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 15, Required: true, Meaning: "node version"},
				{Name: "start", Kind: PropPhysAddr, Size: 8, Required: true, Meaning: "start PA of the region"},
				{Name: "size", Kind: PropSize, Size: 8, Required: true, Meaning: "length of the region in bytes"},
			},
		},
	},
	Notes: []string{"Under kho-v3 and later the FDT is registered with fdt_totalsize(fdt) as its blob-size."},
}

// newUTSLen is __NEW_UTS_LEN from the uAPI utsname header.
const newUTSLen = 64

var structKexecMetadata = &Struct{
	Name: "kho_kexec_metadata", Size: 73, Packed: true,
	Meaning: "raw blob of the kexec-metadata client, self-versioned by its first field",
	Fields: []Field{
		num(0, 4, "u32", "version", "KHO_KEXEC_METADATA_VERSION (1)"),
		cstr(4, newUTSLen+1, "previous_release", "release string of the kernel that wrote the blob"),
		num(69, 4, "u32", "kexec_count", "kexec boots since the last cold boot"),
	},
}

var genKexecMetadata = &Generation{
	Tag: "kexec-metadata", Component: ComponentClient, KHONode: "kexec-metadata", Root: "kho_kexec_metadata",
	Summary: "73-byte packed struct: version, previous kernel release, kexec count (kho-v3 and later)",
	Status:  StatusReleased, Verified: true,
	Kernels: []string{"Linux 7.2 and 7.3 (Debian linux-source-7.2 7.2.12, linux-source-7.3 7.3.4; run in e2e/realkernel)", "torvalds/linux@40735a683bf8 include/linux/kho/abi/kexec_metadata.h", "kho: kexec-metadata: track previous kernel chain (2026)"},
	Structs: []*Struct{structKexecMetadata},
	Constants: []Constant{
		{Name: "KHO_KEXEC_METADATA_VERSION", Value: 1, Meaning: "the only defined version"},
		{Name: "__NEW_UTS_LEN", Value: newUTSLen, Meaning: "utsname field length without the NUL"},
		{Name: "min-blob-size-version", Value: uint64(structKexecMetadata.Fields[0].Size), Meaning: "blob-size needed to read version"},
		{Name: "min-blob-size", Value: uint64(structKexecMetadata.Size), Meaning: "blob-size needed to read the whole struct"},
	},
	Notes: []string{
		"The reader checks, in order: blob-size >= 4, version == 1, blob-size >= 73; on failure it warns and ignores the blob.",
		"Needs kho-v3 or later: the blob is not an FDT, so blob-size must be present.",
		"kexec_count is the incoming count + 1, written at kho_init: the outgoing blob already holds the count of the kexec to come (1 after a cold boot), and the next kernel reads it unchanged (7.2, seen).",
		"Never freed by the receiving kernel: readable for its whole life.",
	},
}

var genKhoTest = &Generation{
	Tag: "kho_test", Component: ComponentClient, KHONode: "kho_test",
	Summary:     "test module FDT: magic, folio count, kho_vmalloc of folio descriptors, checksum",
	Compatibles: []string{"kho-test-v1"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{
		"u32 payloads in CPU byte order like every other KHO payload (presumed)",
		"the earliest lib/test_kho.c has no folios_info property; which release switched is not pinned",
	},
	Kernels: []string{"torvalds/linux@136114e0abf0 lib/test_kho.c"},
	Nodes: []Node{
		{
			Path: "/", Compatible: "kho-test-v1", Required: true, Meaning: "kho_test FDT",
			Props: []Prop{
				{Name: "compatible", Kind: PropString, Size: 12, Required: true, Meaning: "client version"},
				{Name: "magic", Kind: PropU32, Size: 4, Required: true, Meaning: "KHO_TEST_MAGIC"},
			},
		},
		{
			Path: "/data", Required: true, Meaning: "test payload; the reader checks every length exactly",
			Props: []Prop{
				{Name: "nr_folios", Kind: PropU32, Size: 4, Required: true, Meaning: "number of test folios"},
				{Name: "folios_info", Kind: PropRaw, Size: 16, Required: true, Struct: "kho_vmalloc",
					Meaning: "area whose u64 elements are phys | order of each folio"},
				{Name: "csum", Kind: PropU32, Size: 4, Required: true, Meaning: "checksum of the folio contents"},
			},
		},
	},
	Structs: []*Struct{structKhoVmalloc, structKhoVmallocChunk, structKhoVmallocHdr},
	Constants: []Constant{
		{Name: "KHO_TEST_MAGIC", Value: 0x4b484f21, Meaning: `"KHO!"`},
	},
}
