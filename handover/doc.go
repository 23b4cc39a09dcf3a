// Package handover puts the layers together: from a KHO root FDT and a
// source of physical memory it builds the whole typed handover state (KHO
// root and preserved-memory map, LUO sessions, files and FLBs, each file's
// handler payload, memblock, kexec-metadata), naming the layout generation
// of each component with the evidence used. It also encodes whole states
// from a Spec, the way the kernel would lay them out.
//
// All known producers are little-endian (x86-64 and arm64): every u64 the
// state stores in CPU byte order is read as little-endian, and State.Arch
// says so.
package handover
