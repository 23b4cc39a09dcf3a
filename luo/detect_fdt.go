package luo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// fdt names an FDT blob by its root compatible and nodes.
func (dt *detector) fdt(blob []byte) error {
	t, err := parseFDT(blob, root, phys.NoAddr, false)
	if err != nil {
		return err
	}
	r := t.Root()
	cp, ok := r.Property("compatible")
	if !ok {
		return phys.Errorf(phys.ErrMalformed, root+".compatible", phys.NoAddr, int64(r.Offset()), "root has no compatible").With(CheckCompatible)
	}
	list, err := cp.Strings()
	if err != nil || len(list) == 0 {
		return phys.Errorf(phys.ErrMalformed, root+".compatible", phys.NoAddr, int64(cp.ValueOffset()), "not a string list").With(CheckCompatible)
	}
	switch {
	case slices.Contains(list, "luo-v2"):
		dt.evidence("root compatible \"luo-v2\": L-luo-v2, luo-abi-header points to a %d-byte struct luo_ser", layouts[TagLuoV2].ser.Size)
		dt.decide(TagLuoV2, abi.Certain)
		if _, ok := r.Property("luo-abi-header"); !ok {
			dt.conflict("the luo-abi-header property that L-luo-v2 writes is missing")
		}
		return nil
	case !slices.Contains(list, "luo-v1"):
		return phys.Errorf(phys.ErrUnsupported, root+".compatible", phys.NoAddr, int64(cp.ValueOffset()),
			"unknown LUO root compatible %q", list).With(CheckCompatible)
	}
	dt.evidence("root compatible \"luo-v1\"")
	if p, ok := r.Property("liveupdate-number"); ok {
		dt.evidence("liveupdate-number present (%d bytes)", len(p.Value))
	}
	if sn, ok := r.Child("luo-session"); ok {
		return dt.sessionNode(r, sn)
	}
	if fn, ok := r.Child("luo-flb"); ok {
		if dt.flbOnly(fn) {
			return nil
		}
	}
	return dt.subsystemEra(r)
}

// flbNote describes the luo-flb node of root r.
func flbNote(r fdt.Node) (string, bool) {
	fn, ok := r.Child("luo-flb")
	if !ok {
		return "no luo-flb node", false
	}
	note := "luo-flb node present"
	if p, ok := fn.Property("compatible"); ok {
		s, _ := p.String()
		note += fmt.Sprintf(" (compatible %q)", s)
	}
	return note, true
}

// sessionNode names a luo-v1 FDT with a luo-session node.
func (dt *detector) sessionNode(r, sn fdt.Node) error {
	var compat string
	if cp, ok := sn.Property("compatible"); ok {
		compat, _ = cp.String()
	}
	note, hasFLB := flbNote(r)
	switch compat {
	case "luo-session-v2":
		l := layouts[Tag619]
		dt.evidence("luo-session compatible \"luo-session-v2\": %d-byte header {count}, %d-byte sessions (name[%d] + file set)",
			l.sessHdr.Size, l.sess.Size, l.sessName.Count)
		if hasFLB {
			dt.evidence("%s: L-FLB", note)
			dt.decide(TagFLB, abi.High)
			return nil
		}
		dt.session619(note)
		return nil
	case "luo-session-v1":
	default:
		return phys.Errorf(phys.ErrUnsupported, root+"/luo-session.compatible", phys.NoAddr, int64(sn.Offset()),
			"unknown session compatible %q", compat).With(CheckSessionNode)
	}
	dt.evidence("luo-session compatible \"luo-session-v1\" (used for four layouts)")
	_, head := sn.Property("luo-session-head")
	_, header := sn.Property("luo-session-header")
	switch {
	case head:
		l := layouts[TagV5]
		dt.evidence("property luo-session-head: L-v5 (%d-byte {pgcnt, count} header, %d-byte sessions with name[%d]); %s",
			l.sessHdr.Size, l.sess.Size, l.sessName.Count, note)
		dt.decide(TagV5, abi.High)
		if !hasFLB {
			dt.missing("luo-flb", TagV5)
		}
		return nil
	case header:
		dt.evidence("property luo-session-header: L-v6 or the 6.19 intermediate (L-6.19-pre); %s", note)
		dt.sessionV6(sn, hasFLB)
		return nil
	}
	if dt.sessionNoHeader(r) {
		return nil
	}
	return phys.Errorf(phys.ErrMalformed, root+"/luo-session", phys.NoAddr, int64(sn.Offset()),
		"neither luo-session-head nor luo-session-header").With(CheckSessionNode)
}

// session619 names luo-v1 + luo-session-v2 without a luo-flb node: L-6.19,
// unless the KHO generation pairs with L-FLB but not with L-6.19, which
// makes it an L-FLB blob that lost its luo-flb node.
func (dt *detector) session619(note string) {
	p619, known := dt.pairs(Tag619)
	pFLB, knownFLB := dt.pairs(TagFLB)
	switch {
	case !known:
		dt.evidence("%s: L-6.19, or an L-FLB blob that lost its luo-flb node (KHO generation unknown)", note)
		dt.decide(Tag619, abi.Low, TagFLB)
	case p619:
		dt.evidence("%s: L-6.19", note)
		dt.decide(Tag619, abi.High)
	case knownFLB && pFLB:
		dt.evidence("%s, but KHO generation %s pairs with L-FLB, not with L-6.19: L-FLB", note, dt.kho)
		dt.decide(TagFLB, abi.High)
		dt.missing("luo-flb", TagFLB)
	default:
		dt.evidence("%s: L-6.19", note)
		dt.decide(Tag619, abi.High)
	}
}

// sessionV6 decides between L-v6 and L-6.19-pre (luo-session-v1 with
// luo-session-header).
func (dt *detector) sessionV6(sn fdt.Node, hasFLB bool) {
	p, _ := sn.Property("luo-session-header")
	hdr, err := p.U64LE()
	if err != nil || dt.m == nil || hdr == 0 {
		if hasFLB {
			dt.evidence("session block not examined; the luo-flb node points to L-v6 (stride unknown: 88 assumed)")
			dt.decide(TagV6, abi.High)
			return
		}
		dt.evidence("session block not examined; no luo-flb node points to L-6.19-pre")
		dt.decide(Tag619Pre, abi.Low, TagV6)
		return
	}
	best, cands, notes := scoreV6(dt.m, hdr, hasFLB, false)
	dt.det.Evidence = append(dt.det.Evidence, notes...)
	var alts []abi.Tag
	anyValid := false
	for _, c := range cands {
		anyValid = anyValid || c.valid
		if c.valid && c.l.tag != best.l.tag && best.score-c.score < 1 && !slices.Contains(alts, c.l.tag) {
			alts = append(alts, c.l.tag)
		}
	}
	switch {
	case !anyValid:
		dt.decide(best.l.tag, abi.Low, Tag619Pre)
	case len(alts) > 0:
		dt.decide(best.l.tag, abi.Low, alts...)
	default:
		dt.decide(best.l.tag, abi.High)
	}
	if best.l.tag == Tag619Pre && hasFLB {
		dt.conflict("the layout scores as L-6.19-pre but a luo-flb node is present (L-6.19-pre writes none)")
	}
	if best.l.tag == TagV6 && !hasFLB {
		dt.missing("luo-flb", TagV6)
	}
}

// flbOnly names a luo-v1 FDT with a luo-flb node but no luo-session node
// by the luo-flb header property: luo-flb-head is L-v5; luo-flb-header is
// L-FLB or L-v6, L-v6 only when the KHO generation pairs with L-FLB not.
// It returns false when the property names no generation.
func (dt *detector) flbOnly(fn fdt.Node) bool {
	_, head := fn.Property("luo-flb-head")
	_, header := fn.Property("luo-flb-header")
	switch {
	case head:
		dt.evidence("no luo-session node; luo-flb property luo-flb-head: L-v5")
		dt.decide(TagV5, abi.Low)
	case header:
		tag, other := TagFLB, TagV6
		if pairs, known := dt.pairs(TagFLB); known && !pairs {
			tag, other = TagV6, TagFLB
		}
		dt.evidence("no luo-session node; luo-flb property luo-flb-header: L-FLB or L-v6, %s chosen", tag)
		dt.decide(tag, abi.Low, other)
	default:
		return false
	}
	dt.missing("luo-session", dt.det.Tag)
	return true
}

// sessionNoHeader names luo-v1 with a luo-session-v1 node that has no
// header property by the luo-flb node's: luo-flb-head is L-v5,
// luo-flb-header L-v6 (the generations that write both). It returns false
// when there is no such luo-flb property.
func (dt *detector) sessionNoHeader(r fdt.Node) bool {
	fn, ok := r.Child("luo-flb")
	if !ok {
		return false
	}
	_, head := fn.Property("luo-flb-head")
	_, header := fn.Property("luo-flb-header")
	tag, prop := TagV6, "luo-session-header"
	switch {
	case head:
		tag, prop = TagV5, "luo-session-head"
	case !header:
		return false
	}
	dt.evidence("luo-session has no header property; the luo-flb header property points to %s", tag)
	dt.decide(tag, abi.Low)
	dt.conflict("the %s property that %s writes is missing from luo-session", prop, tag)
	return true
}

// subsystemEra names a luo-v1 FDT with /subsystems or /file-descriptors:
// L-v4 or L-RFC.
func (dt *detector) subsystemEra(r fdt.Node) error {
	sn, hasSubs := r.Child(subsystemsNode)
	_, hasFiles := r.Child(filesNode)
	if !hasSubs && !hasFiles {
		return phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, int64(r.Offset()),
			"luo-v1 root without luo-session, subsystems or file-descriptors nodes").With(CheckCompatible)
	}
	if hasFiles {
		dt.evidence("/file-descriptors node inside the LUO FDT: L-RFC (RFC v2, files as FDT nodes named by token)")
		dt.decide(TagRFC, abi.High)
		return nil
	}
	dt.evidence("/subsystems node: the RFC/v4 subsystem era")
	unresolved := ""
	for _, p := range sn.Properties() {
		if p.Name == "compatible" || len(p.Value) != 8 {
			continue
		}
		pa, _ := p.U64LE()
		if isSessionFDT(dt.m, pa) {
			dt.evidence("subsystem %q points to a luo-session-v1 FDT at PA 0x%x: L-v4", p.Name, pa)
			dt.decide(TagV4, abi.High)
			return nil
		}
		if dt.m != nil && pa != 0 && unresolved == "" && !phys.Holds(dt.m, pa, fdt.HeaderSize) {
			unresolved = p.Name
		}
	}
	if dt.m == nil {
		for _, p := range sn.Properties() {
			if strings.Contains(p.Name, "session") {
				dt.evidence("no memory to follow subsystem %q; its name suggests L-v4 (low confidence)", p.Name)
				dt.decide(TagV4, abi.Low, TagRFC)
				return nil
			}
		}
	}
	dt.evidence("no subsystem points to a luo-session-v1 FDT: L-RFC (patch v2/v3, files in a file-descriptors FDT)")
	switch {
	case dt.m == nil:
		dt.decide(TagRFC, abi.Low, TagV4)
	case unresolved != "":
		dt.evidence("subsystem %q points to memory the source does not hold: it may be an L-v4 session FDT", unresolved)
		dt.decide(TagRFC, abi.Low, TagV4)
	default:
		dt.decide(TagRFC, abi.High)
	}
	return nil
}
