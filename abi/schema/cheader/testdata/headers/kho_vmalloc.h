/* Fixture written for luoinspect from docs/abi/generations.md §1.4 (not kernel text). */
#ifndef FIXTURE_KHO_VMALLOC_H
#define FIXTURE_KHO_VMALLOC_H

struct kho_vmalloc_chunk;

struct kho_vmalloc_hdr {
	DECLARE_KHOSER_PTR(next, struct kho_vmalloc_chunk *);
};

#define KHO_VMALLOC_SIZE \
	((PAGE_SIZE - sizeof(struct kho_vmalloc_hdr)) / sizeof(phys_addr_t))

struct kho_vmalloc_chunk {
	struct kho_vmalloc_hdr hdr;
	phys_addr_t phys[KHO_VMALLOC_SIZE];
};

#define KHO_VMALLOC_ALLOC	0x0001
#define KHO_VMALLOC_HUGE_VMAP	0x0002

/* natural alignment, no holes */
struct kho_vmalloc {
	DECLARE_KHOSER_PTR(first, struct kho_vmalloc_chunk *);
	unsigned int total_pages;
	unsigned short flags;
	unsigned short order;
};

#endif
