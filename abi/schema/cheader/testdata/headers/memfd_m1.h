/* Fixture for luoinspect: memfd-v1 struct layout (docs/abi/generations.md §5.2). */
#define MEMFD_LUO_FH_COMPATIBLE "memfd-v1"
#define MEMFD_LUO_FOLIO_DIRTY (1 << 0)
#define MEMFD_LUO_FOLIO_UPTODATE (1 << 1)

struct memfd_luo_folio_ser {
	u64 pfn:52;
	u64 flags:12;
	u64 index;
} __packed;

struct memfd_luo_ser {
	u64 pos;
	u64 size;
	u64 nr_folios;
	struct kho_vmalloc folios;
} __packed;
