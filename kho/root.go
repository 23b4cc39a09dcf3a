package kho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// RootPath is the path prefix of every error about the KHO root FDT.
const RootPath = "KHO"

// RootLayout says how a KHO root FDT was written.
type RootLayout int

// Root layouts (docs/abi/fdt-layout.md §2, §3).
const (
	// LayoutSequential is a root written once in libfdt sequential-write
	// mode: reserve map at 0x30, client nodes in the order they were
	// added. K1a (6.16, 6.17) wrote the whole root this way at finalize;
	// later kernels leave a root in this layout until the first client is
	// added.
	LayoutSequential RootLayout = iota + 1
	// LayoutPacked is a root created in sequential-write mode and then
	// edited by kho_add_subtree() in read-write mode plus fdt_pack:
	// reserve map at 0x28, client nodes newest first and, in kho-v3 and
	// later, blob-size before preserved-data (6.19-era K1b, K2 and later).
	LayoutPacked
)

// String returns "sequential" or "packed".
func (l RootLayout) String() string {
	switch l {
	case LayoutSequential:
		return "sequential"
	case LayoutPacked:
		return "packed"
	}
	return fmt.Sprintf("RootLayout(%d)", int(l))
}

// LayoutFor returns the layout a kernel of KHO generation tag writes once
// it has clients: LayoutSequential for K1a, LayoutPacked for every later
// generation. The early (6.18) K1b phase also built the root at finalize;
// its layout is not recorded in the reference and LayoutFor follows the
// 6.19-era K1b producer.
func LayoutFor(tag abi.Tag) RootLayout {
	if tag == "K1a" {
		return LayoutSequential
	}
	return LayoutPacked
}

// Prop is an FDT property the decoder does not interpret, kept so that an
// encoder can write it back.
type Prop struct {
	Name  string
	Value []byte
}

// Subtree is one KHO client node of the root.
type Subtree struct {
	// Name is the node name, e.g. "LUO" or "memblock".
	Name string
	// Addr is the physical address of the client's blob, from the "fdt"
	// property (kho-v1) or "preserved-data" (kho-v2 and later).
	Addr uint64
	// Size is the blob length from "blob-size" (mandatory from kho-v3 on),
	// or 0 when HasSize is false.
	Size uint64
	// HasSize reports whether the node carries "blob-size". Under kho-v2
	// it marks the UNVERIFIED intermediate state "kho-v2 with blob-size".
	HasSize bool
	// Extra holds the node's other properties in blob order.
	Extra []Prop
	// Err is the first problem of the node (a pointer property missing or
	// not 8 bytes, CheckClientPointer; a blob-size missing where it is
	// mandatory or not 8 bytes, CheckClientSize), or nil. The field a
	// problem concerns is left at its zero value (Addr 0; Size 0 and
	// HasSize false). DecodeRoot also lists every such problem in its
	// returned error. EncodeRoot ignores it.
	Err *phys.Error
}

// Root is a decoded KHO root FDT of any generation.
type Root struct {
	// Compatibles is the whole root compatible string list.
	Compatibles []string
	// Compatible is the entry that names the KHO generation: the first
	// entry whose base starts with "kho-v" (a kernel accepts a root when
	// any entry matches exactly).
	Compatible string
	// Base is Compatible up to the first ';' ("kho-v4" for
	// "kho-v4;radix-v1;vmalloc-v1").
	Base string
	// SubCompatibles are the ';'-separated components after the base, in
	// blob order (the RFC requires alphabetical order; not checked here).
	SubCompatibles []string
	// MemoryMap is the physical address of the preserved-memory map (the
	// first khoser_mem_chunk for kho-v1, the radix root for kho-v2 and
	// later). 0 means "no map" (kho-v1) or "not finalized" (6.19-era K1b).
	MemoryMap uint64
	// Subtrees are the client nodes in the order they were added: blob
	// order for LayoutSequential, reversed blob order for LayoutPacked.
	Subtrees []Subtree
	// Extra holds root properties other than compatible and
	// preserved-memory-map, in blob order.
	Extra []Prop
	// Layout is how the blob was written. A root without clients is
	// decoded as LayoutSequential whatever produced it.
	Layout RootLayout
	// Tree is the parsed blob (nil for a Root built by hand), read
	// leniently (fdt.ParseLenient) when the blob does not parse strictly.
	// Nested nodes under client nodes are only in Tree.
	Tree *fdt.Tree
}

// NewRoot returns an empty root of KHO generation tag ("K1a", "K1b",
// "K2", "K3", "K4", "K-RFC-compat") with the compatible string and layout
// that generation's kernel writes.
func NewRoot(tag abi.Tag, memoryMap uint64) (*Root, error) {
	g, ok := abi.Lookup(tag)
	if !ok || g.Component != abi.ComponentKHO || len(g.Compatibles) == 0 {
		return nil, fmt.Errorf("kho: %q is not a KHO core generation: %w", tag, phys.ErrUnsupported)
	}
	r := &Root{Compatibles: []string{g.Compatibles[0]}, MemoryMap: memoryMap, Layout: LayoutFor(tag)}
	r.setCompatible(g.Compatibles[0])
	return r, nil
}

func (r *Root) setCompatible(c string) {
	parts := strings.Split(c, ";")
	r.Compatible, r.Base, r.SubCompatibles = c, parts[0], nil
	if len(parts) > 1 {
		r.SubCompatibles = parts[1:]
	}
}

// AddSubtree appends a client node, setting HasSize when the root's
// generation requires blob-size.
func (r *Root) AddSubtree(name string, addr, size uint64) {
	_, _, sized := clientProps(r.Base)
	s := Subtree{Name: name, Addr: addr}
	if sized {
		s.Size, s.HasSize = size, true
	}
	r.Subtrees = append(r.Subtrees, s)
}

// Subtree returns the client node called name as the kernel finds it
// (the first one in blob order, which for LayoutPacked is the last added).
func (r *Root) Subtree(name string) (*Subtree, bool) {
	for i := range r.Subtrees {
		j := i
		if r.Layout == LayoutPacked {
			j = len(r.Subtrees) - 1 - i
		}
		if r.Subtrees[j].Name == name {
			return &r.Subtrees[j], true
		}
	}
	return nil, false
}

// Generations returns the registry tags that write the root's compatible
// string: both "K1a" and "K1b" for kho-v1 (the root alone cannot tell
// them apart), one tag otherwise, none for an unknown string. A granular
// string with an unknown combination of sub-components falls back to its
// base.
func (r *Root) Generations() []abi.Tag {
	var tags []abi.Tag
	for _, c := range []string{r.Compatible, r.Base} {
		for _, g := range abi.ByCompatibleIn(abi.ComponentKHO, c) {
			tags = append(tags, g.Tag)
		}
		if len(tags) > 0 {
			break
		}
	}
	return tags
}

// FamilyCompatible reports whether a root compatible entry is of the KHO
// core's family ("kho-v…"), whether or not a registry generation writes it:
// the entry a kernel matches against its own.
func FamilyCompatible(c string) bool { return strings.HasPrefix(c, compatibleFamily) }

// clientProps returns, for a compatible base, the name of the client
// pointer property and of the size property, and whether the size is
// mandatory. ok is false for an unknown base.
func clientProps(base string) (ptr, size string, sized bool) {
	for _, g := range abi.ByCompatibleIn(abi.ComponentKHO, base) {
		n, ok := g.Node("", "/<client>")
		if !ok {
			continue
		}
		for _, p := range n.Props {
			switch p.Kind {
			case abi.PropPhysAddr:
				ptr = p.Name
			case abi.PropSize:
				sized = p.Required
			}
		}
		return ptr, propBlobSize, sized
	}
	return "", "", false
}

// rootErr builds the *phys.Error for a problem at a byte offset of the
// root blob.
func rootErr(kind error, path string, off int, format string, args ...any) *phys.Error {
	return phys.Errorf(kind, path, phys.NoAddr, int64(off), format, args...)
}

// fdtErr turns a parse error of a blob into a *phys.Error at path that
// failed check c.
func fdtErr(path string, err error, c phys.Check) *phys.Error {
	return phys.FDTError(err, path, phys.NoAddr).With(c)
}

// u64Prop reads an 8-byte little-endian property value, naming path, the
// value's offset and check c when the length is wrong.
func u64Prop(p *fdt.Property, path string, c phys.Check) (uint64, *phys.Error) {
	if len(p.Value) != 8 {
		return 0, rootErr(phys.ErrMalformed, path, p.ValueOffset(), "value is %d bytes, want 8", len(p.Value)).With(c)
	}
	return binary.LittleEndian.Uint64(p.Value), nil
}

// DecodeRoot decodes a KHO root FDT according to its compatible string:
// "fdt" or "preserved-data" as the client pointer, blob-size where present
// (mandatory from kho-v3 on). Every problem is a *phys.Error with a path
// such as "KHO/LUO.preserved-data", the byte offset of the offending value
// and a check (CheckRootFDT, CheckRootCompatible, CheckMemoryMapProp,
// CheckClientPointer, CheckClientSize).
//
// It does not stop at the first problem. A blob that does not parse
// strictly is read again with fdt.ParseLenient, and whatever compatible,
// memory map and client nodes that reveals are decoded. A missing or bad
// preserved-memory-map leaves MemoryMap 0; a client node with a missing or
// bad pointer or blob-size is kept with its Err set. The returned error
// is then nil, the single problem, or the errors.Join of every problem
// (capped at 1000 plus one phys.ErrLimit problem counting the rest), the
// parse problem first; the Root is non-nil whenever the blob has a root
// node. DecodeRoot returns a nil Root only when nothing can be read: a
// blob shorter than an FDT header or without a root node.
//
// For a compatible it does not know, or a root without a usable
// compatible, it decodes no client nodes: it returns the Root with
// whatever of Compatibles, Compatible, Base, SubCompatibles, Extra and
// Tree it read, and an error wrapping phys.ErrUnsupported
// (CheckRootCompatible) or phys.ErrMalformed (CheckRootFDT).
func DecodeRoot(blob []byte) (*Root, error) {
	probs := &problems{path: RootPath, check: CheckRootFDT}
	t, err := fdt.Parse(blob)
	if err != nil {
		probs.add(fdtErr(RootPath, err, CheckRootFDT))
		var strict *fdt.Error
		errors.As(err, &strict)
		var lenient []*fdt.Error
		t, lenient = fdt.ParseLenient(blob)
		for _, e := range lenient {
			if strict == nil || *e != *strict { // the strict problem is listed already
				probs.add(fdtErr(RootPath, e, CheckRootFDT))
			}
		}
		if !t.Root().Valid() {
			return nil, probs.err()
		}
	}
	r := &Root{Tree: t, Layout: LayoutSequential}
	r.decode(t.Root(), probs)
	if t.Header.OffMemRsvmap != fdt.SeqReserveOffset && len(r.Subtrees) > 0 {
		r.Layout = LayoutPacked
		slices.Reverse(r.Subtrees)
	}
	return r, probs.err()
}

// decode fills r from the root node, recording every problem.
func (r *Root) decode(root fdt.Node, probs *problems) {
	for _, p := range root.Properties() {
		if p.Name != propCompatible && p.Name != propMemoryMap {
			r.Extra = append(r.Extra, Prop{p.Name, p.Value})
		}
	}
	cp, ok := root.Property(propCompatible)
	if !ok {
		probs.add(rootErr(phys.ErrMalformed, RootPath+"."+propCompatible, root.Offset(),
			"the root has no compatible").With(CheckRootFDT))
		return
	}
	list, err := cp.Strings()
	if err != nil || len(list) == 0 {
		probs.add(rootErr(phys.ErrMalformed, RootPath+"."+propCompatible, cp.ValueOffset(),
			"not a string list").With(CheckRootFDT))
		return
	}
	r.Compatibles = list
	r.setCompatible(list[0])
	for _, c := range list {
		if FamilyCompatible(c) {
			r.setCompatible(c)
			break
		}
	}
	ptrName, sizeName, sized := clientProps(r.Base)
	if ptrName == "" {
		probs.add(rootErr(phys.ErrUnsupported, RootPath+"."+propCompatible, cp.ValueOffset(),
			"unknown KHO generation %q", r.Compatible).With(CheckRootCompatible))
		return
	}

	if mp, ok := root.Property(propMemoryMap); !ok {
		probs.add(rootErr(phys.ErrMalformed, RootPath+"."+propMemoryMap, root.Offset(),
			"the root has no %s", propMemoryMap).With(CheckMemoryMapProp))
	} else if v, perr := u64Prop(mp, RootPath+"."+propMemoryMap, CheckMemoryMapProp); perr != nil {
		probs.add(perr)
	} else {
		r.MemoryMap = v
	}
	for n := range root.Children() {
		r.Subtrees = append(r.Subtrees, decodeSubtree(n, ptrName, sizeName, sized, probs))
	}
}

// decodeSubtree decodes one client node, recording its problems in probs
// and the first of them in the Subtree's Err.
func decodeSubtree(n fdt.Node, ptrName, sizeName string, sized bool, probs *problems) Subtree {
	s := Subtree{Name: n.Name()}
	path := RootPath + "/" + s.Name
	fail := func(e *phys.Error) {
		if s.Err == nil {
			s.Err = e
		}
		probs.add(e)
	}
	if p, ok := n.Property(ptrName); !ok {
		fail(rootErr(phys.ErrMalformed, path+"."+ptrName, n.Offset(),
			"client node has no %s", ptrName).With(CheckClientPointer))
	} else if v, perr := u64Prop(p, path+"."+ptrName, CheckClientPointer); perr != nil {
		fail(perr)
	} else {
		s.Addr = v
	}
	if p, ok := n.Property(sizeName); ok {
		if v, perr := u64Prop(p, path+"."+sizeName, CheckClientSize); perr != nil {
			fail(perr)
		} else {
			s.Size, s.HasSize = v, true
		}
	} else if sized {
		fail(rootErr(phys.ErrMalformed, path+"."+sizeName, n.Offset(),
			"client node has no %s", sizeName).With(CheckClientSize))
	}
	for _, p := range n.Properties() {
		if p.Name != ptrName && p.Name != sizeName {
			s.Extra = append(s.Extra, Prop{p.Name, p.Value})
		}
	}
	return s
}

// EncodeRoot writes r the way the kernel does and returns the exact blob
// (totalsize bytes) and the whole one-page buffer, whose bytes after
// totalsize hold what libfdt leaves there.
//
// Every root starts as the kernel's boot-time sequential-write root:
// compatible, preserved-memory-map, then r.Extra. With LayoutSequential
// the client nodes follow in r.Subtrees order, each with its pointer, then
// blob-size when HasSize, then Extra (the K1a finalize root). With
// LayoutPacked (the zero Layout too) each client is then added as
// kho_add_subtree() does: fdt_open_into(PAGE_SIZE), fdt_add_subnode,
// fdt_setprop(pointer), fdt_setprop(blob-size) when HasSize, fdt_pack; so
// clients come out newest first and blob-size precedes the pointer.
// The pointer property is "fdt" for kho-v1 and "preserved-data" after.
func EncodeRoot(r *Root) (blob, page []byte, err error) {
	ptrName, sizeName, _ := clientProps(r.Base)
	if ptrName == "" {
		return nil, nil, fmt.Errorf("kho: encode root: unknown KHO generation %q: %w", r.Base, phys.ErrUnsupported)
	}
	compat := r.Compatibles
	if len(compat) == 0 {
		compat = []string{r.Compatible}
	}
	w := fdt.NewSeqWriter(rootFDTSize)
	w.FinishReserveMap()
	w.BeginNode("")
	w.PropertyStrings(propCompatible, compat...)
	w.PropertyU64LE(propMemoryMap, r.MemoryMap)
	for _, p := range r.Extra {
		w.Property(p.Name, p.Value)
	}
	packed := r.Layout != LayoutSequential
	if !packed {
		for _, s := range r.Subtrees {
			w.BeginNode(s.Name)
			w.PropertyU64LE(ptrName, s.Addr)
			if s.HasSize {
				w.PropertyU64LE(sizeName, s.Size)
			}
			for _, p := range s.Extra {
				w.Property(p.Name, p.Value)
			}
			w.EndNode()
		}
	}
	w.EndNode()
	if blob, err = w.Finish(); err != nil {
		return nil, nil, fmt.Errorf("kho: encode root: %w", err)
	}
	if !packed || len(r.Subtrees) == 0 {
		return blob, bytes.Clone(w.Buffer()), nil
	}
	e, err := fdt.OpenInto(w.Buffer(), rootFDTSize)
	if err != nil {
		return nil, nil, fmt.Errorf("kho: encode root: %w", err)
	}
	for i, s := range r.Subtrees {
		if err := addSubtree(e, i > 0, s, ptrName, sizeName); err != nil {
			return nil, nil, fmt.Errorf("kho: encode root: client %q: %w", s.Name, err)
		}
	}
	return e.Blob(), bytes.Clone(e.Buffer()), nil
}

// addSubtree is kho_add_subtree() on an open root.
func addSubtree(e *fdt.Editor, reopen bool, s Subtree, ptrName, sizeName string) error {
	if reopen {
		e.Reopen()
	}
	path := "/" + s.Name
	if err := e.AddSubnode("/", s.Name); err != nil {
		return err
	}
	// Read-write setprop inserts each new property first, so the extras
	// go in reversed, ahead of the kernel's two properties.
	for i := len(s.Extra) - 1; i >= 0; i-- {
		if err := e.SetProp(path, s.Extra[i].Name, s.Extra[i].Value); err != nil {
			return err
		}
	}
	if err := e.SetPropU64LE(path, ptrName, s.Addr); err != nil {
		return err
	}
	if s.HasSize {
		if err := e.SetPropU64LE(path, sizeName, s.Size); err != nil {
			return err
		}
	}
	e.Pack()
	return nil
}
