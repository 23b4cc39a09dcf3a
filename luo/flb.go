package luo

import (
	"fmt"

	"github.com/luoinspect/luoinspect/phys"
)

// flbs decodes the FLB page: a {pgcnt, count} header and count entries.
// required says that an address of 0 is malformed (the FDT-era luo-flb
// node always points to a page); otherwise 0 means "no FLBs".
func (d *decoder) flbs(pa uint64, required bool) error {
	l := d.l
	path := root + "/flbs"
	if pa == 0 {
		if required {
			return phys.Errorf(phys.ErrMalformed, path, 0, -1, "FLB header address is 0")
		}
		return nil
	}
	if err := d.claim(pa, path); err != nil {
		return err
	}
	hb, err := phys.Read(d.m, pa, uint64(l.flbHdr.Size), path)
	if err != nil {
		return err
	}
	h := &ArrayHeader{Addr: pa, HasPgcnt: true, Pgcnt: l.flbHdrPgcnt.Uint(hb), Count: l.flbHdrN.Uint(hb)}
	d.st.Layout.FLBHeader = h
	if h.Count > l.flbMax {
		return phys.Errorf(phys.ErrLimit, path+".count", pa, int64(l.flbHdrN.Offset),
			"count %d exceeds the %d entries the %d-page FLB area holds", h.Count, l.flbMax, l.flbPgcnt)
	}
	size := uint64(l.flb.Size)
	base := pa + uint64(l.flbHdr.Size)
	b, err := phys.Read(d.m, base, h.Count*size, path)
	if err != nil {
		return err
	}
	for i := 0; i < int(h.Count); i++ {
		e := b[uint64(i)*size:]
		addr := base + uint64(i)*size
		p := fmt.Sprintf("%s[%d]", path, i)
		nm, err := name(l.flbName, e, addr, p)
		if err != nil {
			return err
		}
		d.st.FLBs = append(d.st.FLBs, FLB{Name: nm, Data: l.flbData.Uint(e), Count: l.flbCount.Uint(e), Addr: addr, Path: p})
	}
	return nil
}
