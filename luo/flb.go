package luo

import (
	"fmt"

	"github.com/luoinspect/luoinspect/phys"
)

// flbs decodes the FLB page: a {pgcnt, count} header and count entries.
// required says that an address of 0 is malformed (the FDT-era luo-flb
// node always points to a page); otherwise 0 means "no FLBs". A count
// beyond the page's capacity is reported and the capacity decoded.
func (d *decoder) flbs(pa uint64, required bool) {
	l := d.l
	path := root + "/flbs"
	hb, ok := d.arrayHeader(pa, required, path, l.flbHdr.Size, "FLB header", CheckFLBHeaderZero)
	if !ok {
		return
	}
	h := &ArrayHeader{Addr: pa, HasPgcnt: true, Pgcnt: l.flbHdrPgcnt.Uint(hb), Count: l.flbHdrN.Uint(hb)}
	d.st.Layout.FLBHeader = h
	count, capped := h.Count, false
	if count > l.flbMax {
		d.report(phys.Errorf(phys.ErrLimit, path+".count", pa, int64(l.flbHdrN.Offset),
			"count %d exceeds the %d entries the %d-page FLB area holds", count, l.flbMax, l.flbPgcnt), CheckFLBCount)
		count, capped = l.flbMax, true
	}
	size := uint64(l.flb.Size)
	base := pa + uint64(l.flbHdr.Size)
	entries := d.entries(base, count, size, path)
	if capped {
		entries = beforeUnused(entries)
	}
	for i, e := range entries {
		addr := base + uint64(i)*size
		p := fmt.Sprintf("%s[%d]", path, i)
		nm := d.name(l.flbName, e, addr, p, CheckFLBName)
		d.st.FLBs = append(d.st.FLBs, FLB{Name: nm, Data: l.flbData.Uint(e), Count: l.flbCount.Uint(e), Addr: addr, Path: p})
	}
}
