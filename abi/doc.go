// Package abi is the registry of every known Kexec HandOver (KHO), Live
// Update Orchestrator (LUO) and memfd handover layout, kept as plain Go data.
//
// Each layout family is a [Generation] named by a short tag such as "K1b",
// "L-6.19" or "M2b". A generation lists the compatible strings that
// identify it, the FDT nodes and properties it writes ([Node], [Prop]), the
// packed structures it places in preserved memory ([Struct], [Field]) and
// its constants and capacities ([Constant]). Building blocks used by
// several generations, such as struct kho_vmalloc or struct
// kho_block_header_ser, are defined once and shared by pointer, so two
// generations that refer to the same *Struct use the same wire layout.
//
// The package holds no decoders and performs no I/O. Decoders in other
// packages look layouts up here:
//
//	g, _ := abi.Lookup("M1")
//	s, _ := g.Struct("memfd_luo_ser")
//	f, _ := s.Field("folios.first") // offset 24, a physical address
//
// All multi-byte integers in KHO and LUO payloads are stored in CPU byte
// order, which is little-endian on every supported architecture (x86-64,
// arm64); FDT framing itself stays big-endian and is not described here.
// Sizes assume 4 KiB pages ([PageSize]); KHO does not support live update
// between kernels with different page sizes.
//
// Points that could not be confirmed against a primary source are listed,
// with the reading the registry chose, in [Generation.Unverified];
// [Generation.Verified] is false when such a point affects the layout.
package abi
