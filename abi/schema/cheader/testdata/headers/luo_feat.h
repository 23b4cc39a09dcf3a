/* Fixture for luoinspect: feature-header LUO and memfd (docs/abi/generations.md §4.12, §5.5). */
#define LUO_FEATURE_NUMBER (1ULL << 0)
#define LUO_FEATURE_SESSIONS (1ULL << 1)
#define LUO_FEATURE_FLBS (1ULL << 2)
#define LIVEUPDATE_VER_HDR_MAGIC 0x4c565550

struct luo_feature_hdr {
	u64 supp;
	u64 req;
	u64 active;
	u64 reserved[13];
} __packed;

struct luo_ser {
	struct luo_feature_hdr features;
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} __packed;

struct liveupdate_ver_hdr {
	u32 magic;
	u32 version;
} __packed;

struct liveupdate_feature_entry {
	char name[48];
	u32 feat_bytes;
	u32 reserved;
	u64 supp;
	u64 req;
	u64 active;
} __packed;

struct memfd_luo_ser {
	struct luo_feature_hdr features;
	u64 pos;
	u64 size;
	u32 seals;
	u32 flags;
	u64 nr_folios;
	struct kho_vmalloc folios;
} __packed;
