/* Fixture for luoinspect: memfd-v2 with an 8-bit seals bitfield (docs/abi/generations.md §5.3 M2a). */
#define MEMFD_LUO_FH_COMPATIBLE "memfd-v2"

struct memfd_luo_folio_ser {
	u64 pfn:52;
	u64 flags:12;
	u64 index;
} __packed;

struct memfd_luo_ser {
	u64 pos;
	u64 size;
	u64 seals:8;
	u64 __reserved:56;
	u64 nr_folios;
	struct kho_vmalloc folios;
} __packed;
