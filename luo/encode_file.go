package luo

import (
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// writeFile fills a luo_file_ser entry.
func (e *encoder) writeFile(b []byte, f File, path string) error {
	l := e.l
	nm := f.Compatible
	if l.kind == kindFeat {
		nm = f.HandlerName
	}
	if err := putName(l.fileName, b, nm, path); err != nil {
		return err
	}
	l.fileData.PutUint(b, f.Data)
	l.fileT.PutUint(b, f.Token)
	return nil
}

// fileSet allocates and fills the files of session i, a block chain or a
// contiguous array (order of LUO_FILE_PGCNT), and returns its address: 0
// for a session without files.
func (e *encoder) fileSet(i int, ss Session) (uint64, error) {
	l := e.l
	if len(ss.Files) == 0 {
		return 0, nil
	}
	put := func(j int, b []byte) error { return e.writeFile(b, ss.Files[j], filePath(sessionPath(i), j)) }
	if l.filesInBlocks(e.compat()) {
		return kho.EncodeBlocks(e.a, len(ss.Files), l.file.Size, put)
	}
	if uint64(len(ss.Files)) > l.fileMax {
		return 0, phys.Errorf(phys.ErrLimit, sessionPath(i)+".files", phys.NoAddr, -1,
			"%d files exceed the %d a file array holds", len(ss.Files), l.fileMax)
	}
	pa, b := e.a.Alloc(order(l.filePgcnt))
	for j := range ss.Files {
		if err := put(j, b[j*l.file.Size:]); err != nil {
			return 0, err
		}
	}
	return pa, nil
}
