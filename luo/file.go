package luo

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

var blockHeaderSize = abi.MustStruct("K4", "kho_block_header_ser").Size

func blockPath(path string, i int) string { return fmt.Sprintf("%s.block[%d]", path, i) }

// files decodes the file set of session s: count files at filesPA, a
// contiguous array or a block chain depending on the generation. entry is
// the physical address of the session entry holding the count.
func (d *decoder) files(s *Session, filesPA, count, entry uint64) error {
	l := d.l
	path := s.Path + ".files"
	countOff := int64(l.sessN.Offset)
	if filesPA == 0 {
		if count != 0 {
			// The kernel only warns here; the state would lose the files.
			return phys.Errorf(phys.ErrMalformed, path+".count", entry, countOff,
				"files address is 0 but count is %d", count)
		}
		return nil
	}
	s.FilesAddr = filesPA
	if l.filesInBlocks(d.st.Compatible) {
		blocks, err := kho.ReadBlocks(d.m, filesPA, l.file.Size, path)
		if err != nil {
			return err
		}
		var total uint64
		for bi, b := range blocks {
			if err := d.claim(b.Addr, blockPath(path, bi)); err != nil {
				return err
			}
			s.FileBlocks = append(s.FileBlocks, b.Addr)
			total += b.Count
		}
		if total != count {
			return phys.Errorf(phys.ErrMalformed, path+".count", entry, countOff,
				"count %d but the chain holds %d files", count, total)
		}
		j := 0
		for _, b := range blocks {
			for k := 0; k < int(b.Count); k++ {
				addr := b.Addr + uint64(blockHeaderSize+k*l.file.Size)
				f, err := d.file(b.Entry(k, l.file.Size), addr, filePath(s.Path, j))
				if err != nil {
					return err
				}
				s.Files = append(s.Files, f)
				j++
			}
		}
		return nil
	}
	if err := d.claim(filesPA, path); err != nil {
		return err
	}
	capacity := l.fileMax
	if l.sessPgcnt != nil && l.tag == TagV4 {
		// L-v4 sizes the array by the entry's pgcnt (UNVERIFIED layout).
		capacity = min(s.FilesPgcnt, maxV4Pages) * phys.PageSize / uint64(l.file.Size)
	}
	if count > capacity {
		return phys.Errorf(phys.ErrLimit, path+".count", entry, countOff,
			"count %d exceeds the %d entries the file array holds", count, capacity)
	}
	size := uint64(l.file.Size)
	b, err := phys.Read(d.m, filesPA, count*size, path)
	if err != nil {
		return err
	}
	for j := 0; j < int(count); j++ {
		f, err := d.file(b[uint64(j)*size:], filesPA+uint64(j)*size, filePath(s.Path, j))
		if err != nil {
			return err
		}
		s.Files = append(s.Files, f)
	}
	return nil
}

// file decodes one luo_file_ser.
func (d *decoder) file(b []byte, addr uint64, path string) (File, error) {
	l := d.l
	nm, err := name(l.fileName, b, addr, path)
	if err != nil {
		return File{}, err
	}
	f := File{Token: l.fileT.Uint(b), Data: l.fileData.Uint(b), Addr: addr, Path: path}
	if l.kind == kindFeat {
		f.HandlerName = nm
	} else {
		f.Compatible = nm
	}
	return f, nil
}
