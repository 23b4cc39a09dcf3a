/* Fixture written for luoinspect from the K4 radix map layout: the table
 * and bitmap sizes come from an enum built with const_ilog2 and
 * BITS_PER_BYTE, and the leaf is a DECLARE_BITMAP, as in Linux 7.2. */
enum kho_radix_fixture_consts {
	KHO_ORDER_0_LOG2 = 64 - PAGE_SHIFT,
	KHO_TABLE_SIZE_LOG2 = const_ilog2(PAGE_SIZE / sizeof(phys_addr_t)),
	KHO_BITMAP_SIZE_LOG2 = PAGE_SHIFT + const_ilog2(BITS_PER_BYTE),
	KHO_TREE_MAX_DEPTH = DIV_ROUND_UP(KHO_ORDER_0_LOG2 - KHO_BITMAP_SIZE_LOG2 + 1, KHO_TABLE_SIZE_LOG2) + 1,
};

struct kho_radix_node {
	u64 table[1 << KHO_TABLE_SIZE_LOG2];
};

struct kho_radix_leaf {
	DECLARE_BITMAP(bitmap, 1 << KHO_BITMAP_SIZE_LOG2);
};
