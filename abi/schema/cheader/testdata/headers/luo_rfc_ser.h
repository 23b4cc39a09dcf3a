/* Fixture for luoinspect: luo_ser sized from its compatible (docs/abi/generations.md §4.11, §7.14). */
#define LUO_ABI_COMPAT_BASE "luo-v5"
#define LUO_ABI_COMPATIBLE LUO_ABI_COMPAT_BASE KHO_SUB_COMPAT(KHO_BLOCK_COMPATIBLE)
#define LUO_ABI_COMPAT_LEN KHO_COMPAT_ALIGN(LUO_ABI_COMPATIBLE)

struct luo_ser {
	char compatible[LUO_ABI_COMPAT_LEN];
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} __packed;
