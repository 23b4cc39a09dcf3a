// Package kho holds typed values, decoders and encoders for the Kexec
// HandOver (KHO) core and its small clients:
//
//   - the KHO root FDT of every generation ([Root], [DecodeRoot],
//     [EncodeRoot]);
//   - the preserved-memory map: the kho-v1 chunk list ([MemmapV1]) and the
//     radix tree of kho-v2 and later ([MemmapRadix]), with [Preserved] for
//     fast "is this address preserved" lookups;
//   - the memblock, kexec-metadata and kho_test clients, the scratch array
//     and the x86 boot handoff struct kho_data;
//   - KHO block chains and preserved vmalloc areas.
//
// Every offset, size and property name comes from the abi registry. The
// decoders never panic, check lengths before reading, read physical memory
// only through [phys.Read] (which refuses reads the source cannot hold),
// bound every chain by what the source holds, detect cycles, and report
// every failure as a *phys.Error whose path names the place, for example
// "KHO/LUO.preserved-data" or "KHO/preserved-memory-map/chunk[3].bitmap[7]",
// and whose Check names the check it failed (see checks.go; problems about
// memory the source does not hold wrap phys.ErrUnresolved instead).
//
// The root and memory-map decoders go on after a problem and return what
// they could read together with every problem, joined with errors.Join
// (phys.Flatten lists them); the chain readers stop at the first problem
// and return the chain read before it.
package kho
