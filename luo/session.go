package luo

import (
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// sessionArray decodes a contiguous session area: a header (count, and
// pgcnt where present) followed by count entries. required says that a
// header address of 0 is malformed (FDT era, where the kernel would
// dereference phys_to_virt(0)); otherwise 0 means "no sessions".
func (d *decoder) sessionArray(hdrPA uint64, required bool) error {
	l := d.l
	path := root + "/sessions"
	if hdrPA == 0 {
		if required {
			return phys.Errorf(phys.ErrMalformed, path, 0, -1, "session header address is 0")
		}
		return nil
	}
	if err := d.claim(hdrPA, path); err != nil {
		return err
	}
	hb, err := phys.Read(d.m, hdrPA, uint64(l.sessHdr.Size), path)
	if err != nil {
		return err
	}
	h := &ArrayHeader{Addr: hdrPA, Count: l.hdrCount.Uint(hb)}
	if l.hdrPgcnt != nil {
		h.HasPgcnt, h.Pgcnt = true, l.hdrPgcnt.Uint(hb)
	}
	d.st.Layout.SessionHeader = h
	if h.Count > l.sessionMax {
		return phys.Errorf(phys.ErrLimit, path+".count", hdrPA, int64(l.hdrCount.Offset),
			"count %d exceeds the %d entries the %d-page session block holds", h.Count, l.sessionMax, l.sessionPgcnt)
	}
	stride := uint64(l.sess.Size)
	base := hdrPA + uint64(l.sessHdr.Size)
	entries, err := phys.Read(d.m, base, h.Count*stride, path)
	if err != nil {
		return err
	}
	for i := 0; i < int(h.Count); i++ {
		if err := d.session(i, entries[uint64(i)*stride:], base+uint64(i)*stride); err != nil {
			return err
		}
	}
	return nil
}

// sessionArrayV4 decodes the L-v4 session array (data/count/pgcnt from the
// session FDT). Entries whose name[0] is 0 are unused and skipped.
func (d *decoder) sessionArrayV4(data, count, pgcnt uint64) error {
	l := d.l
	path := root + "/sessions"
	if data == 0 {
		if count != 0 {
			return phys.Errorf(phys.ErrMalformed, path, 0, -1, "data is 0 but count is %d", count)
		}
		return nil
	}
	if err := d.claim(data, path); err != nil {
		return err
	}
	if pgcnt > maxV4Pages {
		return phys.Errorf(phys.ErrLimit, path+".pgcnt", phys.NoAddr, -1, "pgcnt %d exceeds %d pages", pgcnt, maxV4Pages)
	}
	stride := uint64(l.sess.Size)
	if capacity := pgcnt * phys.PageSize / stride; count > capacity {
		return phys.Errorf(phys.ErrLimit, path+".count", phys.NoAddr, -1,
			"count %d exceeds the %d entries %d pages hold", count, capacity, pgcnt)
	}
	entries, err := phys.Read(d.m, data, count*stride, path)
	if err != nil {
		return err
	}
	for i := 0; i < int(count); i++ {
		b := entries[uint64(i)*stride:]
		if b[l.sessName.Offset] == 0 {
			continue
		}
		if err := d.session(i, b, data+uint64(i)*stride); err != nil {
			return err
		}
	}
	return nil
}

// maxV4Pages bounds the L-v4 session array (UNVERIFIED layout): 2^10
// pages, MAX_PAGE_ORDER on default x86 configurations.
const maxV4Pages = 1 << 10

// sessionChain decodes a KHO block chain of session entries.
func (d *decoder) sessionChain(head uint64) error {
	l := d.l
	path := root + "/sessions"
	blocks, err := kho.ReadBlocks(d.m, head, l.sess.Size, path)
	if err != nil {
		return err
	}
	i := 0
	for bi, b := range blocks {
		if err := d.claim(b.Addr, blockPath(path, bi)); err != nil {
			return err
		}
		d.st.Layout.SessionBlocks = append(d.st.Layout.SessionBlocks, b.Addr)
	}
	for _, b := range blocks {
		for j := 0; j < int(b.Count); j++ {
			addr := b.Addr + uint64(blockHeaderSize+j*l.sess.Size)
			if err := d.session(i, b.Entry(j, l.sess.Size), addr); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

// session decodes entry i (its bytes b at physical address addr) and the
// session's files.
func (d *decoder) session(i int, b []byte, addr uint64) error {
	l := d.l
	path := sessionPath(i)
	nm, err := name(l.sessName, b, addr, path)
	if err != nil {
		return err
	}
	s := Session{Name: nm, Addr: addr, Path: path}
	if l.sessFiles != nil {
		files, count := l.sessFiles.Uint(b), l.sessN.Uint(b)
		if l.sessPgcnt != nil {
			s.FilesPgcnt = l.sessPgcnt.Uint(b)
		}
		if err := d.files(&s, files, count, addr); err != nil {
			return err
		}
	}
	d.st.Sessions = append(d.st.Sessions, s)
	return nil
}
