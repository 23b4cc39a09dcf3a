package abi

// KHO core generations (docs/abi/generations.md §2).

// ---- kho-v1 memory map: chunk list of bitmap pointers (§2.1) ----

var structKhoserMemChunkHdr = &Struct{
	Name: "khoser_mem_chunk_hdr", Size: 16,
	Meaning: "header of one memory-map chunk; every entry in the chunk has the same page order",
	Fields: []Field{
		addr(0, "DECLARE_KHOSER_PTR", "next", "PA of the next chunk; 0 ends the list"),
		num(8, 4, "unsigned int", "order", "page order of every entry in this chunk"),
		num(12, 4, "unsigned int", "num_elms", "number of valid bitmaps[] entries"),
	},
}

var structKhoserMemBitmapPtr = &Struct{
	Name: "khoser_mem_bitmap_ptr", Size: 16,
	Meaning: "one bitmap of preserved blocks of the chunk's order",
	Fields: []Field{
		addr(0, "phys_addr_t", "phys_start", "PA covered by bit 0 of the bitmap"),
		addr(8, "DECLARE_KHOSER_PTR", "bitmap", "PA of a struct kho_mem_phys_bits"),
	},
}

// khoserBitmapSize is KHOSER_BITMAP_SIZE: bitmap pointers per chunk page.
var khoserBitmapSize = (PageSize - structKhoserMemChunkHdr.Size) / structKhoserMemBitmapPtr.Size

var structKhoserMemChunk = &Struct{
	Name: "khoser_mem_chunk", Size: PageSize,
	Meaning: "one page of the kho-v1 preserved-memory map (a singly linked list)",
	Fields: []Field{
		embed(0, structKhoserMemChunkHdr, "hdr", "link, order and entry count"),
		embeds(16, khoserBitmapSize, structKhoserMemBitmapPtr, "bitmaps", "bitmap pointers, ascending phys_start"),
	},
}

// K1a: 512-byte bitmaps (PRESERVE_BITS = 512 * 8).
var structKhoMemPhysBits512 = &Struct{
	Name: "kho_mem_phys_bits", Size: 512,
	Meaning: "K1a preservation bitmap: bit b set preserves the block at phys_start + (b << (order + 12))",
	Fields: []Field{
		bitmap(0, 512*8, "preserve", "one bit per block of the chunk's order"),
	},
}

// K1b: one-page bitmaps (PRESERVE_BITS = PAGE_SIZE * 8).
var structKhoMemPhysBitsPage = &Struct{
	Name: "kho_mem_phys_bits", Size: PageSize,
	Meaning: "K1b preservation bitmap: bit b set preserves the block at phys_start + (b << (order + 12))",
	Fields: []Field{
		bitmap(0, PageSize*8, "preserve", "one bit per block of the chunk's order"),
	},
}

func k1Constants(bitmapStruct *Struct) []Constant {
	preserveBits := uint64(bitmapStruct.Size * 8)
	return []Constant{
		{Name: "KHOSER_BITMAP_SIZE", Value: uint64(khoserBitmapSize), Meaning: "bitmap pointers per chunk: (PAGE_SIZE - 16) / 16"},
		{Name: "PRESERVE_BITS", Value: preserveBits, Meaning: "bits per kho_mem_phys_bits bitmap (bitmap bytes * 8)"},
		{Name: "phys-start-granule-order0", Value: preserveBits << PageShift,
			Meaning: "phys_start is a multiple of PRESERVE_BITS << (order + 12); value shown for order 0"},
	}
}

// ---- kho-v2 and later memory map: radix tree (§2.2) ----

var (
	khoOrder0Log2     = 64 - PageShift
	khoTableSizeLog2  = log2(PageSize / 8)
	khoBitmapSizeLog2 = PageShift + 3
	khoTreeMaxDepth   = radixDepth(PageShift, false)
)

// radixDepth returns KHO_TREE_MAX_DEPTH for a page shift. Early kho-v2
// headers compute DIV_ROUND_UP(O0 - B, T) + 1; later ones add 1 to the
// dividend (later = true). The two agree for 4 KiB and 64 KiB pages only.
func radixDepth(pageShift int, later bool) int {
	o0 := 64 - pageShift
	t := pageShift - 3 // log2(PAGE_SIZE / sizeof(u64))
	b := pageShift + 3 // log2(PAGE_SIZE * 8)
	span := o0 - b
	if later {
		span++
	}
	return divRoundUp(span, t) + 1
}

var structKhoRadixNode = &Struct{
	Name: "kho_radix_node", Size: PageSize,
	Meaning: "one table page of the radix memory map",
	Fields: []Field{
		addrs(0, 1<<khoTableSizeLog2, "u64", "table", "PA of the child node or leaf; 0 means empty"),
	},
}

var structKhoRadixLeaf = &Struct{
	Name: "kho_radix_leaf", Size: PageSize,
	Meaning: "one bitmap page of the radix memory map (level 0)",
	Fields: []Field{
		bitmap(0, 1<<khoBitmapSizeLog2, "bitmap", "bit number = key bits 14..0"),
	},
}

var radixConstants = []Constant{
	{Name: "KHO_ORDER_0_LOG2", Value: uint64(khoOrder0Log2), Meaning: "position of the order bit for order 0: 64 - PAGE_SHIFT"},
	{Name: "KHO_TABLE_SIZE_LOG2", Value: uint64(khoTableSizeLog2), Meaning: "log2 of the entries per radix node: log2(PAGE_SIZE / 8)"},
	{Name: "KHO_BITMAP_SIZE_LOG2", Value: uint64(khoBitmapSizeLog2), Meaning: "log2 of the bits per radix leaf: PAGE_SHIFT + 3"},
	{Name: "KHO_TREE_MAX_DEPTH", Value: uint64(khoTreeMaxDepth),
		Meaning: "table levels + 1 bitmap level: DIV_ROUND_UP(O0 - B, T) + 1 (later headers: O0 - B + 1; same for 4 KiB pages)"},
}

// ---- shared KHO FDT pieces ----

var nodeChosen = Node{
	FDT: "boot device tree", Path: "/chosen",
	Meaning: "DT architectures: where the next kernel finds the KHO root and the scratch array",
	Props: []Prop{
		{Name: "linux,kho-fdt", Kind: PropRaw, Required: true, Meaning: "<address size> of the KHO root FDT; cell encoding UNVERIFIED"},
		{Name: "linux,kho-scratch", Kind: PropRaw, Required: true, Meaning: "<address size> of the kho_scratch[] array; cell encoding UNVERIFIED"},
	},
}

func khoRoot(compatible, mapMeaning string) Node {
	return Node{
		Path: "/", Compatible: compatible, Required: true,
		Meaning: "KHO root FDT, one page",
		Props: []Prop{
			{Name: "compatible", Kind: PropString, Size: len(compatible) + 1, Required: true, Meaning: "KHO ABI version"},
			{Name: "preserved-memory-map", Kind: PropPhysAddr, Size: 8, Required: true, Meaning: mapMeaning},
		},
	}
}

// chosenUnverified applies to every KHO generation.
const chosenUnverified = "cell encoding (counts, byte order) of the DT /chosen properties linux,kho-fdt and linux,kho-scratch: modelled as raw"

const (
	k1MapMeaning    = "PA of the first khoser_mem_chunk; 0 means no map (6.19-era producers: not finalized yet)"
	radixMapMeaning = "PA of the root kho_radix_node; non-zero from boot"
)

var nodeClientK1 = Node{
	Path: "/<client>", Repeated: true,
	Meaning: "one node per KHO client; no compatible",
	Props: []Prop{
		{Name: "fdt", Kind: PropPhysAddr, Size: 8, Required: true, Meaning: "PA of the client's FDT; its length comes from that FDT's header"},
	},
}

var nodeClientK2 = Node{
	Path: "/<client>", Repeated: true,
	Meaning: "one node per KHO client; no compatible",
	Props: []Prop{
		{Name: "preserved-data", Kind: PropPhysAddr, Size: 8, Required: true, Meaning: "PA of the client's blob (an FDT)"},
	},
}

// nodeClientSized lists blob-size first: libfdt read-write mode inserts a
// new property before the existing ones and the kernel sets
// preserved-data first.
var nodeClientSized = Node{
	Path: "/<client>", Repeated: true,
	Meaning: "one node per KHO client; no compatible",
	Props: []Prop{
		{Name: "blob-size", Kind: PropSize, Size: 8, Required: true, Meaning: "length of the client's blob in bytes"},
		{Name: "preserved-data", Kind: PropPhysAddr, Size: 8, Required: true, Meaning: "PA of the client's blob (FDT or raw struct)"},
	},
}

var khoCommonConstants = []Constant{
	{Name: "SETUP_KEXEC_KHO", Value: 10, Meaning: "x86 setup_data type carrying struct kho_data"},
	{Name: "root-fdt-size", Value: PageSize, Meaning: "the KHO root FDT buffer is one page"},
}

var khoPageMagic = Constant{Name: "KHO_PAGE_MAGIC", Value: 0x4b484f50,
	Meaning: `"KHOP" in the high u32 of page->private of restored pages (receiving kernel only, not on the wire)`}

var genK1a = &Generation{
	Tag: "K1a", Component: ComponentKHO,
	Summary:     "kho-v1 with 512-byte bitmaps: chunk list memory map, client property fdt",
	Compatibles: []string{"kho-v1"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{chosenUnverified},
	Kernels: []string{"Linux 6.16", "Linux 6.17 (and 6.17.y before the a2fff99f backport)",
		"torvalds/linux@00c010e130e5 kernel/kexec_handover.c"},
	Nodes:     []Node{khoRoot("kho-v1", k1MapMeaning), nodeClientK1, nodeChosen},
	Structs:   []*Struct{structSetupData, structKhoData, structKhoScratch, structKhoserMemChunk, structKhoserMemChunkHdr, structKhoserMemBitmapPtr, structKhoMemPhysBits512},
	Constants: concat(khoCommonConstants, k1Constants(structKhoMemPhysBits512)),
	Notes: []string{
		"Same compatible as K1b; the bitmap size changed without a bump. Any bitmap PA not 4096-aligned, or any phys_start not a multiple of 32768 << (order + 12), proves K1a; otherwise the blob alone is ambiguous.",
		"Chunks appear in ascending page order; within an order, ascending phys_start. phys_start = (xarray index * PRESERVE_BITS) << (order + 12).",
		"Clients joined through a notifier chain at finalize; the root FDT was written once in sequential-write mode.",
	},
}

var genK1b = &Generation{
	Tag: "K1b", Component: ComponentKHO,
	Summary:     "kho-v1 with one-page bitmaps; kho_vmalloc added without a bump",
	Compatibles: []string{"kho-v1"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{
		"which release first carried a2fff99f: chosen 6.18; which 6.17.y got the stable backport is unknown",
		"kho_vmalloc arrived in the 6.18 cycle (release UNVERIFIED); registry lists it for every K1b blob",
		chosenUnverified,
	},
	Kernels: []string{"Linux 6.18 onward (release UNVERIFIED)", "6.17-stable backport (which 6.17.y is UNVERIFIED)",
		"torvalds/linux@a2fff99f kho: increase metadata bitmap size to PAGE_SIZE",
		"torvalds/linux@dd03dd60 kernel/liveupdate/kexec_handover.c", "Linux 6.19 (torvalds/linux@c17ee635 ABI header)"},
	Nodes: []Node{khoRoot("kho-v1", k1MapMeaning), nodeClientK1, nodeChosen},
	Structs: []*Struct{structSetupData, structKhoData, structKhoScratch, structKhoserMemChunk, structKhoserMemChunkHdr, structKhoserMemBitmapPtr, structKhoMemPhysBitsPage,
		structKhoVmalloc, structKhoVmallocChunk, structKhoVmallocHdr},
	Constants: concat(khoCommonConstants, k1Constants(structKhoMemPhysBitsPage), vmallocConstants, []Constant{khoPageMagic}),
	Notes: []string{
		"A K1a reader and a K1b writer (or the reverse) misread each other's memory map.",
		"6.19-era producers build the root at boot and edit it in place (read-write mode + fdt_pack); preserved-memory-map reads 0 until kho_finalize() (debugfs finalize or liveupdate_reboot()).",
		"The client property constant moved from PROP_SUB_FDT (.c) to KHO_FDT_SUB_TREE_PROP_NAME (ABI header) in 6.19; the name stayed fdt.",
	},
}

var radixStructs = []*Struct{structSetupData, structKhoData, structKhoScratch, structKhoRadixNode, structKhoRadixLeaf,
	structKhoVmalloc, structKhoVmallocChunk, structKhoVmallocHdr}

var radixNotes = []string{
	"Radix key for a block of order o at pa: (1 << (52 - o)) | (pa >> (12 + o)); key bits 59..51, 50..42, 41..33, 32..24, 23..15 index levels 5..1, bits 14..0 the leaf bit.",
	"Decode: h = highest set bit of the key, order = 52 - h, pa = key << (12 + order) in 64-bit arithmetic. A key of 0 or with h > 52 is invalid; a valid root index is at most 3.",
	"There is no finalize step; the map is non-zero from boot and updated live.",
}

var genK2 = &Generation{
	Tag: "K2", Component: ComponentKHO,
	Summary:     "kho-v2 stateless KHO: radix-tree memory map, client property preserved-data",
	Compatibles: []string{"kho-v2"},
	Status:      StatusMaintainerTree, Verified: true,
	Unverified: []string{
		"release (~7.0)",
		"whether fdt -> preserved-data landed in the same commit as the radix tree: registry assumes it did",
		"blob-size under kho-v2 (linux-mm@222ae381de61): not modelled as a layout; decoders must key on the presence of blob-size",
		"KHO_TREE_MAX_DEPTH formula (early O0-B vs later O0-B+1): identical (6) for 4 KiB pages; differs for 16 KiB pages (4 vs 5)",
		chosenUnverified,
	},
	Kernels: []string{"torvalds/linux@3f2ad90060f6 include/linux/kho/abi/kexec_handover.h",
		"torvalds/linux@019fc3687237 kernel/liveupdate/kexec_handover.c", "Make KHO Stateless v6/v7 (2026-01)", "~7.0 (UNVERIFIED)"},
	Nodes:     []Node{khoRoot("kho-v2", radixMapMeaning), nodeClientK2, nodeChosen},
	Structs:   radixStructs,
	Constants: concat(khoCommonConstants, radixConstants, vmallocConstants, []Constant{khoPageMagic}),
	Notes: append([]string{
		"An early RFC named the map property preserved-page-radix-tree; the final series kept preserved-memory-map.",
		"If a kho-v2 blob carries blob-size, report it as the distinct state \"kho-v2 with blob-size\".",
	}, radixNotes...),
}

var genK3 = &Generation{
	Tag: "K3", Component: ComponentKHO,
	Summary:     "kho-v3: adds blob-size so sub-blobs may be raw structs; adds the kexec-metadata client",
	Compatibles: []string{"kho-v3"},
	Status:      StatusMaintainerTree, Verified: true,
	Unverified: []string{
		"release (~7.1)",
		"property byte order inside a client node (blob-size before preserved-data) measured with libfdt 1.6.1, not with a kernel-written blob",
		"kho_retrieve_subtree() rejecting a node without blob-size (seen only in a non-original copy of the source)",
		chosenUnverified,
	},
	Kernels:   []string{"Breno Leitao's kho blob-size series (mm/next, 2026)", "Aarav90-cpu/linux-kotlin@a663adb6", "~7.1 (UNVERIFIED)"},
	Nodes:     []Node{khoRoot("kho-v3", radixMapMeaning), nodeClientSized, nodeChosen},
	Structs:   radixStructs,
	Constants: concat(khoCommonConstants, radixConstants, vmallocConstants, []Constant{khoPageMagic}),
	Notes: append([]string{
		"blob-size (KHO_SUB_TREE_SIZE_PROP_NAME) is mandatory; debugfs skips a node without it.",
		"A failed kho_add_subtree() deletes the node again; its property names stay in the strings block.",
	}, radixNotes...),
}

var genK4 = &Generation{
	Tag: "K4", Component: ComponentKHO,
	Summary:     "kho-v4: K3 FDT; versions the generic KHO block-chain ABI",
	Compatibles: []string{"kho-v4"},
	Status:      StatusReleased, Verified: true,
	Unverified: []string{chosenUnverified},
	Consumed: []Consumption{{
		Part: PartMemoryMap, At: StageBooted,
		What:   "the radix map pages were allocated but never preserved: the new kernel walks them in mm_core_init and then reuses them",
		Source: "kho_mem_retrieve() and the radix walk in kernel/liveupdate/kexec_handover.c:1411-1431, 285-367; tables from kzalloc/get_zeroed_page at :1556, :199 (linux-source-7.2 7.2.12); docs/abi/linux-7.2.md §4",
	}},
	Kernels: []string{"Linux 7.2 and 7.3 (Debian linux-source-7.2 7.2.12, linux-source-7.3 7.3.4; run in e2e/realkernel)", "liveupdate tree next, merge 5fb813ae", "linux-mm/linux-mm@d3b55a6a include/linux/kho/abi/kexec_handover.h",
		"torvalds/linux@637315cb include/linux/kho/abi/block.h"},
	Nodes:     []Node{khoRoot("kho-v4", radixMapMeaning), nodeClientSized, nodeChosen},
	Structs:   append(append([]*Struct{}, radixStructs...), structKhoBlockHeader),
	Constants: concat(khoCommonConstants, radixConstants, vmallocConstants, blockConstants, []Constant{khoPageMagic}),
	Notes: append([]string{
		"The DOC comment of the linux-mm header still says kho-v3; the code writes kho-v4. Trust the blob.",
	}, radixNotes...),
}

var genKRFCCompat = &Generation{
	Tag: "K-RFC-compat", Component: ComponentKHO,
	Summary:     "granular compatible kho-v4;radix-v1;vmalloc-v1; layout as K4",
	Compatibles: []string{"kho-v4;radix-v1;vmalloc-v1"},
	Status:      StatusProposal, Verified: true,
	Unverified: []string{"whether the RFC was merged", chosenUnverified},
	Kernels:    []string{"[RFC v1 0/9] KHO granular compatibility (2026-06-05, based on 5fb813ae)", "linux-mm/linux-mm@8c8e7930 include/linux/kho/abi/compat.h"},
	Nodes:      []Node{khoRoot("kho-v4;radix-v1;vmalloc-v1", radixMapMeaning), nodeClientSized, nodeChosen},
	Structs:    append(append([]*Struct{}, radixStructs...), structKhoBlockHeader),
	Constants:  concat(khoCommonConstants, radixConstants, vmallocConstants, blockConstants, []Constant{khoPageMagic}),
	Notes: append([]string{
		"The compatible is one string; split on ';' (base, then sub-components in alphabetical order). A kernel expecting plain kho-v4 rejects it.",
		"Sub-component strings: radix-v1 (KHO_RADIX_COMPATIBLE), vmalloc-v1 (KHO_VMALLOC_COMPATIBLE), block-v1 (KHO_BLOCK_COMPATIBLE). KHO_COMPAT_ALIGN(s) = ALIGN(sizeof(s), 8).",
	}, radixNotes...),
}
