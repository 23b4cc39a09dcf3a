package kho

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// KHO block chains (include/linux/kho/abi/block.h, K4 era): a chain of
// one-page blocks, each starting with {next, count} and followed by
// fixed-size entries.
var (
	blockHeader   = abi.MustStruct("K4", "kho_block_header_ser")
	blockNext     = blockHeader.MustField("next")
	blockCount    = blockHeader.MustField("count")
	blockSize     = abi.MustConstant("K4", "KHO_BLOCK_SIZE")
	maxBlockChain = int(abi.MustConstant("K4", "KHO_MAX_BLOCKS"))
)

// Block is one block of a KHO block chain.
type Block struct {
	Addr  uint64 // physical address of the block
	Next  uint64 // physical address of the next block, 0 at the end
	Count uint64 // valid entries in this block
	Data  []byte // the whole block, header included
}

// Entry returns the bytes of entry i of the given size.
func (b *Block) Entry(i, size int) []byte {
	off := BlockEntryOffset(i, size)
	return b.Data[off : off+size : off+size]
}

// EntryAddr returns the physical address of entry i of the given size.
func (b *Block) EntryAddr(i, size int) uint64 {
	return b.Addr + uint64(BlockEntryOffset(i, size))
}

// BlockAt decodes the header of the block whose bytes data (a whole
// block) were read at addr. It checks nothing; ReadBlocks does.
func BlockAt(addr uint64, data []byte) Block {
	return Block{Addr: addr, Next: blockNext.Uint(data), Count: blockCount.Uint(data), Data: data}
}

// BlockSize is KHO_BLOCK_SIZE, the length of every block of a chain.
func BlockSize() uint64 { return blockSize }

// BlockCountOffset is the offset of the header's count in a block.
func BlockCountOffset() int { return blockCount.Offset }

// BlockEntryOffset returns the offset of entry i of the given size in a
// block: the entries follow the header. With i the block's count it is
// where the unused slots begin.
func BlockEntryOffset(i, size int) int { return blockHeader.Size + i*size }

// BlockCapacity returns how many entries of the given size fit in a block.
func BlockCapacity(entrySize int) int {
	return (int(blockSize) - blockHeader.Size) / entrySize
}

// ReadBlocks follows the block chain that starts at head (0 is an empty
// chain) and returns its blocks in chain order. Like the kernel it refuses
// a cycle or more than KHO_MAX_BLOCKS blocks (CheckBlockChain), and a block
// whose count is 0 or larger than its capacity (CheckBlockCount); unlike
// the kernel it names the block, its address and the offending field.
//
// A chain cannot be followed past a problem, so ReadBlocks stops at the
// first one and returns it together with the blocks before it (never the
// offending block): the blocks are then a prefix of the chain. Memory the
// source does not hold is a phys.ErrUnresolved problem without a check.
func ReadBlocks(m phys.Memory, head uint64, entrySize int, path string) ([]Block, error) {
	capacity := uint64(BlockCapacity(entrySize))
	seen := map[uint64]int{}
	var blocks []Block
	for addr := head; addr != 0; {
		bpath := fmt.Sprintf("%s.block[%d]", path, len(blocks))
		if prev, ok := seen[addr]; ok {
			return blocks, phys.Errorf(phys.ErrCycle, bpath, addr, -1, "chain returns to block[%d]", prev).With(CheckBlockChain)
		}
		if len(blocks) == maxBlockChain {
			return blocks, phys.Errorf(phys.ErrLimit, bpath, addr, -1, "chain is longer than KHO_MAX_BLOCKS (%d)", maxBlockChain).With(CheckBlockChain)
		}
		data, err := phys.Read(m, addr, blockSize, bpath)
		if err != nil {
			return blocks, err
		}
		b := BlockAt(addr, data)
		if b.Count == 0 || b.Count > capacity {
			return blocks, phys.Errorf(phys.ErrMalformed, bpath+".count", addr, int64(blockCount.Offset),
				"count %d is outside [1, %d]", b.Count, capacity).With(CheckBlockCount)
		}
		seen[addr] = len(blocks)
		blocks = append(blocks, b)
		addr = b.Next
	}
	return blocks, nil
}

// EncodeBlocks writes n entries of entrySize bytes into a new chain of
// preserved one-page blocks, filling each entry with fill, and returns the
// head address (0 when n is 0). Blocks are allocated and linked in order,
// each filled to capacity before the next.
func EncodeBlocks(a *phys.Allocator, n, entrySize int, fill func(i int, entry []byte) error) (uint64, error) {
	capacity := BlockCapacity(entrySize)
	var head uint64
	var prev []byte
	for i := 0; i < n; {
		addr, data := a.Alloc(0)
		if prev == nil {
			head = addr
		} else {
			blockNext.PutUint(prev, addr)
		}
		b := Block{Data: data}
		count := min(capacity, n-i)
		blockCount.PutUint(data, uint64(count))
		for j := 0; j < count; j++ {
			if err := fill(i+j, b.Entry(j, entrySize)); err != nil {
				return 0, err
			}
		}
		i += count
		prev = data
	}
	return head, nil
}
