package luo

import (
	"fmt"

	"github.com/luoinspect/luoinspect/phys"
)

func blockPath(path string, i int) string { return fmt.Sprintf("%s.block[%d]", path, i) }

// files decodes the file set of session s: count files at filesPA, a
// contiguous array or a block chain depending on the generation. entry is
// the physical address of the session entry holding the count. Problems
// are reported; s.Files keeps the files that could be read.
func (d *decoder) files(s *Session, filesPA, count, entry uint64) {
	l := d.l
	path := s.Path + ".files"
	countOff := int64(l.sessN.Offset)
	if filesPA == 0 {
		if count != 0 {
			// The kernel only warns here; the state would lose the files.
			d.report(phys.Errorf(phys.ErrMalformed, path+".count", entry, countOff,
				"files address is 0 but count is %d", count), CheckFilesZero)
		}
		return
	}
	s.FilesAddr = filesPA
	if l.filesInBlocks(d.st.Compatible) {
		d.fileChain(s, filesPA, count, entry)
		return
	}
	if !d.claim(filesPA, path) {
		return
	}
	capacity := l.fileMax
	if l.sessPgcnt != nil && l.tag == TagV4 {
		// L-v4 sizes the array by the entry's pgcnt (UNVERIFIED layout).
		capacity = min(s.FilesPgcnt, maxV4Pages) * phys.PageSize / uint64(l.file.Size)
	}
	size := uint64(l.file.Size)
	entries := d.cappedEntries(filesPA, count, capacity, size, path, func() {
		d.report(phys.Errorf(phys.ErrLimit, path+".count", entry, countOff,
			"count %d exceeds the %d entries the file array holds", count, capacity), CheckFileCount)
	})
	for j, b := range entries {
		s.Files = append(s.Files, d.file(b, filesPA+uint64(j)*size, filePath(s.Path, j)))
	}
}

// fileChain decodes the block chain of files of session s; a count that
// differs from what a fully read chain holds is reported.
func (d *decoder) fileChain(s *Session, head, count, entry uint64) {
	l := d.l
	path := s.Path + ".files"
	blocks, whole := d.chain(head, l.file.Size, path)
	var total uint64
	for _, b := range blocks {
		s.FileBlocks = append(s.FileBlocks, b.Addr)
		total += b.Count
	}
	if whole && total != count {
		d.report(phys.Errorf(phys.ErrMalformed, path+".count", entry, int64(l.sessN.Offset),
			"count %d but the chain holds %d files", count, total), CheckChainTotal)
	}
	eachEntry(blocks, l.file.Size, func(j int, b []byte, addr uint64) {
		s.Files = append(s.Files, d.file(b, addr, filePath(s.Path, j)))
	})
}

// file decodes one luo_file_ser; an unterminated name is reported and
// kept up to the end of its field.
func (d *decoder) file(b []byte, addr uint64, path string) File {
	l := d.l
	nm := d.name(l.fileName, b, addr, path, CheckFileName)
	f := File{Token: l.fileT.Uint(b), Data: l.fileData.Uint(b), Addr: addr, Path: path}
	if l.kind == kindFeat {
		f.HandlerName = nm
	} else {
		f.Compatible = nm
	}
	return f
}
