package render

import (
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// memfdRecords lists a memfd descriptor, the chunk chain of its folio
// area, and its folio records in array order with the holes between them.
// The records stream from mem in batches; a folio's order is the order
// of the preserved block at its address.
func memfdRecords(s *handover.State, mem phys.Memory, file string, fs *handover.FileState, sink Sink) error {
	m := fs.Memfd
	info := memfdInfo(fs)
	p := at(file, "memfd")
	if err := sink(p, KindMemfd, &info); err != nil {
		return err
	}
	parent := p.String()
	if m.HasField("folios.first") && m.Folios.First != 0 {
		area, _ := kho.ReadVmalloc(mem, m.Folios, m.Path+".folios")
		for i, c := range area.Chunks {
			rec := VmallocChunk{Addr: Hex(c.Addr), Next: Hex(c.Next), Blocks: make([]Hex, len(c.Blocks))}
			for k, b := range c.Blocks {
				rec.Blocks[k] = Hex(b)
			}
			if err := sink(Place{parent, "chunks", int64(i)}, KindVmallocChunk, &rec); err != nil {
				return err
			}
		}
	}
	return folioRecords(s, mem, parent, m, sink)
}

// folioRecords streams the folio records and the holes of one memfd.
func folioRecords(s *handover.State, mem phys.Memory, parent string, m *memfd.File, sink Sink) error {
	it := m.Iter(mem)
	var cursor *kho.Cursor
	if s.Preserved != nil {
		cursor = s.Preserved.Cursor()
	}
	names := map[uint16][]string{} // flag words seen, named once
	batch := make([]memfd.Folio, 1024)
	var rec Folio
	var hole Hole
	var order int
	var n, holes int64
	var next uint64 // first page-cache index no folio covered yet
	emitHole := func(upTo uint64) error {
		if upTo <= next {
			return nil
		}
		hole = Hole{Index: Hex(next), Pages: Hex(upTo - next)}
		holes++
		return sink(Place{parent, "holes", holes - 1}, KindHole, &hole)
	}
	for {
		k := it.NextBatch(batch)
		if k == 0 {
			break
		}
		for _, f := range batch[:k] {
			named, ok := names[f.Flags]
			if !ok {
				named = memfd.FolioFlagNames(m.Generation, f.Flags)
				names[f.Flags] = named
			}
			rec = Folio{Index: Hex(f.Index), PFN: Hex(f.PFN), Flags: Hex(f.Flags), Named: named}
			pages := uint64(1)
			if cursor != nil {
				if _, b, ok := cursor.HeadIndex(f.Addr()); ok && b.Addr == f.Addr() {
					order = int(b.Order)
					rec.Order = &order
					pages = 1 << b.Order
				}
			}
			if f.PFN != 0 {
				if err := emitHole(f.Index); err != nil {
					return err
				}
				next = max(next, f.Index+pages)
			}
			if err := sink(Place{parent, "folios", n}, KindFolio, &rec); err != nil {
				return err
			}
			n++
		}
	}
	if err := it.Err(); err != nil {
		// What lies past the records read is unknown: not a hole, not
		// lost, unresolved.
		u := FoliosUnread{Read: Hex(n), Total: Hex(m.NrFolios), Error: err.Error()}
		return sink(at(parent, "folios_unresolved"), KindFoliosUnread, &u)
	}
	return emitHole(m.Size/phys.PageSize + min(m.Size%phys.PageSize, 1))
}
