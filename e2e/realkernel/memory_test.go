package realkernel

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
)

// walkDump opens an ELF core, chooses its root as the CLI does and walks it.
func walkDump(t *testing.T, core string) (*handover.State, source.Source) {
	t.Helper()
	src, err := source.Open(core)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	survey, err := source.Survey(context.Background(), src)
	if err != nil || survey == nil {
		t.Fatalf("%s: no KHO root (%v)", core, err)
	}
	blobs, err := source.BlobsFromMemory(src, survey.Candidates[survey.Chosen].RootRef, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := handover.Walk(blobs.Root, src, handover.Options{Stage: survey.Stage})
	if err != nil {
		t.Fatal(err)
	}
	return st, src
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
func flipFolioByte(t *testing.T, core, out string) error {
	st, src := walkDump(t, core)
	var pa uint64
	for _, fs := range st.Files {
		if fs.Memfd == nil || fs.Memfd.NrFolios == 0 {
			continue
		}
		fo, err := fs.Memfd.FolioAt(src, 0)
		if err != nil {
			return err
		}
		pa = fo.Addr() + 100
		break
	}
	if pa == 0 {
		return fmt.Errorf("%s: no memfd with folios", core)
	}
	off, err := coreOffset(core, pa)
	if err != nil {
		return err
	}
	in, err := os.Open(core)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	b := make([]byte, 1)
	if _, err := o.ReadAt(b, off); err != nil {
		o.Close()
		return err
	}
	b[0] ^= 1
	if _, err := o.WriteAt(b, off); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}
