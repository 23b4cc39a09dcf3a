// Package fdt reads and writes flattened device tree (FDT, "DTB") blobs with
// byte-level fidelity.
//
// Parse builds a read-only Tree whose property values are slices into the
// blob; every header field, reserve entry, token, name and value keeps its
// byte offset so that errors, annotated hex dumps and validators can point at
// the exact byte. Parsing is strict by default and makes every check that
// libfdt's fdt_check_full makes, plus a few structural checks libfdt leaves
// out (a single root node, properties before subnodes, FDT_END last, blocks
// that do not overlap). ParseLenient reads as much as it can and returns every
// problem it saw instead of stopping at the first.
//
// Three writers reproduce the bytes that libfdt produces:
//
//   - SeqWriter follows libfdt's sequential-write mode (fdt_create …
//     fdt_finish): reserve map at 0x30, strings newest first with suffix reuse.
//   - Editor follows libfdt's read-write mode (fdt_open_into, fdt_add_subnode,
//     fdt_setprop, fdt_del_node, fdt_delprop) and fdt_pack.
//   - Tree.Encode writes a parsed tree back out with its original layout.
//
// Property payloads are opaque bytes. FDT cells are big-endian by convention,
// but KHO and LUO store u64 values in CPU byte order, so accessors name their
// byte order explicitly (U32BE, U64BE, U64LE).
package fdt
