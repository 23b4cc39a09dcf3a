/* Fixture for luoinspect: memfd-v2 with u32 seals and flags (docs/abi/generations.md §5.3 M2b). */
#define MEMFD_LUO_FH_COMPATIBLE "memfd-v2"

struct memfd_luo_folio_ser {
	u64 pfn:52;
	u64 flags:12;
	u64 index;
} __packed;

struct memfd_luo_ser {
	u64 pos;
	u64 size;
	u32 seals;
	u32 flags;
	u64 nr_folios;
	struct kho_vmalloc folios;
} __packed;
