package luo

import (
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// writeSession fills a session entry; files is the address of its file
// array or chain.
func (e *encoder) writeSession(b []byte, i int, ss Session, files uint64) error {
	l := e.l
	if err := putName(l.sessName, b, ss.Name, sessionPath(i)); err != nil {
		return err
	}
	if l.sessFiles == nil {
		return nil
	}
	l.sessFiles.PutUint(b, files)
	l.sessN.PutUint(b, uint64(len(ss.Files)))
	if l.sessPgcnt != nil && files != 0 {
		l.sessPgcnt.PutUint(b, l.filePgcnt)
	}
	return nil
}

// session allocates the files of session i and fills its entry b.
func (e *encoder) session(i int, b []byte) error {
	ss := e.s.Sessions[i]
	files, err := e.fileSet(i, ss)
	if err != nil {
		return err
	}
	return e.writeSession(b, i, ss, files)
}

// fillSessions writes the sessions into blk, the session block.
func (e *encoder) fillSessions(blk []byte) error {
	return fillArea(e.l.sessionArea(), blk, len(e.s.Sessions), e.session)
}

// sessionSet writes the sessions of a raw luo_ser generation, a block
// chain or a session block, and returns its address.
func (e *encoder) sessionSet() (uint64, error) {
	if e.l.sessionsInBlocks {
		return kho.EncodeBlocks(e.a, len(e.s.Sessions), e.l.sess.Size, e.session)
	}
	pa, blk := e.allocArea(e.l.sessionArea())
	return pa, e.fillSessions(blk)
}

// sessionArrayV4 writes the L-v4 session array: a zeroed array of entries
// in a power-of-two block of pages. It returns the array's address (0
// without sessions) and its pgcnt, DIV_ROUND_UP(count * sizeof(struct
// luo_session_ser), PAGE_SIZE), which counts only the pages the entries
// use.
func (e *encoder) sessionArrayV4() (data, pgcnt uint64, err error) {
	n, stride := len(e.s.Sessions), e.l.sess.Size
	if n == 0 {
		return 0, 0, nil
	}
	size := uint64(n * stride)
	if pgcnt = (size + phys.PageSize - 1) / phys.PageSize; pgcnt > maxV4Pages {
		return 0, 0, phys.Errorf(phys.ErrLimit, root+"/sessions", phys.NoAddr, -1, "%d sessions need %d pages", n, pgcnt)
	}
	data, blk := e.a.Alloc(bytesOrder(size))
	for i := range n {
		if err := e.session(i, blk[i*stride:]); err != nil {
			return 0, 0, err
		}
	}
	return data, pgcnt, nil
}
