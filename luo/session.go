package luo

import "github.com/luoinspect/luoinspect/phys"

// sessionArray decodes a contiguous session block: a header (count, and
// pgcnt where present) followed by count entries (see decoder.readArea).
// required says that a header address of 0 is malformed (FDT era);
// otherwise 0 means "no sessions".
func (d *decoder) sessionArray(hdrPA uint64, required bool) {
	a := d.l.sessionArea()
	h, entries := d.readArea(a, hdrPA, required)
	if h == nil {
		return
	}
	d.st.Layout.SessionHeader = h
	for i, e := range entries {
		d.session(i, e, a.entryAddr(hdrPA, i))
	}
}

// sessionArrayV4 decodes the L-v4 session array (data/count/pgcnt from the
// session FDT). Entries whose name[0] is 0 are unused and skipped.
func (d *decoder) sessionArrayV4(data, count, pgcnt uint64) {
	l := d.l
	path := root + "/sessions"
	if data == 0 {
		if count != 0 {
			d.report(phys.Errorf(phys.ErrMalformed, path, 0, -1, "data is 0 but count is %d", count), CheckStructure)
		}
		return
	}
	if !d.claim(data, path) {
		return
	}
	if pgcnt > maxV4Pages {
		d.report(phys.Errorf(phys.ErrLimit, path+".pgcnt", phys.NoAddr, -1, "pgcnt %d exceeds %d pages", pgcnt, maxV4Pages),
			CheckSessionCount)
		pgcnt = maxV4Pages
	}
	stride := uint64(l.sess.Size)
	if capacity := pgcnt * phys.PageSize / stride; count > capacity {
		d.report(phys.Errorf(phys.ErrLimit, path+".count", phys.NoAddr, -1,
			"count %d exceeds the %d entries %d pages hold", count, capacity, pgcnt), CheckSessionCount)
		count = capacity
	}
	for i, b := range d.entries(data, count, stride, path) {
		if b[l.sessName.Offset] == 0 {
			continue
		}
		d.session(i, b, data+uint64(i)*stride)
	}
}

// maxV4Pages bounds the L-v4 session array (UNVERIFIED layout): 2^10
// pages, MAX_PAGE_ORDER on default x86 configurations.
const maxV4Pages = 1 << 10

// sessionChain decodes a KHO block chain of session entries: every block
// read before a problem of the chain (see chain).
func (d *decoder) sessionChain(head uint64) {
	size := d.l.sess.Size
	blocks, _ := d.chain(head, size, root+"/sessions")
	for _, b := range blocks {
		d.st.Layout.SessionBlocks = append(d.st.Layout.SessionBlocks, b.Addr)
	}
	eachEntry(blocks, size, d.session)
}

// session decodes entry i (its bytes b at physical address addr) and the
// session's files. The session is kept whatever its problems.
func (d *decoder) session(i int, b []byte, addr uint64) {
	l := d.l
	path := sessionPath(i)
	s := Session{Name: d.name(l.sessName, b, addr, path, CheckSessionName), Addr: addr, Path: path}
	if l.sessFiles != nil {
		files, count := l.sessFiles.Uint(b), l.sessN.Uint(b)
		if l.sessPgcnt != nil {
			s.FilesPgcnt = l.sessPgcnt.Uint(b)
		}
		d.files(&s, files, count, addr)
	}
	d.st.Sessions = append(d.st.Sessions, s)
}
