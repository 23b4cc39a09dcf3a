// Package schema models one snapshot of the KHO / LUO / memfd handover ABI
// as stable, JSON-serialisable data ("luoinspect.abi/v1"), builds such
// snapshots from the registry (package abi), from a schema file, or from a
// kernel source tree (through package cheader), and compares two of them.
//
// A [Snapshot] holds, per [Component] (KHO, LUO, memfd, client), the
// compatible strings, the FDT nodes with their properties and sizes, the
// wire structs with every field's offset, size, array length, bit range and
// type, and the named constants and capacities. Documentation text (the
// Doc fields) is carried for display only and never compared.
//
// [Diff] classifies every difference as breaking, compatible or info
// (source-only, such as a renamed C member with the same bytes), and adds
// the special finding [KindUnbumped] when a breaking layout change was made
// while the compatible string that governs it stayed the same — the class
// of mistake listed in docs/abi/generations.md §7.
package schema
