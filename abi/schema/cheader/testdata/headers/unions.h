/* Fixture for luoinspect: layout corner cases checked only against gcc. */
struct fx_inner {
	u8 a;
	u32 b;
};

struct fx_mixed {
	u8 tag;
	union {
		u32 word;
		u8 bytes[4];
	};
	struct {
		u16 lo;
		u16 hi;
	} pair;
	u64 big;
	u8 tail[3];
};

struct fx_bits {
	u8 first;
	u32 a:3;
	u32 b:30;
	u16 c:9;
	u64 d:40;
	u8 last;
};

struct fx_packed_bits {
	u8 first;
	u32 a:3;
	u32 b:30;
	u64 d:40;
} __packed;

struct fx_aligned {
	u32 x;
} __aligned(16);

struct fx_nested {
	struct fx_inner in[2];
	struct fx_aligned al;
	char s[5];
	unsigned long long q;
	short r;
};
