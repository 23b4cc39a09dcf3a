/* Fixture for luoinspect: KHO blocks and the granular KHO string (docs/abi/generations.md §1.5, §2.7). */
#define KHO_SUB_COMPAT(s) ";" s
#define KHO_COMPAT_ALIGN(s) ALIGN(sizeof(s), 8)
#define KHO_RADIX_COMPATIBLE "radix-v1"
#define KHO_VMALLOC_COMPATIBLE "vmalloc-v1"
#define KHO_BLOCK_COMPATIBLE "block-v1"
#define KHO_FDT_COMPATIBLE "kho-v4" KHO_SUB_COMPAT(KHO_RADIX_COMPATIBLE) KHO_SUB_COMPAT(KHO_VMALLOC_COMPATIBLE)
#define KHO_FDT_SUB_TREE_PROP_NAME "preserved-data"
#define KHO_SUB_TREE_SIZE_PROP_NAME "blob-size"
#define KHO_BLOCK_SIZE PAGE_SIZE
#define KHO_MAX_BLOCKS 10000

struct kho_block_header_ser {
	u64 next;
	u64 count;
} __packed;
