/* Fixture for luoinspect: LUO patch v5 layout (docs/abi/generations.md §4.3). */
#define LUO_FDT_COMPATIBLE "luo-v1"
#define LUO_SESSION_COMPATIBLE "luo-session-v1"
#define LUO_FLB_COMPATIBLE "luo-flb-v1"
#define LUO_SESSION_HEAD_PROP "luo-session-head"
#define LIVEUPDATE_SESSION_NAME_LENGTH 56
#define LIVEUPDATE_HNDL_COMPAT_LENGTH 48
#define LIVEUPDATE_FLB_COMPAT_LENGTH 48
#define LUO_SESSION_PGCNT 16ul
#define LUO_SESSION_MAX (((LUO_SESSION_PGCNT << PAGE_SHIFT) - \
	sizeof(struct luo_session_head_ser)) / sizeof(struct luo_session_ser))

struct luo_session_head_ser {
	u64 pgcnt;
	u64 count;
} __packed;

struct luo_session_ser {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	u64 files;
	u64 pgcnt;
	u64 count;
} __packed;

struct luo_file_ser {
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u64 data;
	u64 token;
} __packed;

struct luo_flb_head_ser {
	u64 pgcnt;
	u64 count;
} __packed;

struct luo_flb_ser {
	char name[LIVEUPDATE_FLB_COMPAT_LENGTH];
	u64 data;
	u64 count;
} __packed;
