package render

import (
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
)

// Records hands every record of the state to sink in document order: the
// KHO root, its clients, the preserved-memory map (its chunks or leaves,
// every block, the totals per order), the LUO blob with its feature words
// and session chain, each session with its file chain, each file with its
// memfd descriptor, vmalloc chunks, folio records and holes, the FLBs,
// memblock regions, kexec-metadata and the problems. Folio records and
// preserved blocks are streamed from mem: memory use does not grow with
// their number. Parts that cannot be read are problems (already in s),
// never zeros.
func Records(s *handover.State, mem phys.Memory, sink Sink) error {
	m := Model(s)
	steps := []func() error{
		func() error { return sink(at("", "kho/root"), KindRoot, &m.KHO.Root) },
		func() error {
			for i := range m.KHO.Clients {
				if err := sink(Place{"kho", "clients", int64(i)}, KindClient, &m.KHO.Clients[i]); err != nil {
					return err
				}
			}
			return nil
		},
		func() error { return mapRecords(s, sink) },
		func() error { return luoRecords(s, m, mem, sink) },
		func() error {
			for i := range m.Memblock {
				if err := sink(Place{"", "memblock", int64(i)}, KindRegion, &m.Memblock[i]); err != nil {
					return err
				}
			}
			if m.KexecMeta != nil {
				return sink(at("", "kexec_metadata"), KindKexecMeta, m.KexecMeta)
			}
			return nil
		},
		func() error {
			for i := range m.Problems {
				if err := sink(Place{"", "problems", int64(i)}, KindProblem, &m.Problems[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// mapRecords lists the preserved-memory map: its structure, every block in
// map order, then the totals per order.
func mapRecords(s *handover.State, sink Sink) error {
	info, ok := mapInfo(s)
	if !ok {
		return nil
	}
	if err := sink(at("kho", "map"), KindMap, &info); err != nil {
		return err
	}
	switch mm := s.Memmap.(type) {
	case *kho.MemmapV1:
		for i, c := range mm.Chunks {
			rec := MapChunk{Addr: Hex(c.Addr), Next: Hex(c.Next), Order: int(c.Order), Bitmaps: len(c.Bitmaps)}
			if err := sink(Place{"kho/map", "chunks", int64(i)}, KindMapChunk, &rec); err != nil {
				return err
			}
		}
	case *kho.MemmapRadix:
		for i, l := range mm.Leaves {
			rec := RadixLeaf{Addr: Hex(l.Addr), Prefix: Hex(l.Prefix), Bits: setBitCount(l.Bits)}
			if err := sink(Place{"kho/map", "leaves", int64(i)}, KindRadixLeaf, &rec); err != nil {
				return err
			}
		}
	}
	var totals [64]OrderTotal
	var rec PreservedBlock
	i := int64(0)
	for b := range s.Memmap.Blocks() {
		rec = PreservedBlock{Addr: Hex(b.Addr), Order: int(b.Order), Size: Hex(b.Size())}
		if err := sink(Place{"kho/map", "blocks", i}, KindPreservedBlock, &rec); err != nil {
			return err
		}
		t := &totals[b.Order%64]
		t.Blocks++
		t.Bytes += Hex(b.Size())
		i++
	}
	pos := int64(0)
	for order := range totals {
		t := totals[order]
		if t.Blocks == 0 {
			continue
		}
		t.Order = order
		if err := sink(Place{"kho/map", "orders", pos}, KindOrderTotal, &t); err != nil {
			return err
		}
		pos++
	}
	return nil
}

// mapInfo describes the map's structure; false when it was not read.
func mapInfo(s *handover.State) (MapInfo, bool) {
	info := MapInfo{Addr: Hex(s.Root.MemoryMap), Incomplete: s.MemmapIncomplete}
	switch mm := s.Memmap.(type) {
	case *kho.MemmapV1:
		info.Format, info.Variant = "chunk-list", string(mm.Tag)
	case *kho.MemmapRadix:
		tables := mm.Tables
		info.Format, info.Tables = "radix-tree", &tables
	default:
		return info, false
	}
	return info, true
}

func setBitCount(b []byte) int {
	n := 0
	for _, x := range b {
		for ; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}

// luoRecords lists the LUO blob, its feature words and session chain,
// then every file in tree order, then the FLBs.
func luoRecords(s *handover.State, m *State, mem phys.Memory, sink Sink) error {
	if m.LUO == nil {
		return nil
	}
	l := s.LUO
	if err := sink(at("", "luo"), KindLUO, &m.LUO.LUOInfo); err != nil {
		return err
	}
	if f := l.Features; f != nil {
		for i, w := range featureWords(string(l.Generation), "LUO_FEATURE_", f.Supp, f.Req, f.Active) {
			if err := sink(Place{"luo", "features", int64(i)}, KindFeature, &w); err != nil {
				return err
			}
		}
	}
	sessEntry, fileEntry, _ := luo.EntrySizes(l.Generation)
	if err := chainRecords(mem, l.Layout.SessionBlocks, sessEntry, "LUO/sessions", "luo", "session_blocks", KindSessionBlock, sink); err != nil {
		return err
	}
	for i := range s.GlobalFiles {
		if err := fileRecords(s, mem, Place{"luo", "files", int64(i)}, &s.GlobalFiles[i], sink); err != nil {
			return err
		}
	}
	for i, sn := range s.Sessions {
		sp := Place{"luo", "sessions", int64(i)}
		info := sessionInfo(sn)
		if err := sink(sp, KindSession, &info); err != nil {
			return err
		}
		parent := sp.String()
		if err := chainRecords(mem, sn.Session.FileBlocks, fileEntry, sn.Session.Path+".files", parent, "file_blocks", KindFileBlock, sink); err != nil {
			return err
		}
		for j := range sn.Files {
			if err := fileRecords(s, mem, Place{parent, "files", int64(j)}, &sn.Files[j], sink); err != nil {
				return err
			}
		}
	}
	for i, fl := range l.FLBs {
		rec := flbModel(fl)
		if err := sink(Place{"luo", "flbs", int64(i)}, KindFLB, &rec); err != nil {
			return err
		}
	}
	return nil
}

// chainRecords lists the blocks of a KHO block chain the decoder followed
// (their addresses in chain order), reading each block's header again.
// A block it cannot read is left out: the decoder reported it.
func chainRecords(mem phys.Memory, blocks []uint64, entry int, path, parent, list, kind string, sink Sink) error {
	if len(blocks) == 0 || entry == 0 {
		return nil
	}
	read, _ := kho.ReadBlocks(mem, blocks[0], entry, path)
	capacity := kho.BlockCapacity(entry)
	for i, b := range read {
		if i >= len(blocks) {
			break
		}
		rec := ChainBlock{Addr: Hex(b.Addr), Next: Hex(b.Next), Count: Hex(b.Count), Capacity: capacity}
		if err := sink(Place{parent, list, int64(i)}, kind, &rec); err != nil {
			return err
		}
	}
	return nil
}

// fileRecords lists one file and its memfd payload.
func fileRecords(s *handover.State, mem phys.Memory, p Place, fs *handover.FileState, sink Sink) error {
	info := fileInfo(fs)
	if err := sink(p, KindFile, &info); err != nil {
		return err
	}
	if fs.Memfd == nil {
		return nil
	}
	return memfdRecords(s, mem, p.String(), fs, sink)
}
