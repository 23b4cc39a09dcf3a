package kho

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"math/bits"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// Radix-tree memory map of kho-v2 and later (docs/abi/generations.md §2.2), from
// the registry.
var (
	radixNode      = abi.MustStruct("K2", "kho_radix_node")
	radixTable     = radixNode.MustField("table")
	radixLeaf      = abi.MustStruct("K2", "kho_radix_leaf")
	radixDepth     = int(abi.MustConstant("K2", "KHO_TREE_MAX_DEPTH"))
	radixTableLog2 = uint(abi.MustConstant("K2", "KHO_TABLE_SIZE_LOG2"))
	radixBitsLog2  = uint(abi.MustConstant("K2", "KHO_BITMAP_SIZE_LOG2"))
	radixOrder0    = uint(abi.MustConstant("K2", "KHO_ORDER_0_LOG2"))
	// radixTopLevel is the level of the root table; level 0 is the leaf.
	radixTopLevel = radixDepth - 1
)

// radixShift returns the key bit where the index of a table at level l
// (1 to radixTopLevel) starts.
func radixShift(level int) uint {
	return uint(level-1)*radixTableLog2 + radixBitsLog2
}

// RadixKey returns the radix key of a block of the given order at pa:
// (1 << (52 - order)) | (pa >> (12 + order)).
func RadixKey(pa uint64, order uint) uint64 {
	return 1<<(radixOrder0-order) | pa>>(abi.PageShift+order)
}

// RadixDecodeKey returns the block a radix key names. ok is false for a
// key with no valid order marker: 0, or a highest set bit above 52 or
// below 1 (an order too large to address).
func RadixDecodeKey(key uint64) (b phys.Block, ok bool) {
	h := uint(bits.Len64(key)) - 1
	if key == 0 || h > radixOrder0 || radixOrder0-h > maxOrder {
		return phys.Block{}, false
	}
	order := radixOrder0 - h
	return phys.Block{Addr: key << (abi.PageShift + order), Order: order}, true
}

// MemmapRadix is a decoded radix-tree preserved-memory map.
type MemmapRadix struct {
	// Root is the physical address of the root table.
	Root uint64
	// Tables counts the table pages, the root included.
	Tables int
	// Leaves are the bitmap pages in ascending key order.
	Leaves []RadixLeaf
}

// RadixLeaf is one bitmap page of the tree.
type RadixLeaf struct {
	Addr   uint64 // physical address of the leaf page
	Prefix uint64 // key bits above the leaf bit number (the table indices)
	Bits   []byte // the bitmap (read-only; may alias the source)
}

// Blocks yields every preserved block in ascending key order: larger
// orders first (their keys are smaller), ascending address within an
// order.
func (mm *MemmapRadix) Blocks() iter.Seq[phys.Block] {
	return func(yield func(phys.Block) bool) {
		for _, l := range mm.Leaves {
			for bit := range setBits(l.Bits) {
				b, _ := RadixDecodeKey(l.Prefix | bit) // validated by the decoder
				if !yield(b) {
					return
				}
			}
		}
	}
}

// radixWalk is the state of one decode.
type radixWalk struct {
	m        phys.Memory
	bud      *budget
	seen     map[uint64]string
	maxPages uint64
	mm       *MemmapRadix
	probs    *problems
	// stop is set once the walk has read as many pages or bytes as the
	// source holds: every further page would be refused too.
	stop bool
}

// DecodeMemmapRadix reads the radix tree whose root table is at root.
// Unlike the kernel it refuses a root of 0, a table entry whose keys
// cannot carry a valid order marker (root index above 3), a leaf bit that
// decodes to no valid (address, order), a page reached twice (a cycle or
// a shared subtree), and more pages than the source holds. Each such
// problem carries CheckMemmap; memory the source does not hold is a
// phys.ErrUnresolved problem without a check.
//
// It goes on after a problem: a table or leaf that is unresolved, reached
// twice or refused is skipped with its subtree and the other branches are
// still walked; a leaf bit without a valid order marker is left out of the
// leaf (whose Bits are then a cleared copy). The walk stops at the page
// limit. The returned error is then nil, the single problem, or the
// errors.Join of all of them (capped at 1000 plus one phys.ErrLimit
// problem counting the rest). Whenever it is non-nil the map is
// incomplete and its blocks are a lower bound of the preserved memory.
// The map is never nil.
func DecodeMemmapRadix(m phys.Memory, root uint64) (*MemmapRadix, error) {
	if root == 0 {
		return &MemmapRadix{}, phys.Errorf(phys.ErrMalformed, MemmapPath, 0, -1, "the radix root is 0").With(CheckMemmap)
	}
	w := &radixWalk{
		m: m, bud: newBudget(m), seen: map[uint64]string{},
		maxPages: heldBytes(m) / abi.PageSize, mm: &MemmapRadix{Root: root},
		probs: &problems{path: MemmapPath, check: CheckMemmap},
	}
	w.table(root, radixTopLevel, 0, MemmapPath+"/root")
	return w.mm, w.probs.err()
}

// visit reads one tree page after the cycle and size checks; ok is false,
// with the problem recorded, when the page is not to be walked.
func (w *radixWalk) visit(addr uint64, size int, path string) ([]byte, bool) {
	if w.stop {
		return nil, false
	}
	if prev, ok := w.seen[addr]; ok {
		w.probs.add(phys.Errorf(phys.ErrCycle, path, addr, -1, "page already reached as %s", prev).With(CheckMemmap))
		return nil, false
	}
	if uint64(len(w.seen)) >= w.maxPages && phys.Holds(w.m, addr, uint64(size)) {
		w.probs.add(phys.Errorf(phys.ErrLimit, path, addr, -1, "more tree pages than the source holds (%d)", w.maxPages).With(CheckMemmap))
		w.stop = true
		return nil, false
	}
	w.seen[addr] = path
	data, err := w.bud.read(w.m, addr, uint64(size), path)
	if err != nil {
		w.probs.add(err)
		w.stop = errors.Is(err, phys.ErrLimit)
		return nil, false
	}
	return data, true
}

func (w *radixWalk) table(addr uint64, level int, prefix uint64, path string) {
	data, ok := w.visit(addr, radixNode.Size, path)
	if !ok {
		return
	}
	w.mm.Tables++
	shift := radixShift(level)
	for i := 0; i < radixTable.Count && !w.stop; i++ {
		child := radixTable.Elem(data, i)
		if child == 0 {
			continue
		}
		key := prefix | uint64(i)<<shift
		cpath := fmt.Sprintf("%s.table[%d]", path, i)
		if bits.Len64(key) > int(radixOrder0)+1 {
			w.probs.add(phys.Errorf(phys.ErrMalformed, cpath, addr, int64(radixTable.ElemOffset(i)),
				"index %d at level %d gives keys above the order-0 marker bit %d", i, level, radixOrder0).With(CheckMemmap))
			continue
		}
		if level > 1 {
			w.table(child, level-1, key, cpath)
		} else {
			w.leaf(child, key, cpath)
		}
	}
}

func (w *radixWalk) leaf(addr, prefix uint64, path string) {
	data, ok := w.visit(addr, radixLeaf.Size, path)
	if !ok {
		return
	}
	var clean []byte
	for bit := range setBits(data) {
		if _, ok := RadixDecodeKey(prefix | bit); ok {
			continue
		}
		w.probs.add(phys.Errorf(phys.ErrMalformed, fmt.Sprintf("%s.bit[%d]", path, bit), addr, int64(bit/8),
			"key 0x%x has no valid order marker", prefix|bit).With(CheckMemmap))
		if clean == nil {
			clean = bytes.Clone(data) // data may alias the source
		}
		clean[bit/8] &^= 1 << (bit % 8)
	}
	if clean != nil {
		data = clean
	}
	w.mm.Leaves = append(w.mm.Leaves, RadixLeaf{Addr: addr, Prefix: prefix, Bits: data})
}

// EncodeMemmapRadix writes blocks as a radix-tree map and returns the
// root table's address. Like the kernel it allocates the root first (the
// kernel does at boot, so the root exists even with no blocks) and then,
// block by block in the given order, the missing tables and leaf on the
// block's path, top down (kho_radix_add_page). All pages are allocated
// unpreserved. Every block must be aligned to its own size.
func EncodeMemmapRadix(a *phys.Allocator, blocks []phys.Block) (uint64, error) {
	root, rootPage := a.AllocUnpreserved(0)
	pages := map[uint64][]byte{root: rootPage}
	// Consecutive blocks nearly always share their leaf (one leaf covers
	// 2^15 blocks of an order): remember the last one and walk the tables
	// only when the leaf changes.
	var leaf []byte
	leafPrefix := ^uint64(0)
	for i, b := range blocks {
		if err := checkBlock(b); err != nil {
			return 0, fmt.Errorf("kho: encode memory map: block %d: %w", i, err)
		}
		key := RadixKey(b.Addr, b.Order)
		if prefix := key >> radixBitsLog2; prefix != leafPrefix {
			node := rootPage
			for level := radixTopLevel; level > 0; level-- {
				idx := int(key>>radixShift(level)) & (radixTable.Count - 1)
				child := radixTable.Elem(node, idx)
				if child == 0 {
					var page []byte
					child, page = a.AllocUnpreserved(0)
					pages[child] = page
					radixTable.PutElem(node, idx, child)
				}
				node = pages[child]
			}
			leaf, leafPrefix = node, prefix
		}
		bit := key & (1<<radixBitsLog2 - 1)
		leaf[bit/8] |= 1 << (bit % 8)
	}
	return root, nil
}
