package luo

import "github.com/luoinspect/luoinspect/phys"

// sessionArray decodes a contiguous session area: a header (count, and
// pgcnt where present) followed by count entries. required says that a
// header address of 0 is malformed (FDT era, where the kernel would
// dereference phys_to_virt(0)); otherwise 0 means "no sessions". A count
// beyond the area's capacity is reported and the capacity decoded.
func (d *decoder) sessionArray(hdrPA uint64, required bool) {
	l := d.l
	path := root + "/sessions"
	hb, ok := d.arrayHeader(hdrPA, required, path, l.sessHdr.Size, "session header", CheckSessionHeaderZero)
	if !ok {
		return
	}
	h := &ArrayHeader{Addr: hdrPA, Count: l.hdrCount.Uint(hb)}
	if l.hdrPgcnt != nil {
		h.HasPgcnt, h.Pgcnt = true, l.hdrPgcnt.Uint(hb)
	}
	d.st.Layout.SessionHeader = h
	count, capped := h.Count, false
	if count > l.sessionMax {
		d.report(phys.Errorf(phys.ErrLimit, path+".count", hdrPA, int64(l.hdrCount.Offset),
			"count %d exceeds the %d entries the %d-page session block holds", count, l.sessionMax, l.sessionPgcnt),
			CheckSessionCount)
		count, capped = l.sessionMax, true
	}
	stride := uint64(l.sess.Size)
	base := hdrPA + uint64(l.sessHdr.Size)
	entries := d.entries(base, count, stride, path)
	if capped {
		entries = beforeUnused(entries)
	}
	for i, e := range entries {
		d.session(i, e, base+uint64(i)*stride)
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

// arrayHeader reads the size-byte header of a count-prefixed array at pa
// (what names it in messages) and claims the array. An address of 0 is
// reported with check zero when required, and otherwise means no array.
// ok is false when there is nothing to decode.
func (d *decoder) arrayHeader(pa uint64, required bool, path string, size int, what string, zero phys.Check) ([]byte, bool) {
	if pa == 0 {
		if required {
			d.report(phys.Errorf(phys.ErrMalformed, path, 0, -1, "%s address is 0", what), zero)
		}
		return nil, false
	}
	if !d.claim(pa, path) {
		return nil, false
	}
	return d.read(pa, uint64(size), path)
}

// maxV4Pages bounds the L-v4 session array (UNVERIFIED layout): 2^10
// pages, MAX_PAGE_ORDER on default x86 configurations.
const maxV4Pages = 1 << 10

// sessionChain decodes a KHO block chain of session entries: every block
// read before a problem of the chain (see chain).
func (d *decoder) sessionChain(head uint64) {
	l := d.l
	path := root + "/sessions"
	blocks, _ := d.chain(head, l.sess.Size, path)
	i := 0
	for _, b := range blocks {
		d.st.Layout.SessionBlocks = append(d.st.Layout.SessionBlocks, b.Addr)
		for j := 0; j < int(b.Count); j++ {
			addr := b.Addr + uint64(blockHeaderSize+j*l.sess.Size)
			d.session(i, b.Entry(j, l.sess.Size), addr)
			i++
		}
	}
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
