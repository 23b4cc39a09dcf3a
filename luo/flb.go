package luo

import "fmt"

// flbs decodes the FLB area: a {pgcnt, count} header and count entries
// (see decoder.readArea). required says that an address of 0 is malformed
// (the FDT-era luo-flb node always points to a page); otherwise 0 means
// "no FLBs".
func (d *decoder) flbs(pa uint64, required bool) {
	l := d.l
	a := l.flbArea()
	h, entries := d.readArea(a, pa, required)
	if h == nil {
		return
	}
	d.st.Layout.FLBHeader = h
	for i, e := range entries {
		addr := a.entryAddr(pa, i)
		p := fmt.Sprintf("%s[%d]", a.path, i)
		nm := d.name(l.flbName, e, addr, p, CheckFLBName)
		d.st.FLBs = append(d.st.FLBs, FLB{Name: nm, Data: l.flbData.Uint(e), Count: l.flbCount.Uint(e), Addr: addr, Path: p})
	}
}
