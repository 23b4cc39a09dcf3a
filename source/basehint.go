package source

import (
	"fmt"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
)

// maxHintPages bounds the pages BaseHint looks at, so that a hint costs
// at most that many small reads whatever the image's size.
const maxHintPages = 1 << 18

// maxHintTries bounds the candidate bases BaseHint asks fits about.
const maxHintTries = 64

// BaseHint suggests the base at which a raw image should be read when the
// physical addresses ptrs (a root's memory map and client pointers) fall
// outside the image at its given base: a page-aligned base that puts every
// pointer inside the image and for which fits, given the image read at
// that base, says the state reads cleanly. Bases that put a pointer on a
// page starting like a client blob are tried first; at most maxHintTries
// bases are tried and at most maxHintPages pages looked at; pages in the
// holes of a sparse image are known to be zeros without reading them.
func (r *Raw) BaseHint(ptrs []uint64, fits func(phys.Memory) bool) (base uint64, ok bool) {
	if len(ptrs) == 0 {
		return 0, false
	}
	pages := uint64(r.size) / phys.PageSize
	step := max(1, pages/maxHintPages)
	head := make([]byte, 8)
	tried := map[uint64]bool{}
	for _, blobsOnly := range []bool{true, false} {
		for pg := uint64(0); pg < pages; pg += step {
			off := pg * phys.PageSize
			if d := r.holes.dataFrom(int64(off)); d != int64(off) {
				// A hole: its page starts with zeros, like no blob.
				if !blobsOnly {
					clear(head)
				} else if d < 0 {
					break
				} else {
					next := (uint64(d) + phys.PageSize - 1) / phys.PageSize
					pg = max(pg, (next+step-1)/step*step-step)
					continue
				}
			} else if _, err := r.f.ReadAt(head, int64(off)); err != nil {
				continue
			}
			if startsLikeBlob(head) != blobsOnly {
				continue
			}
			for _, p := range ptrs {
				if p < off || (p-off)%phys.PageSize != 0 {
					continue
				}
				b := p - off
				if b == r.base || tried[b] || !r.holdsAll(b, ptrs) {
					continue
				}
				if len(tried) == maxHintTries {
					return 0, false
				}
				tried[b] = true
				if fits(r.At(b)) {
					return b, true
				}
			}
		}
	}
	return 0, false
}

// At returns the image read as if its first byte were physical address
// base; the file stays open as long as r.
func (r *Raw) At(base uint64) phys.Memory {
	m := newSegMap(r.f, fmt.Sprintf("raw image %s at PA 0x%x", r.path, base), []fileSeg{{addr: base, size: uint64(r.size), off: 0}})
	m.holes = r.holes
	return m
}

// holdsAll reports whether every pointer lies inside the image read at
// base b.
func (r *Raw) holdsAll(b uint64, ptrs []uint64) bool {
	for _, p := range ptrs {
		if p < b || p-b >= uint64(r.size) {
			return false
		}
	}
	return true
}

// startsLikeBlob reports whether b begins like a client blob: an FDT, or
// a raw struct luo_ser.
func startsLikeBlob(b []byte) bool {
	return fdt.HasMagic(b) || luo.IsRawSer(b)
}

// BaseHintNote words a BaseHint for a reader.
func (r *Raw) BaseHintNote(base uint64) string {
	return fmt.Sprintf("the root's pointers fall outside %s; read at base 0x%x the whole state reads cleanly: try raw:%s@0x%x",
		r.Describe(), base, r.path, base)
}
