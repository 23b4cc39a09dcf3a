package render

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
)

// fullTree is what the full tree reads records from.
type fullTree struct {
	s     *handover.State
	mem   phys.Memory
	files map[string]*handover.FileState // by decode path
}

func filesByPath(s *handover.State) map[string]*handover.FileState {
	out := map[string]*handover.FileState{}
	for fs := range s.Files() {
		out[fs.File.Path] = fs
	}
	return out
}

// rootDetail adds where the root FDT is and how it was found.
func (p printer) rootDetail(n *node, m *State) {
	if p.full == nil {
		return
	}
	r := m.KHO.Root
	addr := p.paint(Dim, "@? (the source does not tell)")
	if r.Addr != nil {
		addr = p.addr(*r.Addr)
	}
	line := fmt.Sprintf("root FDT %s  totalsize 0x%x  compatible %s", addr, uint64(r.TotalSize), p.paint(Gen, strings.Join(r.Compatibles, ", ")))
	if r.Found != "" {
		line += "  (found: " + r.Found + ")"
	}
	n.add(line)
}

// mapDetail adds the map's structure, its totals per order and its blocks
// as runs of contiguous blocks of one order.
func (p printer) mapDetail(n *node) {
	if p.full == nil {
		return
	}
	s := p.full.s
	var totals []OrderTotal
	var run struct {
		first, next Hex
		order, n    int
	}
	flush := func() {
		if run.n > 0 {
			n.add(fmt.Sprintf("blocks %s..0x%x  order %d ×%d", p.addr(run.first), uint64(run.next)-1, run.order, run.n))
		}
	}
	// Leaves at consecutive pages are one line.
	var leaves struct {
		first, next Hex
		n, bits     int
	}
	flushLeaves := func() {
		switch {
		case leaves.n == 1:
			n.add(fmt.Sprintf("leaf %s  %s set", p.addr(leaves.first), plural(leaves.bits, "bit")))
		case leaves.n > 1:
			n.add(fmt.Sprintf("leaves %s..0x%x  ×%d  %s set", p.addr(leaves.first), uint64(leaves.next)-1, leaves.n, plural(leaves.bits, "bit")))
		}
		leaves.n = 0
	}
	mapRecords(s, func(_ Place, _ string, rec any) error {
		switch r := rec.(type) {
		case *MapInfo:
			line := fmt.Sprintf("%s %s", r.Format, p.addr(r.Addr))
			if r.Variant != "" {
				line += "  bitmaps " + r.Variant
			}
			if r.Tables != nil {
				line += fmt.Sprintf("  %s", plural(*r.Tables, "table"))
			}
			n.add(line)
		case *MapChunk:
			n.add(fmt.Sprintf("chunk %s  order %d  %s  next 0x%x", p.addr(r.Addr), r.Order, plural(r.Bitmaps, "bitmap"), uint64(r.Next)))
		case *RadixLeaf:
			if leaves.n > 0 && r.Addr == leaves.next {
				leaves.n++
				leaves.bits += r.Bits
				leaves.next += phys.PageSize
				return nil
			}
			flushLeaves()
			leaves.first, leaves.next, leaves.n, leaves.bits = r.Addr, r.Addr+phys.PageSize, 1, r.Bits
		case *PreservedBlock:
			flushLeaves()
			if run.n > 0 && r.Order == run.order && r.Addr == run.next {
				run.n++
				run.next += r.Size
				return nil
			}
			flush()
			run.first, run.next, run.order, run.n = r.Addr, r.Addr+r.Size, r.Order, 1
		case *OrderTotal:
			totals = append(totals, *r)
		}
		return nil
	})
	flush()
	for _, t := range totals {
		n.add(fmt.Sprintf("order %d: %s, %s", t.Order, plural(int(min(uint64(t.Blocks), 1<<31)), "block"), HumanSize(uint64(t.Bytes))))
	}
}

// luoDetail adds the LUO blob's headers, feature bits and session chain.
func (p printer) luoDetail(n *node, l *LUO) {
	if p.full == nil {
		return
	}
	line := fmt.Sprintf("blob %s  %s", p.addr(l.Addr), HumanSize(uint64(l.Size)))
	if l.SerAddr != nil {
		line += "  luo_ser " + p.addr(*l.SerAddr)
	}
	n.add(line)
	for _, c := range []struct{ what, compat string }{{"session node", l.SessionCompatible}, {"FLB node", l.FLBCompatible}} {
		if c.compat != "" {
			n.add(c.what + " " + p.paint(Gen, c.compat))
		}
	}
	for _, h := range []struct {
		what string
		h    *ArrayHeader
	}{{"session header", l.SessionHeader}, {"FLB header", l.FLBHeader}} {
		if h.h != nil {
			line := fmt.Sprintf("%s %s  count %d", h.what, p.addr(h.h.Addr), uint64(h.h.Count))
			if h.h.Pgcnt != nil {
				line += fmt.Sprintf("  pgcnt %d", uint64(*h.h.Pgcnt))
			}
			n.add(line)
		}
	}
	for _, a := range []struct {
		what string
		at   *Hex
	}{{"session FDT", l.SessionFDT}, {"file-descriptors FDT", l.FilesFDT}} {
		if a.at != nil {
			n.add(a.what + " " + p.addr(*a.at))
		}
	}
	st := p.full.s.LUO
	if f := st.Features; f != nil {
		p.featureLines(n, featureWords(string(st.Generation), "LUO_FEATURE_", f.Supp, f.Req, f.Active))
	}
	sess, _, _ := luo.EntrySizes(st.Generation)
	p.chainLines(n, "session block", st.Layout.SessionBlocks, sess, "LUO/sessions")
}

func (p printer) featureLines(n *node, words []FeatureWord) {
	for _, w := range words {
		bits := "none"
		if len(w.Bits) > 0 {
			bits = strings.Join(w.Bits, ", ")
		}
		n.add(fmt.Sprintf("features.%s 0x%x: %s", w.Word, uint64(w.Value), bits))
	}
}

// chainLines adds one line per block of a block chain.
func (p printer) chainLines(n *node, what string, blocks []uint64, entry int, path string) {
	chainRecords(p.full.mem, blocks, entry, path, "", "", "", func(_ Place, _ string, rec any) error {
		b := rec.(*ChainBlock)
		n.add(fmt.Sprintf("%s %s  %d of %d entries  next 0x%x", what, p.addr(b.Addr), uint64(b.Count), b.Capacity, uint64(b.Next)))
		return nil
	})
}

// sessionDetail adds a session's file array or file chain.
func (p printer) sessionDetail(n *node, s Session) {
	if p.full == nil {
		return
	}
	chained := false
	for _, sn := range p.full.s.Sessions {
		if sn.Session.Path == s.Path && len(sn.Session.FileBlocks) > 0 {
			chained = true
			_, file, _ := luo.EntrySizes(p.full.s.LUO.Generation)
			p.chainLines(n, "file block", sn.Session.FileBlocks, file, s.Path+".files")
		}
	}
	if s.FilesAddr != nil && !chained {
		line := "file array " + p.addr(*s.FilesAddr)
		if s.FilesPgcnt != nil {
			line += fmt.Sprintf("  pgcnt %d", uint64(*s.FilesPgcnt))
		}
		n.add(line)
	}
}

// memfdDetail adds a memfd's folio area, its folio records as runs and its
// holes.
func (p printer) memfdDetail(n *node, f File) {
	if p.full == nil {
		return
	}
	fs := p.full.files[f.Path]
	if fs == nil || fs.Memfd == nil {
		return
	}
	mf := f.Memfd
	if v := mf.Vmalloc; v != nil {
		n.add(fmt.Sprintf("vmalloc first %s  total_pages %d  order %d  flags 0x%x", p.addr(v.First), uint64(v.TotalPages), v.Order, uint64(v.Flags)))
	}
	if mf.FolioRecords != nil {
		n.add("folio records in the FDT at " + p.addr(*mf.FolioRecords))
	}
	p.featureLines(n, mf.Features)
	var run folioRun
	flush := func() {
		if run.n > 0 {
			n.add(run.line(p))
		}
	}
	memfdRecords(p.full.s, p.full.mem, "", fs, func(_ Place, _ string, rec any) error {
		switch r := rec.(type) {
		case *VmallocChunk:
			n.add(fmt.Sprintf("chunk %s  %s  next 0x%x", p.addr(r.Addr), plural(len(r.Blocks), "block"), uint64(r.Next)))
		case *Folio:
			if !run.extend(r) {
				flush()
				run.start(r)
			}
		case *FoliosUnread:
			flush()
			run.n = 0
			n.add(p.paint(Warn, fmt.Sprintf("! folio records unresolved after %d of %d: %s", uint64(r.Read), uint64(r.Total), r.Error)))
		case *Hole:
			flush()
			run.n = 0
			n.add(p.paint(Dim, fmt.Sprintf("hole  index 0x%x..0x%x  %s", uint64(r.Index), uint64(r.Index+r.Pages)-1, plural(int(min(uint64(r.Pages), 1<<31)), "page"))))
		}
		return nil
	})
	flush()
}

// folioRun is a run of folio records that continue each other: indexes
// and PFNs advance by the folio size, order and flags stay the same.
type folioRun struct {
	first, last           Folio
	firstOrder, lastOrder int // what first.Order and last.Order point to
	n                     uint64
	pos                   uint64 // position of first in the array
	seen                  uint64 // records seen so far
}

func (r *folioRun) pages(f *Folio) Hex {
	if f.Order == nil {
		return 1
	}
	return 1 << *f.Order
}

func (r *folioRun) extend(f *Folio) bool {
	r.seen++
	l := &r.last
	if r.n == 0 || f.PFN == 0 || l.PFN == 0 || !sameOrder(f.Order, l.Order) || f.Flags != l.Flags ||
		f.Index != l.Index+r.pages(l) || f.PFN != l.PFN+r.pages(l) {
		return false
	}
	keep(&r.last, &r.lastOrder, f)
	r.n++
	return true
}

func (r *folioRun) start(f *Folio) {
	keep(&r.first, &r.firstOrder, f)
	keep(&r.last, &r.lastOrder, f)
	r.n, r.pos = 1, r.seen-1
}

// keep copies f into dst, its order into store: the generator reuses the
// variable f.Order points to.
func keep(dst *Folio, store *int, f *Folio) {
	*dst = *f
	if f.Order != nil {
		*store = *f.Order
		dst.Order = store
	}
}

func sameOrder(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func (r *folioRun) line(p printer) string {
	order := "order ?"
	if r.first.Order != nil {
		order = fmt.Sprintf("order %d", *r.first.Order)
	}
	flags := "no flags"
	if len(r.first.Named) > 0 {
		flags = strings.Join(r.first.Named, ",")
	}
	if r.n == 1 {
		return fmt.Sprintf("folio #%d  index 0x%x  pfn 0x%x  %s  %s", r.pos, uint64(r.first.Index), uint64(r.first.PFN), order, flags)
	}
	return fmt.Sprintf("folios #%d..#%d  index 0x%x..0x%x  pfn 0x%x..0x%x  %s  %s", r.pos, r.pos+r.n-1,
		uint64(r.first.Index), uint64(r.last.Index), uint64(r.first.PFN), uint64(r.last.PFN), order, flags)
}
