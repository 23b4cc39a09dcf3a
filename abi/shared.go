package abi

import "strconv"

// Field constructors. Offsets are written out as in the reference tables;
// the registry tests check them against the struct sizes and against GCC.

// num is an unsigned little-endian integer of size bytes.
func num(off, size int, ctype, name, meaning string) Field {
	return Field{Name: name, CType: ctype, Offset: off, Size: size, Kind: KindUint, Endian: LittleEndian, Meaning: meaning}
}

// nums is an array of count unsigned little-endian integers of elem bytes.
func nums(off, elem, count int, ctype, name, meaning string) Field {
	return Field{Name: name, CType: ctype + "[" + strconv.Itoa(count) + "]", Offset: off, Size: elem * count, Count: count,
		Kind: KindUint, Endian: LittleEndian, Meaning: meaning}
}

// addr is a 64-bit physical address.
func addr(off int, ctype, name, meaning string) Field {
	return Field{Name: name, CType: ctype, Offset: off, Size: 8, Kind: KindPhysAddr, Endian: LittleEndian, Meaning: meaning}
}

// addrs is an array of count 64-bit physical addresses.
func addrs(off, count int, ctype, name, meaning string) Field {
	return Field{Name: name, CType: ctype + "[" + strconv.Itoa(count) + "]", Offset: off, Size: 8 * count, Count: count,
		Kind: KindPhysAddr, Endian: LittleEndian, Meaning: meaning}
}

// cstr is a NUL-padded char array of n bytes.
func cstr(off, n int, name, meaning string) Field {
	return Field{Name: name, CType: "char[" + strconv.Itoa(n) + "]", Offset: off, Size: n, Count: n, Kind: KindCString, Meaning: meaning}
}

// embed is an embedded struct.
func embed(off int, t *Struct, name, meaning string) Field {
	return Field{Name: name, CType: "struct " + t.Name, Offset: off, Size: t.Size, Kind: KindStruct, Type: t, Meaning: meaning}
}

// embeds is an array of count embedded structs.
func embeds(off, count int, t *Struct, name, meaning string) Field {
	return Field{Name: name, CType: "struct " + t.Name + "[" + strconv.Itoa(count) + "]", Offset: off, Size: t.Size * count,
		Count: count, Kind: KindStruct, Type: t, Meaning: meaning}
}

// bits is a bitfield of width bits starting at bit bitOff of the
// little-endian storage unit of unit bytes at off.
func bits(off, unit int, ctype string, bitOff, width int, name, meaning string) Field {
	return Field{Name: name, CType: ctype + ":" + strconv.Itoa(width), Offset: off, Size: unit, BitOffset: bitOff, BitSize: width,
		Kind: KindBitfield, Endian: LittleEndian, Meaning: meaning}
}

// bitmap is a kernel unsigned long bitmap of nbits bits.
func bitmap(off, nbits int, name, meaning string) Field {
	words := nbits / 64
	return Field{Name: name, CType: "unsigned long[" + strconv.Itoa(words) + "]", Offset: off, Size: nbits / 8, Count: words,
		Kind: KindBitmap, Endian: LittleEndian, Meaning: meaning}
}

func divRoundUp(a, b int) int { return (a + b - 1) / b }

func log2(v int) int {
	n := 0
	for v > 1 {
		v >>= 1
		n++
	}
	return n
}

// ---- Boot handoff (docs/abi/generations.md §1.2, §1.3) ----

// x86 setup_data header (arch/x86/include/uapi/asm/bootparam.h): the boot
// handoff is one entry of this singly linked list.
var structSetupData = &Struct{
	Name: "setup_data", Size: 16,
	Meaning: "x86 boot setup_data entry header; the payload (len bytes) follows",
	Fields: []Field{
		addr(0, "__u64", "next", "PA of the next entry; 0 ends the list"),
		num(8, 4, "__u32", "type", "payload type; SETUP_KEXEC_KHO (10) for the KHO handoff"),
		num(12, 4, "__u32", "len", "payload length in bytes"),
	},
}

// x86 setup_data payload of type SETUP_KEXEC_KHO.
var structKhoData = &Struct{
	Name: "kho_data", Size: 32, Packed: true,
	Meaning: "x86 setup_data type 10 payload: where the KHO root FDT and the scratch array are",
	Fields: []Field{
		addr(0, "__u64", "fdt_addr", "PA of the KHO root FDT"),
		num(8, 8, "__u64", "fdt_size", "length of the root FDT; PAGE_SIZE from setup_kho()"),
		addr(16, "__u64", "scratch_addr", "PA of the kho_scratch[] array"),
		num(24, 8, "__u64", "scratch_size", "byte length of the kho_scratch[] array"),
	},
}

var structKhoScratch = &Struct{
	Name: "kho_scratch", Size: 16,
	Meaning: "one scratch area; the array length is scratch_size / 16",
	Fields: []Field{
		addr(0, "phys_addr_t", "addr", "start PA of the scratch area"),
		num(8, 8, "phys_addr_t", "size", "length of the scratch area in bytes"),
	},
}

// ---- Preserved vmalloc areas (§1.4) ----

var structKhoVmallocHdr = &Struct{
	Name: "kho_vmalloc_hdr", Size: 8,
	Meaning: "link at the start of every kho_vmalloc_chunk",
	Fields: []Field{
		addr(0, "DECLARE_KHOSER_PTR", "next", "PA of the next chunk; 0 ends the chain"),
	},
}

// khoVmallocSize is KHO_VMALLOC_SIZE: the PAs that fit in one chunk page
// after its header.
var khoVmallocSize = (PageSize - structKhoVmallocHdr.Size) / 8

var structKhoVmallocChunk = &Struct{
	Name: "kho_vmalloc_chunk", Size: PageSize,
	Meaning: "one page of a preserved vmalloc area's block list",
	Fields: []Field{
		embed(0, structKhoVmallocHdr, "hdr", "chain link"),
		addrs(8, khoVmallocSize, "u64", "phys", "PAs of blocks of 1<<order pages; zero-terminated"),
	},
}

var structKhoVmalloc = &Struct{
	Name: "kho_vmalloc", Size: 16,
	Meaning: "descriptor of a preserved vmalloc area (naturally aligned, not packed)",
	Fields: []Field{
		addr(0, "DECLARE_KHOSER_PTR", "first", "PA of the first kho_vmalloc_chunk; 0 for an empty area"),
		num(8, 4, "unsigned int", "total_pages", "number of order-0 pages in the area"),
		num(12, 2, "unsigned short", "flags", "KHO_VMALLOC_ALLOC 0x1, KHO_VMALLOC_HUGE_VMAP 0x2"),
		num(14, 2, "unsigned short", "order", "page order of every block listed in the chunks"),
	},
}

var vmallocConstants = []Constant{
	{Name: "KHO_VMALLOC_SIZE", Value: uint64(khoVmallocSize), Meaning: "PAs per kho_vmalloc_chunk: (PAGE_SIZE - sizeof(kho_vmalloc_hdr)) / 8"},
	{Name: "KHO_VMALLOC_ALLOC", Value: 0x1, Meaning: "kho_vmalloc.flags: area came from VM_ALLOC"},
	{Name: "KHO_VMALLOC_HUGE_VMAP", Value: 0x2, Meaning: "kho_vmalloc.flags: area allowed huge mappings (VM_ALLOW_HUGE_VMAP)"},
}

// ---- KHO block chains (§1.5) ----

var structKhoBlockHeader = &Struct{
	Name: "kho_block_header_ser", Size: 16, Packed: true,
	Meaning: "header at the start of every KHO_BLOCK_SIZE block; fixed-size entries follow",
	Fields: []Field{
		addr(0, "u64", "next", "PA of the next block; 0 ends the chain"),
		num(8, 8, "u64", "count", "number of valid entries in this block"),
	},
}

// perBlock returns how many entries of the given size fit in one KHO block
// after its header.
func perBlock(entry *Struct) uint64 {
	return uint64((PageSize - structKhoBlockHeader.Size) / entry.Size)
}

var blockConstants = []Constant{
	{Name: "KHO_BLOCK_SIZE", Value: PageSize, Meaning: "size of one block of a chain (PAGE_SIZE)"},
	{Name: "KHO_MAX_BLOCKS", Value: 10000, Meaning: "receiver limit on blocks per chain"},
}

// concat joins constant lists into a fresh slice.
func concat(lists ...[]Constant) []Constant {
	var out []Constant
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
