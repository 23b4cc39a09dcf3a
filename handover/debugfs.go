package handover

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteDebugfs writes the outgoing side of the state as the kernel's kho
// debugfs directory shows it: out/fdt (the root blob), one
// out/sub_fdts/<name> per client, and out/scratch_phys and out/scratch_len
// with one 0x%x line per scratch area. dir is created.
func (e *Encoded) WriteDebugfs(dir string) error {
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(out, "sub_fdts"), 0o755); err != nil {
		return err
	}
	files := map[string][]byte{"fdt": e.Root}
	for name, blob := range e.Blobs {
		files[filepath.Join("sub_fdts", name)] = blob
	}
	var phys, size string
	for _, s := range e.Scratch {
		phys += fmt.Sprintf("0x%x\n", s.Addr)
		size += fmt.Sprintf("0x%x\n", s.Size)
	}
	files["scratch_phys"], files["scratch_len"] = []byte(phys), []byte(size)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
