/*
 * Layout oracle for package abi.
 *
 * Every struct below is written from the field tables of the reference
 * pages (docs/abi/generations.md), using fixed-width types, __packed
 * where the notes say packed, and bitfields where the notes have them.
 * It is not kernel source.
 *
 * For each struct the program prints:
 *
 *   struct <tag>/<name> <sizeof>
 *   field  <path> <offsetof> <sizeof> <array count or 0>
 *   bits   <path> <first bit> <last bit> <bits set>
 *   sample <hex bytes of one object filled with known patterns>
 *
 * <tag>/<name> names one generation that uses the layout and the struct's
 * C name in the registry. Bitfield positions are found by setting the
 * member to all ones in a zeroed object and scanning its bytes.
 *
 * Fill patterns, numbered by leaf (scalar, array or bitfield) from 1 in
 * declaration order, embedded structs expanded:
 *   integer element j of leaf i: pat(i, j), truncated to the element size
 *   char arrays and arrays of structs: byte k of leaf i is bpat(i, k)
 *   bitfield leaf i: pat(i, 0) truncated to its width
 *
 * The program also prints "check <name> <got> <want>" lines for the worked
 * examples of the notes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define PACKED __attribute__((packed))
#define PAGE_SIZE 4096

static volatile u64 all_ones = ~0ULL;

static u64 pat(int i, int j)
{
	return 0x8877665544332211ULL ^ ((u64)i * 0x0101010101010101ULL) ^ ((u64)j << 40);
}

static unsigned char bpat(int i, int k)
{
	return (unsigned char)(i * 31 + k * 7 + 1);
}

static void hex(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

/* ---- KHO core ---- */

struct setup_data {
	u64 next;
	u32 type;
	u32 len;
};

struct kho_data {
	u64 fdt_addr;
	u64 fdt_size;
	u64 scratch_addr;
	u64 scratch_size;
} PACKED;

struct kho_scratch {
	u64 addr;
	u64 size;
};

struct khoser_mem_chunk_hdr {
	u64 next;
	unsigned int order;
	unsigned int num_elms;
};

struct khoser_mem_bitmap_ptr {
	u64 phys_start;
	u64 bitmap;
};

struct khoser_mem_chunk {
	struct khoser_mem_chunk_hdr hdr;
	struct khoser_mem_bitmap_ptr bitmaps[(PAGE_SIZE - 16) / 16];
};

struct kho_mem_phys_bits_512 {
	unsigned long preserve[512 * 8 / 64];
};

struct kho_mem_phys_bits_page {
	unsigned long preserve[PAGE_SIZE * 8 / 64];
};

struct kho_vmalloc_hdr {
	u64 next;
};

struct kho_vmalloc_chunk {
	struct kho_vmalloc_hdr hdr;
	u64 phys[(PAGE_SIZE - 8) / 8];
};

struct kho_vmalloc {
	u64 first;
	unsigned int total_pages;
	unsigned short flags;
	unsigned short order;
};

struct kho_radix_node {
	u64 table[PAGE_SIZE / 8];
};

struct kho_radix_leaf {
	unsigned long bitmap[PAGE_SIZE * 8 / 64];
};

struct kho_block_header_ser {
	u64 next;
	u64 count;
} PACKED;

/* ---- LUO ---- */

struct luo_session_head_ser_v5 {
	u64 pgcnt;
	u64 count;
} PACKED;

struct luo_session_ser_v5 {
	char name[56];
	u64 files;
	u64 pgcnt;
	u64 count;
} PACKED;

struct luo_file_ser {
	char compatible[48];
	u64 data;
	u64 token;
} PACKED;

struct luo_flb_head_ser_v5 {
	u64 pgcnt;
	u64 count;
} PACKED;

struct luo_flb_ser {
	char name[48];
	u64 data;
	u64 count;
} PACKED;

struct luo_session_header_ser_v6 {
	u64 pgcnt;
	u64 count;
} PACKED;

struct luo_session_ser_v6 {
	char name[64];
	u64 files;
	u64 pgcnt;
	u64 count;
} PACKED;

struct luo_flb_header_ser {
	u64 pgcnt;
	u64 count;
} PACKED;

struct luo_session_header_ser {
	u64 count;
} PACKED;

struct luo_session_ser_name_only {
	char name[64];
} PACKED;

struct luo_file_set_ser {
	u64 files;
	u64 count;
} PACKED;

struct luo_session_ser {
	char name[64];
	struct luo_file_set_ser file_set_ser;
} PACKED;

struct luo_ser_fdt {
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} PACKED;

/* compatible[] is ALIGN(sizeof(string), 8) bytes */
struct luo_ser_v3 {
	char compatible[8]; /* "luo-v3", "luo-v4", "luo-v5" */
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} PACKED;

struct luo_ser_blk {
	char compatible[24]; /* "luo-v3-kho-block-v1" */
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} PACKED;

struct luo_ser_rfc {
	char compatible[16]; /* "luo-v5;block-v1" */
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} PACKED;

struct luo_feature_hdr {
	u64 supp;
	u64 req;
	u64 active;
	u64 reserved[13];
} PACKED;

struct luo_ser_feat {
	struct luo_feature_hdr features;
	u64 liveupdate_num;
	u64 sessions_pa;
	u64 flbs_pa;
} PACKED;

struct luo_file_ser_name {
	char name[48];
	u64 data;
	u64 token;
} PACKED;

struct liveupdate_ver_hdr {
	u32 magic;
	u32 version;
} PACKED;

struct liveupdate_feature_entry {
	char name[48];
	u32 feat_bytes;
	u32 reserved;
	u64 supp;
	u64 req;
	u64 active;
} PACKED;

/* ---- memfd ---- */

/* M0 foliodesc = pfn << 12 | flags, written here as two bitfields */
struct memfd_luo_preserved_folio {
	u64 flags:12;
	u64 pfn:52;
	u64 index;
} PACKED;

struct memfd_luo_folio_ser {
	u64 pfn:52;
	u64 flags:12;
	u64 index;
} PACKED;

struct memfd_luo_ser_v1 {
	u64 pos;
	u64 size;
	u64 nr_folios;
	struct kho_vmalloc folios;
} PACKED;

struct memfd_luo_ser_v2a {
	u64 pos;
	u64 size;
	u64 seals:8;
	u64 __reserved:56;
	u64 nr_folios;
	struct kho_vmalloc folios;
} PACKED;

struct memfd_luo_ser_v2b {
	u64 pos;
	u64 size;
	u32 seals;
	u32 flags;
	u64 nr_folios;
	struct kho_vmalloc folios;
} PACKED;

struct memfd_luo_ser_feat {
	struct luo_feature_hdr features;
	u64 pos;
	u64 size;
	u32 seals;
	u32 flags;
	u64 nr_folios;
	struct kho_vmalloc folios;
} PACKED;

/* ---- other clients ---- */

struct kho_kexec_metadata {
	u32 version;
	char previous_release[64 + 1];
	u32 kexec_count;
} PACKED;

/* ---- printing and filling ---- */

#define BEGIN(ID, T) do {						\
	T s;								\
	int leaf = 0;							\
	memset(&s, 0, sizeof(s));					\
	printf("struct %s %zu\n", ID, sizeof(T));

#define END()								\
	printf("sample ");						\
	hex(&s, sizeof(s));						\
	printf("\n");							\
	(void)leaf;							\
} while (0)

#define OFF(f) offsetof(__typeof__(s), f)
#define NELEM(f) (sizeof(s.f) / sizeof(s.f[0]))

/* embedded struct: position only */
#define SUB(f) printf("field %s %zu %zu 0\n", #f, OFF(f), sizeof(s.f))

/* scalar integer */
#define INT(f) do {							\
	leaf++;								\
	printf("field %s %zu %zu 0\n", #f, OFF(f), sizeof(s.f));	\
	s.f = (__typeof__(s.f))pat(leaf, 0);				\
} while (0)

/* array of integers */
#define ARR(f) do {							\
	leaf++;								\
	printf("field %s %zu %zu %zu\n", #f, OFF(f), sizeof(s.f), NELEM(f)); \
	for (size_t j_ = 0; j_ < NELEM(f); j_++)			\
		s.f[j_] = (__typeof__(s.f[0]))pat(leaf, (int)j_);	\
} while (0)

/* char array or array of structs: filled bytewise */
#define BYTES(f) do {							\
	leaf++;								\
	printf("field %s %zu %zu %zu\n", #f, OFF(f), sizeof(s.f), NELEM(f)); \
	for (size_t k_ = 0; k_ < sizeof(s.f); k_++)			\
		((unsigned char *)&s.f)[k_] = bpat(leaf, (int)k_);	\
} while (0)

/* bitfield: locate by setting it to all ones in a zeroed object */
#define BITS(f) do {							\
	__typeof__(s) z_;						\
	const unsigned char *p_ = (const unsigned char *)&z_;		\
	int lo_ = -1, hi_ = -1, n_ = 0;					\
	leaf++;								\
	memset(&z_, 0, sizeof(z_));					\
	z_.f = all_ones;						\
	for (int b_ = 0; b_ < (int)sizeof(z_) * 8; b_++) {		\
		if ((p_[b_ / 8] >> (b_ % 8)) & 1) {			\
			if (lo_ < 0)					\
				lo_ = b_;				\
			hi_ = b_;					\
			n_++;						\
		}							\
	}								\
	printf("bits %s %d %d %d\n", #f, lo_, hi_, n_);			\
	s.f = pat(leaf, 0);						\
} while (0)

#define VMALLOC(p)							\
	SUB(p);								\
	INT(p.first);							\
	INT(p.total_pages);						\
	INT(p.flags);							\
	INT(p.order)

#define FEATURES(p)							\
	SUB(p);								\
	INT(p.supp);							\
	INT(p.req);							\
	INT(p.active);							\
	ARR(p.reserved)

static u64 word0(const void *p)
{
	u64 w;
	memcpy(&w, p, sizeof(w));
	return w;
}

static void checks(void)
{
	struct memfd_luo_preserved_folio m0;
	struct memfd_luo_folio_ser m1;
	u64 pfn = 0x123456789ULL, flags = 3;

	memset(&m0, 0, sizeof(m0));
	m0.pfn = pfn;
	m0.flags = flags;
	printf("check m0-foliodesc %016llx %016llx\n",
	       (unsigned long long)word0(&m0), (unsigned long long)(pfn << 12 | flags));

	memset(&m1, 0, sizeof(m1));
	m1.pfn = pfn;
	m1.flags = flags;
	printf("check m1-folio-word %016llx %016llx\n",
	       (unsigned long long)word0(&m1), 0x0030000123456789ULL);
}

int main(void)
{
	BEGIN("K1a/setup_data", struct setup_data);
	INT(next); INT(type); INT(len);
	END();

	BEGIN("K1a/kho_data", struct kho_data);
	INT(fdt_addr); INT(fdt_size); INT(scratch_addr); INT(scratch_size);
	END();

	BEGIN("K1a/kho_scratch", struct kho_scratch);
	INT(addr); INT(size);
	END();

	BEGIN("K1a/khoser_mem_chunk_hdr", struct khoser_mem_chunk_hdr);
	INT(next); INT(order); INT(num_elms);
	END();

	BEGIN("K1a/khoser_mem_bitmap_ptr", struct khoser_mem_bitmap_ptr);
	INT(phys_start); INT(bitmap);
	END();

	BEGIN("K1a/khoser_mem_chunk", struct khoser_mem_chunk);
	SUB(hdr); INT(hdr.next); INT(hdr.order); INT(hdr.num_elms);
	BYTES(bitmaps);
	END();

	BEGIN("K1a/kho_mem_phys_bits", struct kho_mem_phys_bits_512);
	ARR(preserve);
	END();

	BEGIN("K1b/kho_mem_phys_bits", struct kho_mem_phys_bits_page);
	ARR(preserve);
	END();

	BEGIN("K1b/kho_vmalloc_hdr", struct kho_vmalloc_hdr);
	INT(next);
	END();

	BEGIN("K1b/kho_vmalloc_chunk", struct kho_vmalloc_chunk);
	SUB(hdr); INT(hdr.next);
	ARR(phys);
	END();

	BEGIN("K1b/kho_vmalloc", struct kho_vmalloc);
	INT(first); INT(total_pages); INT(flags); INT(order);
	END();

	BEGIN("K2/kho_radix_node", struct kho_radix_node);
	ARR(table);
	END();

	BEGIN("K2/kho_radix_leaf", struct kho_radix_leaf);
	ARR(bitmap);
	END();

	BEGIN("K4/kho_block_header_ser", struct kho_block_header_ser);
	INT(next); INT(count);
	END();

	BEGIN("L-v5/luo_session_head_ser", struct luo_session_head_ser_v5);
	INT(pgcnt); INT(count);
	END();

	BEGIN("L-v5/luo_session_ser", struct luo_session_ser_v5);
	BYTES(name); INT(files); INT(pgcnt); INT(count);
	END();

	BEGIN("L-v5/luo_file_ser", struct luo_file_ser);
	BYTES(compatible); INT(data); INT(token);
	END();

	BEGIN("L-v5/luo_flb_head_ser", struct luo_flb_head_ser_v5);
	INT(pgcnt); INT(count);
	END();

	BEGIN("L-v5/luo_flb_ser", struct luo_flb_ser);
	BYTES(name); INT(data); INT(count);
	END();

	BEGIN("L-v6/luo_session_header_ser", struct luo_session_header_ser_v6);
	INT(pgcnt); INT(count);
	END();

	BEGIN("L-v6/luo_session_ser", struct luo_session_ser_v6);
	BYTES(name); INT(files); INT(pgcnt); INT(count);
	END();

	BEGIN("L-v6/luo_flb_header_ser", struct luo_flb_header_ser);
	INT(pgcnt); INT(count);
	END();

	BEGIN("L-6.19-pre/luo_session_header_ser", struct luo_session_header_ser);
	INT(count);
	END();

	BEGIN("L-6.19-pre/luo_session_ser", struct luo_session_ser_name_only);
	BYTES(name);
	END();

	BEGIN("L-6.19/luo_session_ser", struct luo_session_ser);
	BYTES(name);
	SUB(file_set_ser); INT(file_set_ser.files); INT(file_set_ser.count);
	END();

	BEGIN("L-6.19/luo_file_set_ser", struct luo_file_set_ser);
	INT(files); INT(count);
	END();

	BEGIN("L-luo-v2/luo_ser", struct luo_ser_fdt);
	INT(liveupdate_num); INT(sessions_pa); INT(flbs_pa);
	END();

	BEGIN("L-luo-v3/luo_ser", struct luo_ser_v3);
	BYTES(compatible); INT(liveupdate_num); INT(sessions_pa); INT(flbs_pa);
	END();

	BEGIN("L-blk/luo_ser", struct luo_ser_blk);
	BYTES(compatible); INT(liveupdate_num); INT(sessions_pa); INT(flbs_pa);
	END();

	BEGIN("L-RFC-compat/luo_ser", struct luo_ser_rfc);
	BYTES(compatible); INT(liveupdate_num); INT(sessions_pa); INT(flbs_pa);
	END();

	BEGIN("L-feat/luo_feature_hdr", struct luo_feature_hdr);
	INT(supp); INT(req); INT(active); ARR(reserved);
	END();

	BEGIN("L-feat/luo_ser", struct luo_ser_feat);
	FEATURES(features);
	INT(liveupdate_num); INT(sessions_pa); INT(flbs_pa);
	END();

	BEGIN("L-feat/luo_file_ser", struct luo_file_ser_name);
	BYTES(name); INT(data); INT(token);
	END();

	BEGIN("L-feat/liveupdate_ver_hdr", struct liveupdate_ver_hdr);
	INT(magic); INT(version);
	END();

	BEGIN("L-feat/liveupdate_feature_entry", struct liveupdate_feature_entry);
	BYTES(name); INT(feat_bytes); INT(reserved); INT(supp); INT(req); INT(active);
	END();

	BEGIN("M0/memfd_luo_preserved_folio", struct memfd_luo_preserved_folio);
	BITS(flags); BITS(pfn); INT(index);
	END();

	BEGIN("M1/memfd_luo_folio_ser", struct memfd_luo_folio_ser);
	BITS(pfn); BITS(flags); INT(index);
	END();

	BEGIN("M1/memfd_luo_ser", struct memfd_luo_ser_v1);
	INT(pos); INT(size); INT(nr_folios);
	VMALLOC(folios);
	END();

	BEGIN("M2a/memfd_luo_ser", struct memfd_luo_ser_v2a);
	INT(pos); INT(size); BITS(seals); BITS(__reserved); INT(nr_folios);
	VMALLOC(folios);
	END();

	BEGIN("M2b/memfd_luo_ser", struct memfd_luo_ser_v2b);
	INT(pos); INT(size); INT(seals); INT(flags); INT(nr_folios);
	VMALLOC(folios);
	END();

	BEGIN("M4/memfd_luo_ser", struct memfd_luo_ser_feat);
	FEATURES(features);
	INT(pos); INT(size); INT(seals); INT(flags); INT(nr_folios);
	VMALLOC(folios);
	END();

	BEGIN("kexec-metadata/kho_kexec_metadata", struct kho_kexec_metadata);
	INT(version); BYTES(previous_release); INT(kexec_count);
	END();

	checks();
	return 0;
}
