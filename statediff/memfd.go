package statediff

import (
	"fmt"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/memfd"
)

// memfd compares two memfd payloads of the same file.
func (c *comparer) memfd(comp, path string, a, b *handover.FileState) {
	ma, mb := a.Memfd, b.Memfd
	switch {
	case ma == nil && mb == nil:
		return
	case ma == nil:
		c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
			Detail: "A's memfd payload could not be read" + errText(a.Err)})
		return
	case mb == nil:
		ch := Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
			Detail: "B's memfd payload could not be read" + errText(b.Err)}
		if c.incoming() {
			ch.Class, ch.Rule = Expected, RuleFreed
		}
		c.add(ch)
		return
	}
	c.gen(comp, path+"/generation", string(ma.Generation), string(mb.Generation))
	c.addr(comp, path+"/folio_array", ma.Folios.First, mb.Folios.First)
	c.value(comp, path+"/pos", dec(ma.Pos), dec(mb.Pos), Changed, RulePos, c.outgoing())
	switch {
	case mb.Size < ma.Size:
		c.add(Change{Component: comp, Path: path + "/size", Op: Modified, Class: Lost, Rule: LossShrunk,
			Old: dec(ma.Size), New: dec(mb.Size), Detail: fmt.Sprintf("%d bytes cut off", ma.Size-mb.Size)})
	case mb.Size > ma.Size:
		c.add(Change{Component: comp, Path: path + "/size", Op: Modified, Class: Changed,
			Old: dec(ma.Size), New: dec(mb.Size)})
	}
	if dropped := ma.Seals &^ mb.Seals; dropped != 0 {
		c.add(Change{Component: comp, Path: path + "/seals", Op: Modified, Class: Lost, Rule: LossSeals,
			Old: hex(uint64(ma.Seals)), New: hex(uint64(mb.Seals)), Detail: fmt.Sprintf("seals 0x%x dropped", dropped)})
	} else if ma.Seals != mb.Seals {
		c.add(Change{Component: comp, Path: path + "/seals", Op: Modified, Class: Changed,
			Old: hex(uint64(ma.Seals)), New: hex(uint64(mb.Seals))})
	}
	c.value(comp, path+"/flags", hex(uint64(ma.Flags)), hex(uint64(mb.Flags)), Changed, "", false)
	c.folios(comp, path+"/folios", ma, mb)
	if ma.Size == mb.Size {
		c.content(comp, path+"/content", a, b)
	}
}

// content compares the two files' contents by digest (folio pages in
// index order, holes as zeros, cut at size) wherever both sides hold the
// pages. Where either side does not (a capture without --with-data), the
// contents are unverified: never identical by default.
func (c *comparer) content(comp, path string, a, b *handover.FileState) {
	if c.a.Mem == nil || c.b.Mem == nil {
		return // the folio records are already unverified
	}
	da, ea := c.a.State.ContentDigest(c.a.Mem, a)
	db, eb := c.b.State.ContentDigest(c.b.Mem, b)
	switch {
	case ea != nil || eb != nil:
		why := "A" + errText(ea)
		if ea == nil {
			why = "B" + errText(eb)
		}
		c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified, Detail: "contents not compared: " + why})
	case da != db:
		c.add(Change{Component: comp, Path: path, Op: Modified, Class: Lost, Rule: LossContent,
			Old: "sha256 " + da.String(), New: "sha256 " + db.String(), Detail: "the file's bytes differ"})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// folios compares the folio records of two memfds and reports one change
// per kind of difference.
func (c *comparer) folios(comp, path string, ma, mb *memfd.File) {
	if c.a.Mem == nil || c.b.Mem == nil {
		if ma.NrFolios != mb.NrFolios || ma.NrFolios > 0 {
			c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
				Old: dec(ma.NrFolios), New: dec(mb.NrFolios), Detail: "no memory to read the folio records from"})
		}
		return
	}
	opts := c.opts.Folios
	opts.SizeA, opts.SizeB = c.a.State.FolioPages(), c.b.State.FolioPages()
	d, err := CompareFolios(ma, c.a.Mem, mb, c.b.Mem, opts)
	if err != nil {
		c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
			Old: dec(ma.NrFolios), New: dec(mb.NrFolios), Detail: "folio records not compared: " + err.Error()})
		return
	}
	of := func(s IndexSample) string {
		return fmt.Sprintf("%d of %d folios: index %s", s.N, d.FoliosA, s)
	}
	if d.Missing.N > 0 {
		c.add(Change{Component: comp, Path: path, Op: Removed, Class: Lost, Rule: LossFolio,
			Old: dec(d.FoliosA), New: dec(d.FoliosB), Detail: of(d.Missing) + " missing in B"})
	}
	if d.FlagsChanged.N > 0 {
		c.add(Change{Component: comp, Path: path + "/flags", Op: Modified, Class: Lost, Rule: LossFolioFlags,
			Detail: of(d.FlagsChanged) + " with other flags"})
	}
	if d.Resized.N > 0 {
		c.add(Change{Component: comp, Path: path + "/order", Op: Modified, Class: Lost, Rule: LossFolioFlags,
			Detail: of(d.Resized) + " of another size (order)"})
	}
	if d.Added.N > 0 {
		c.add(Change{Component: comp, Path: path, Op: Added, Class: Changed,
			Old: dec(d.FoliosA), New: dec(d.FoliosB), Detail: fmt.Sprintf("%d folios only in B: index %s", d.Added.N, d.Added)})
	}
	if d.Moved.N > 0 && !c.opts.IgnoreAddresses {
		ch := Change{Component: comp, Path: path + "/pfn", Op: Modified, Class: Changed,
			Detail: of(d.Moved) + " at another PFN"}
		if c.outgoing() {
			ch.Class, ch.Rule = Expected, RuleAddresses
		}
		c.add(ch)
	}
}
