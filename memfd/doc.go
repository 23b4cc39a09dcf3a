// Package memfd decodes, checks, streams and encodes the state that the
// memfd LUO file handler hands over to the next kernel (generations M0 to
// M4 of the ABI reference, docs/abi/generations.md §5).
//
// A preserved memfd is a small descriptor (a per-memfd FDT in M0, a packed
// struct memfd_luo_ser from M1 on) plus an array of 16-byte folio records:
// inline in the FDT for M0, in a preserved KHO vmalloc area for M1 to M4.
// [Decode] reads the descriptor named by a LUO file entry and picks the
// generation from the handler's compatible string (or name), [File.Iter]
// and [File.FolioSeq] stream the folio records one vmalloc block at a time
// without materialising them, [File.FolioAt] reads one record, and
// [File.Check] applies the receiving kernel's retrieve checks (and the
// consistency checks the kernel leaves out) and returns every finding;
// [File.CheckDescriptor] is the one implementation of the descriptor
// rules. Every problem the package raises carries a phys.Check naming the
// rule it breaks (see [CheckSeals] and the other Check constants), except
// unresolved memory and errors package kho raises for the folio area.
// [File.HasField] tells which descriptor fields a generation has.
// [Encode] and [EncodeFunc] write what a real producer writes, so tests and
// fixtures can build states of any size.
//
// Every offset, size, bit range, property name and constant comes from the
// abi registry; the package holds no layout tables of its own.
package memfd
