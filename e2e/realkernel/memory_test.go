package realkernel

import (
	"debug/elf"
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
)

// walkDump opens an ELF core and walks the state of the root at root (the
// address the kernel was handed, so no scan of the dump is needed).
func walkDump(t *testing.T, core string, root uint64) (*handover.State, source.Source, []byte) {
	t.Helper()
	src, err := source.Open(core)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	blobs, err := source.BlobsFromMemory(src, source.RootRef{Addr: root}, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := handover.Walk(blobs.Root, src, handover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st, src, blobs.Root
}

// coreOffset returns the file offset of physical address pa in an ELF core.
func coreOffset(core string, pa uint64) (int64, error) {
	f, err := elf.Open(core)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && pa >= p.Paddr && pa < p.Paddr+p.Filesz {
			return int64(p.Off + pa - p.Paddr), nil
		}
	}
	return 0, fmt.Errorf("%s: PA 0x%x is in no PT_LOAD", core, pa)
}

// flipFolioByte copies core to out with one bit of the first folio page
// of the first memfd with data inverted.
func flipFolioByte(t *testing.T, core, out string, root uint64) error {
	st, src, _ := walkDump(t, core, root)
	for fs := range st.Files() {
		if fs.Memfd == nil || fs.Memfd.NrFolios == 0 {
			continue
		}
		fo, err := fs.Memfd.FolioAt(src, 0)
		if err != nil {
			return err
		}
		b := make([]byte, 1)
		if _, err := src.ReadAt(b, fo.Addr()+100); err != nil {
			return err
		}
		return applyToCore(core, out, []patch{{fo.Addr() + 100, []byte{b[0] ^ 1}}})
	}
	return fmt.Errorf("%s: no memfd with folios", core)
}
