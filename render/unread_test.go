package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

// hiding is memory without one page: a source that lacks a folio array.
type hiding struct {
	phys.Memory
	page uint64
}

func (h hiding) ReadAt(p []byte, addr uint64) (int, error) {
	if addr < h.page+phys.PageSize && addr+uint64(len(p)) > h.page {
		n := 0
		if addr < h.page {
			n, _ = h.Memory.ReadAt(p[:h.page-addr], addr)
		}
		return n, fmt.Errorf("PA 0x%x: %w", h.page, phys.ErrUnresolved)
	}
	return h.Memory.ReadAt(p, addr)
}

// TestFoliosUnresolved: records that cannot be read are shown as
// unresolved in every full view, never as a shorter folio list or holes.
func TestFoliosUnresolved(t *testing.T) {
	st, enc := encodeSample(t, "k2-lflb-m1")
	fs := &st.Sessions[0].Files[0]
	area := fs.Memfd.Folios
	mem := hiding{enc.Image, area.First} // the vmalloc chunk of the records
	var tree bytes.Buffer
	if err := FullTree(&tree, st, mem, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tree.String(), "! folio records unresolved after 0 of 4: ") || strings.Contains(tree.String(), "hole ") {
		t.Errorf("tree:\n%s", tree.String())
	}
	var lines bytes.Buffer
	if err := WriteJSONL(&lines, st, mem, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lines.String(), `{"record":"folios-unresolved","at":"luo/sessions/#0/files/#0/memfd/folios_unresolved","read":"0x0","nr_folios":"0x4","error":`) ||
		strings.Contains(lines.String(), `"record":"hole"`) {
		t.Errorf("jsonl:\n%s", lines.String())
	}
	full, err := FullModel(st, mem)
	if err != nil {
		t.Fatal(err)
	}
	m := full.LUO.Sessions[0].Files[0].Memfd
	if m.FoliosUnresolved == nil || len(m.Folios) != 0 || len(m.Holes) != 0 {
		t.Errorf("full model: unresolved %+v, %d folios, %d holes", m.FoliosUnresolved, len(m.Folios), len(m.Holes))
	}
}
