/* Fixture for luoinspect: Linux 6.19 LUO layout (docs/abi/generations.md §4.5). */
#define LUO_FDT_COMPATIBLE "luo-v1"
#define LUO_FDT_SESSION_COMPATIBLE "luo-session-v2"
#define LUO_FDT_SESSION_HEADER "luo-session-header"
#define LIVEUPDATE_SESSION_NAME_LENGTH 64
#define LIVEUPDATE_HNDL_COMPAT_LENGTH 48

struct luo_file_ser {
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	u64 data;
	u64 token;
} __packed;

struct luo_file_set_ser {
	u64 files;
	u64 count;
} __packed;

struct luo_session_header_ser {
	u64 count;
} __packed;

struct luo_session_ser {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct luo_file_set_ser file_set_ser;
} __packed;
