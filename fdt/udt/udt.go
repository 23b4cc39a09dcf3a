// Package udt converts between luoinspect's fdt.Tree and the device tree
// type of u-root's pkg/dt (github.com/u-root/u-root/pkg/dt, v0.16.0), for
// code that already speaks u-root.
//
// Only the conversion lives here: luoinspect never parses a blob with
// u-root. Read blobs with fdt.Parse, then call ToURoot; serialise a u-root
// tree with FromURoot, which writes through fdt.SeqWriter and so yields the
// libfdt sequential-write layout (reserve map at 0x30, strings newest first
// with suffix sharing) rather than u-root's own (first-use string order, no
// suffix sharing).
//
// Known problems of u-root v0.16.0 pkg/dt, each shown by a test in this
// package:
//
//   - dt.ReadFDT reads the strings block with a single Read call and ignores
//     a short count. With a reader that returns fewer bytes than asked (a
//     pipe, a network stream, iotest.OneByteReader-style readers) the rest of
//     the strings block stays zero, so property names come back truncated or
//     empty without any error.
//   - Property.AsStringList loops on len(p.Value) instead of the remaining
//     bytes and panics (slice bounds out of range [:-1]) on every valid list
//     of printable strings. PredictType and AsType(StringListType) reach it,
//     so PredictType panics on any "compatible" property and on any
//     printable list of two or more strings.
//   - PropertyU64, AsU64, PropertyRegion and AsRegion are big-endian only.
//     KHO and LUO store u64 values little-endian (docs/abi/fdt-layout.md §6), so
//     AsU64 returns them byte-swapped; use fdt.Property.U64LE instead.
//   - dt.ReadFDT builds node names with string(byte), which re-encodes each
//     byte of 0x80 or more as two bytes of UTF-8: a node name is changed.
//   - dt.ReadFDT ends the reserve map only at an entry whose address and size
//     are both zero; libfdt stops at the first entry of size zero.
//   - dt.ReadFDT fails with "reading strings block: EOF" on a valid blob
//     without properties: the Read of its empty strings block, which ends
//     the blob, returns io.EOF.
//   - FDT.Write takes Magic, Version and LastCompVersion from the Header as
//     given: a dt.FDT built in memory with a zero Header is written with
//     magic 0 and version 0, which no reader accepts. FromURoot ignores
//     them.
package udt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/u-root/u-root/pkg/dt"
)

// ToURoot returns t as a u-root tree. Names and values are copied, so the
// result does not alias t.Data. The header is copied as parsed, except that
// a version older than 16 becomes 17 (last compatible 16), since u-root
// writes only the version 16/17 layout. A tree without a root yields a nil
// RootNode.
func ToURoot(t *fdt.Tree) *dt.FDT {
	h := t.Header
	f := &dt.FDT{
		Header: dt.Header{
			Magic:           h.Magic,
			TotalSize:       h.TotalSize,
			OffDtStruct:     h.OffDtStruct,
			OffDtStrings:    h.OffDtStrings,
			OffMemRsvmap:    h.OffMemRsvmap,
			Version:         h.Version,
			LastCompVersion: h.LastCompVersion,
			BootCpuidPhys:   h.BootCPUIDPhys,
			SizeDtStrings:   h.SizeDtStrings,
			SizeDtStruct:    h.SizeDtStruct,
		},
		ReserveEntries: []dt.ReserveEntry{},
	}
	if f.Header.Version < 16 {
		f.Header.Version = fdt.LastVersion
		f.Header.LastCompVersion = fdt.LastCompatibleVersion
	}
	for _, r := range t.Reserve {
		f.ReserveEntries = append(f.ReserveEntries, dt.ReserveEntry{Address: r.Address, Size: r.Size})
	}
	if root := t.Root(); root.Valid() {
		f.RootNode = toNode(root)
	}
	return f
}

func toNode(n fdt.Node) *dt.Node {
	u := &dt.Node{Name: n.Name()}
	for _, p := range n.Properties() {
		u.Properties = append(u.Properties, dt.Property{Name: p.Name, Value: bytes.Clone(p.Value)})
	}
	for c := range n.Children() {
		u.Children = append(u.Children, toNode(c))
	}
	return u
}

// FromURoot serialises f with fdt.SeqWriter: the reserve entries, then the
// nodes and properties in f's order. The result is the blob libfdt's
// sequential-write functions make for the same calls, except that a
// non-zero Header.BootCpuidPhys is stored as fdt_set_boot_cpuid_phys would.
// Every other header field is computed afresh (version 17, last compatible
// 16). The root's name must be "" or "/"; names must not hold NUL.
func FromURoot(f *dt.FDT) ([]byte, error) {
	if f == nil || f.RootNode == nil {
		return nil, errors.New("udt: FDT has no root node")
	}
	if n := f.RootNode.Name; n != "" && n != "/" {
		return nil, fmt.Errorf("udt: root node is named %q; an FDT root has an empty name", n)
	}
	w := fdt.NewSeqWriter(0)
	for _, r := range f.ReserveEntries {
		if r.Size == 0 {
			// libfdt and fdt.Parse end the map at an entry of size 0.
			return nil, fmt.Errorf("udt: reserve entry at 0x%x has size 0, which ends the reserve map", r.Address)
		}
		w.AddReserve(r.Address, r.Size)
	}
	if err := writeNode(w, f.RootNode, "", "/"); err != nil {
		return nil, err
	}
	b, err := w.Finish()
	if err != nil {
		return nil, fmt.Errorf("udt: %w", err)
	}
	if f.Header.BootCpuidPhys != 0 {
		binary.BigEndian.PutUint32(b[0x1c:], f.Header.BootCpuidPhys)
	}
	return b, nil
}

func writeNode(w *fdt.SeqWriter, n *dt.Node, name, path string) error {
	if err := w.BeginNode(name); err != nil {
		return fmt.Errorf("udt: node %s: %w", path, err)
	}
	for _, p := range n.Properties {
		if err := w.Property(p.Name, p.Value); err != nil {
			return fmt.Errorf("udt: node %s: %w", path, err)
		}
	}
	for i, c := range n.Children {
		if c == nil {
			return fmt.Errorf("udt: node %s: child %d is nil", path, i)
		}
		cp := path + "/" + c.Name
		if path == "/" {
			cp = "/" + c.Name
		}
		if err := writeNode(w, c, c.Name, cp); err != nil {
			return err
		}
	}
	if err := w.EndNode(); err != nil {
		return fmt.Errorf("udt: node %s: %w", path, err)
	}
	return nil
}
