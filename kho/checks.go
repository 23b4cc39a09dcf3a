package kho

import "github.com/luoinspect/luoinspect/phys"

// Checks the kho decoders set on the *phys.Error values they raise, so that
// a consumer can classify a problem without reading its path or message.
// Problems about memory the source does not hold wrap phys.ErrUnresolved
// and carry no check.
const (
	// CheckRootFDT: the KHO root FDT does not parse (magic, sizes,
	// truncation, structure), or its compatible is missing or not a
	// string list.
	CheckRootFDT phys.Check = "kho/root-fdt"
	// CheckRootCompatible: the root compatible names no KHO generation
	// this build knows (phys.ErrUnsupported).
	CheckRootCompatible phys.Check = "kho/root-compatible"
	// CheckMemoryMapProp: the root's preserved-memory-map property is
	// missing or not 8 bytes.
	CheckMemoryMapProp phys.Check = "kho/memory-map-prop"
	// CheckClientPointer: a client node's pointer property ("fdt" or
	// "preserved-data") is missing or not 8 bytes.
	CheckClientPointer phys.Check = "kho/client-pointer"
	// CheckClientSize: a client node's blob-size is missing where it is
	// mandatory (kho-v3 and later) or not 8 bytes.
	CheckClientSize phys.Check = "kho/client-size"
	// CheckClientAddrZero: a client pointer is 0. The walker that follows
	// client pointers raises it; the root decoder does not.
	CheckClientAddrZero phys.Check = "kho/client-addr-zero"
	// CheckMemmap: a problem of the preserved-memory map (kho-v1 chunk
	// list or radix tree: a bad entry, order, bitmap, key, a cycle, more
	// pages than the source holds), other than unresolved memory.
	CheckMemmap phys.Check = "kho/memmap"
	// CheckBlockChain: a KHO block chain returns to a block or is longer
	// than KHO_MAX_BLOCKS.
	CheckBlockChain phys.Check = "kho/block-chain"
	// CheckBlockCount: a KHO block header's count is 0 or larger than the
	// block holds.
	CheckBlockCount phys.Check = "kho/block-count"
	// CheckVmalloc: a struct kho_vmalloc or its chunk chain is wrong (too
	// short, a cycle, more blocks than total_pages, a page count that
	// disagrees, a read past the area), other than its order.
	CheckVmalloc phys.Check = "kho/vmalloc"
	// CheckVmallocOrder: a kho_vmalloc order too large to address.
	CheckVmallocOrder phys.Check = "kho/vmalloc-order"
	// CheckKexecMetadata: the kexec-metadata client blob does not decode.
	CheckKexecMetadata phys.Check = "kho/kexec-metadata"
	// CheckMemblock: the memblock client FDT does not decode.
	CheckMemblock phys.Check = "kho/memblock"
	// CheckKhoTest: the kho_test client FDT does not decode.
	CheckKhoTest phys.Check = "kho/kho-test"
	// CheckBootHandoff: the x86 boot handoff (struct kho_data) or the
	// kho_scratch array does not decode.
	CheckBootHandoff phys.Check = "kho/boot-handoff"
)
