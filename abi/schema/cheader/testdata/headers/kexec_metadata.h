/* Fixture for luoinspect: kexec-metadata client blob (docs/abi/generations.md §3.2). */
#define KHO_KEXEC_METADATA_VERSION 1

struct kho_kexec_metadata {
	u32 version;
	char previous_release[__NEW_UTS_LEN + 1];
	u32 kexec_count;
} __packed;
