package luo

import (
	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// area is the shape of a count-prefixed array of the array-era
// generations: a header holding count (and pgcnt where the generation has
// it) followed by up to max fixed-size entries, in a block of a.pages
// pages. The session block and the FLB area have this shape; Decode reads
// it with decoder.readArea, Encode writes it with encoder.allocArea and
// fillArea.
type area struct {
	path  string // decode path of the array ("LUO/sessions")
	what  string // what one entry is, in messages ("session")
	name  string // what the block is, in messages ("session block")
	hdr   *abi.Struct
	pgcnt *abi.Field // nil when the header has no pgcnt
	count *abi.Field
	entry *abi.Struct
	max   uint64 // entries the block holds
	pages uint64 // pages of the block
	zero  phys.Check
	over  phys.Check
}

// sessionArea returns the shape of the generation's session block.
func (l *layout) sessionArea() *area {
	return &area{path: root + "/sessions", what: "session", name: "session block",
		hdr: l.sessHdr, pgcnt: l.hdrPgcnt, count: l.hdrCount, entry: l.sess, max: l.sessionMax, pages: l.sessionPgcnt,
		zero: CheckSessionHeaderZero, over: CheckSessionCount}
}

// flbArea returns the shape of the generation's FLB area.
func (l *layout) flbArea() *area {
	return &area{path: root + "/flbs", what: "FLB", name: "FLB area",
		hdr: l.flbHdr, pgcnt: l.flbHdrPgcnt, count: l.flbHdrN, entry: l.flb, max: l.flbMax, pages: l.flbPgcnt,
		zero: CheckFLBHeaderZero, over: CheckFLBCount}
}

// entryAddr returns the physical address of entry i of the array at pa.
func (a *area) entryAddr(pa uint64, i int) uint64 {
	return pa + uint64(a.hdr.Size) + uint64(i)*uint64(a.entry.Size)
}

// readArea decodes the header of the array of shape a at pa and reads its
// entries. required says that an address of 0 is malformed (the FDT era,
// where the kernel would dereference phys_to_virt(0)); otherwise 0 means
// an empty array. A count beyond a.max is reported and the entries up to
// the capacity are read (see cappedEntries). The header is nil when there
// is nothing to decode.
func (d *decoder) readArea(a *area, pa uint64, required bool) (*ArrayHeader, [][]byte) {
	if pa == 0 {
		if required {
			d.report(phys.Errorf(phys.ErrMalformed, a.path, 0, -1, "%s header address is 0", a.what), a.zero)
		}
		return nil, nil
	}
	if !d.claim(pa, a.path) {
		return nil, nil
	}
	hb, ok := d.read(pa, uint64(a.hdr.Size), a.path)
	if !ok {
		return nil, nil
	}
	h := &ArrayHeader{Addr: pa, Count: a.count.Uint(hb)}
	if a.pgcnt != nil {
		h.HasPgcnt, h.Pgcnt = true, a.pgcnt.Uint(hb)
	}
	entries := d.cappedEntries(a.entryAddr(pa, 0), h.Count, a.max, uint64(a.entry.Size), a.path, func() {
		d.report(phys.Errorf(phys.ErrLimit, a.path+".count", pa, int64(a.count.Offset),
			"count %d exceeds the %d entries the %d-page %s holds", h.Count, a.max, a.pages, a.name), a.over)
	})
	return h, entries
}
