package luo

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// Detect names the LUO generation of blob (README §4 step 3,
// generations.md §9) and explains the decision in human-readable
// evidence strings. m is used to look behind physical addresses where the
// blob alone cannot tell; it may be nil, which lowers the confidence of
// the L-v4/L-RFC and L-v6/L-6.19-pre decisions.
//
// Rules, in order:
//   - FDT magic: the root compatible decides. "luo-v2" is L-luo-v2.
//     "luo-v1" with a luo-session node: luo-session-v2 is L-6.19, or L-FLB
//     when a luo-flb node exists; luo-session-v1 with luo-session-head is
//     L-v5; luo-session-v1 with luo-session-header is L-v6 or the 6.19
//     intermediate L-6.19-pre, decided by scoring the candidate session
//     layouts in memory (see scoreV6) and, without memory, by the luo-flb
//     node (present in L-v6, absent in L-6.19-pre). "luo-v1" with
//     /subsystems: L-v4 when a subsystem's u64 points to an FDT whose root
//     is luo-session-v1, otherwise L-RFC; /file-descriptors alone is L-RFC.
//   - ASCII "luo-v": a raw struct luo_ser; the NUL-terminated string names
//     the generation (luo-v3, luo-v3/v4-kho-block-v1, luo-v4, luo-v5,
//     luo-v5;block-v1).
//   - Otherwise a valid 128-byte feature header (zero reserved words, req
//     and active subsets of supp, at most 16 feature bits, blob of at least
//     152 bytes) is L-feat.
//
// Anything else fails with an error wrapping phys.ErrUnsupported (unknown
// strings) or phys.ErrMalformed (an FDT that does not parse).
func Detect(blob []byte, m phys.Memory) (tag string, evidence []string, err error) {
	return detect(blob, m)
}

func detect(blob []byte, m phys.Memory) (string, []string, error) {
	var ev []string
	switch {
	case bytes.HasPrefix(blob, fdtMagic):
		ev = append(ev, "blob starts with the FDT magic d0 0d fe ed")
		return detectFDT(blob, m, ev)
	case bytes.HasPrefix(blob, []byte("luo-v")):
		compat, n, ok := rawCompat(blob)
		if !ok {
			return "", ev, phys.Errorf(phys.ErrMalformed, root+".compatible", phys.NoAddr, 0,
				"blob starts with \"luo-v\" but has no NUL in its first %d bytes", maxCompatLen)
		}
		ev = append(ev, fmt.Sprintf("blob starts with ASCII %q: a raw struct luo_ser; the string with its NUL rounds up to a %d-byte field", compat, n))
		base, subs, _ := strings.Cut(compat, ";")
		if subs != "" {
			ev = append(ev, fmt.Sprintf("granular string: base %q, sub-components %q", base, strings.Split(subs, ";")))
		}
		tag, ok := serTagFor(compat)
		if !ok {
			return "", ev, phys.Errorf(phys.ErrUnsupported, root+".compatible", phys.NoAddr, 0, "unknown LUO string %q", compat)
		}
		l := layouts[tag]
		what := "contiguous session and file arrays"
		switch {
		case l.sessionsInBlocks && l.filesInBlocks(compat):
			what = "sessions and files in KHO block chains"
		case l.sessionsInBlocks:
			what = "sessions in KHO block chains, files in contiguous arrays"
		}
		ev = append(ev, fmt.Sprintf("%q is %s: %d-byte luo_ser, %s", compat, tag, l.ser.Size, what))
		if len(blob) < l.ser.Size {
			ev = append(ev, fmt.Sprintf("warning: blob is %d bytes, shorter than the %d-byte luo_ser", len(blob), l.ser.Size))
		}
		return tag, ev, nil
	}
	f, err := checkFeatures(blob, root+".features", func(int) uint64 { return phys.NoAddr })
	if err != nil {
		return "", ev, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, 0,
			"blob is neither an FDT, nor a luo-v string, nor a feature header (%v)", err)
	}
	if f.Supp > maxFeatureBits {
		return "", ev, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, 0,
			"no FDT magic, no luo-v string, and supp 0x%x is not a small feature bitmask", f.Supp)
	}
	l := layouts[TagFeat]
	if len(blob) < l.ser.Size {
		return "", ev, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, 0,
			"feature header found but the blob is %d bytes, less than the %d-byte luo_ser", len(blob), l.ser.Size)
	}
	ev = append(ev,
		"blob starts with neither the FDT magic nor ASCII \"luo-v\"",
		fmt.Sprintf("first %d bytes parse as a feature header: supp 0x%x, req 0x%x, active 0x%x (subsets of supp), reserved words zero",
			featHdr.Size, f.Supp, f.Req, f.Active),
		fmt.Sprintf("L-feat: %d-byte luo_ser, sessions and files in KHO block chains, files select handlers by name", l.ser.Size))
	return TagFeat, ev, nil
}

// maxFeatureBits bounds what counts as a "small" feature bitmask.
const maxFeatureBits = 1<<16 - 1

func detectFDT(blob []byte, m phys.Memory, ev []string) (string, []string, error) {
	t, err := parseFDT(blob, root, phys.NoAddr, false)
	if err != nil {
		return "", ev, err
	}
	r := t.Root()
	cp, ok := r.Property("compatible")
	if !ok {
		return "", ev, phys.Errorf(phys.ErrMalformed, root+".compatible", phys.NoAddr, int64(r.Offset()), "root has no compatible")
	}
	list, err := cp.Strings()
	if err != nil || len(list) == 0 {
		return "", ev, phys.Errorf(phys.ErrMalformed, root+".compatible", phys.NoAddr, int64(cp.ValueOffset()), "not a string list")
	}
	has := func(s string) bool {
		for _, c := range list {
			if c == s {
				return true
			}
		}
		return false
	}
	switch {
	case has("luo-v2"):
		ev = append(ev, "root compatible \"luo-v2\": L-luo-v2, luo-abi-header points to a 24-byte struct luo_ser")
		if _, ok := r.Property("luo-abi-header"); !ok {
			ev = append(ev, "warning: luo-abi-header is missing")
		}
		return TagLuoV2, ev, nil
	case !has("luo-v1"):
		return "", ev, phys.Errorf(phys.ErrUnsupported, root+".compatible", phys.NoAddr, int64(cp.ValueOffset()),
			"unknown LUO root compatible %q", list)
	}
	ev = append(ev, "root compatible \"luo-v1\"")
	if p, ok := r.Property("liveupdate-number"); ok {
		ev = append(ev, fmt.Sprintf("liveupdate-number present (%d bytes)", len(p.Value)))
	}
	if sn, ok := r.Child("luo-session"); ok {
		return detectSessionNode(r, sn, m, ev)
	}
	_, hasSubs := r.Child(subsystemsNode)
	_, hasFiles := r.Child(filesNode)
	if !hasSubs && !hasFiles {
		return "", ev, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, int64(r.Offset()),
			"luo-v1 root without luo-session, subsystems or file-descriptors nodes")
	}
	if hasFiles {
		ev = append(ev, "/file-descriptors node inside the LUO FDT: L-RFC (RFC v2, files as FDT nodes named by token)")
		return TagRFC, ev, nil
	}
	ev = append(ev, "/subsystems node: the RFC/v4 subsystem era")
	sn, _ := r.Child(subsystemsNode)
	for _, p := range sn.Properties() {
		if p.Name == "compatible" || len(p.Value) != 8 {
			continue
		}
		pa, _ := p.U64LE()
		if isSessionFDT(m, pa) {
			ev = append(ev, fmt.Sprintf("subsystem %q points to a luo-session-v1 FDT at PA 0x%x: L-v4", p.Name, pa))
			return TagV4, ev, nil
		}
	}
	if m == nil {
		for _, p := range sn.Properties() {
			if strings.Contains(p.Name, "session") {
				ev = append(ev, fmt.Sprintf("no memory to follow subsystem %q; its name suggests L-v4 (low confidence)", p.Name))
				return TagV4, ev, nil
			}
		}
	}
	ev = append(ev, "no subsystem points to a luo-session-v1 FDT: L-RFC (patch v2/v3, files in a file-descriptors FDT)")
	return TagRFC, ev, nil
}

func detectSessionNode(r, sn fdt.Node, m phys.Memory, ev []string) (string, []string, error) {
	cp, ok := sn.Property("compatible")
	var compat string
	if ok {
		compat, _ = cp.String()
	}
	fn, hasFLB := r.Child("luo-flb")
	flbNote := "no luo-flb node"
	if hasFLB {
		flbNote = "luo-flb node present"
		if p, ok := fn.Property("compatible"); ok {
			s, _ := p.String()
			flbNote += fmt.Sprintf(" (compatible %q)", s)
		}
	}
	_, head := sn.Property("luo-session-head")
	_, header := sn.Property("luo-session-header")
	switch compat {
	case "luo-session-v2":
		ev = append(ev, "luo-session compatible \"luo-session-v2\": 8-byte header {count}, 80-byte sessions (name[64] + file set)")
		if hasFLB {
			ev = append(ev, flbNote+": L-FLB")
			return TagFLB, ev, nil
		}
		ev = append(ev, flbNote+": L-6.19")
		return Tag619, ev, nil
	case "luo-session-v1":
	default:
		return "", ev, phys.Errorf(phys.ErrUnsupported, root+"/luo-session.compatible", phys.NoAddr, int64(sn.Offset()),
			"unknown session compatible %q", compat)
	}
	ev = append(ev, "luo-session compatible \"luo-session-v1\" (used for four layouts)")
	if head {
		ev = append(ev, "property luo-session-head: L-v5 (16-byte {pgcnt, count} header, 80-byte sessions with name[56]); "+flbNote)
		return TagV5, ev, nil
	}
	if !header {
		return "", ev, phys.Errorf(phys.ErrMalformed, root+"/luo-session", phys.NoAddr, int64(sn.Offset()),
			"neither luo-session-head nor luo-session-header")
	}
	ev = append(ev, "property luo-session-header: L-v6 or the 6.19 intermediate (L-6.19-pre); "+flbNote)
	p, _ := sn.Property("luo-session-header")
	hdr, err := p.U64LE()
	if err != nil || m == nil || hdr == 0 {
		if hasFLB {
			ev = append(ev, "session block not examined; the luo-flb node points to L-v6 (medium confidence, stride unknown: 88 assumed)")
			return TagV6, ev, nil
		}
		ev = append(ev, "session block not examined; no luo-flb node points to L-6.19-pre (medium confidence)")
		return Tag619Pre, ev, nil
	}
	best, notes := scoreV6(m, hdr, hasFLB, false)
	ev = append(ev, notes...)
	if best.l.tag == Tag619Pre && hasFLB {
		ev = append(ev, "warning: the layout scores as L-6.19-pre but a luo-flb node is present")
	}
	if best.l.tag == TagV6 && !hasFLB {
		ev = append(ev, "warning: the layout scores as L-v6 but the luo-flb node L-v6 writes is missing")
	}
	return best.l.tag, ev, nil
}

// candidate is one session layout scored by scoreV6.
type candidate struct {
	l     *layout
	desc  string
	score float64
	valid bool
	note  string
}

// scoreV6 decides between the three layouts that share luo-session-v1 and
// luo-session-header, by reading the session block at hdr:
//
//   - L-v6 final: 16-byte {pgcnt, count} header, 88-byte entries, name[64];
//   - L-v6 at patch 04/20: same header, 80-byte entries, name[56];
//   - L-6.19-pre: 8-byte {count} header, 64-byte name-only entries.
//
// A layout is invalid when its count exceeds the block's capacity or its
// entries cannot be read. Otherwise it scores 3 for a header pgcnt of 16
// (what the v6 producer writes); 6 times the mean over the entries of the
// fraction of points each earns (an entry whose name is empty or has no
// NUL earns none; otherwise NUL-terminated 2, zero padding after the NUL 1,
// printable 2, and for entries with a file array: files == 0 exactly when
// count == 0 1, page-aligned files 1, pgcnt 2 with files or 0 without 1,
// count within LUO_FILE_MAX 1); 1 when the first unused slot is all zero;
// and 0.5 when the luo-flb node agrees (present for L-v6, absent for
// L-6.19-pre). A wrong stride misplaces names and makes later entries start
// inside the previous entry's u64s, which costs the name and padding
// points; a wrong header size shifts every name by 8 bytes. With no
// sessions, or sessions without files whose names are shorter than 56
// bytes, 80 and 88 can tie; ties go to 88 (the fully applied series) and
// the evidence says the decision is low-confidence.
func scoreV6(m phys.Memory, hdr uint64, hasFLB, onlyV6 bool) (candidate, []string) {
	cands := []candidate{
		{l: layouts[TagV6], desc: "L-v6, 88-byte entries (name[64])"},
		{l: v6With80, desc: "L-v6 at patch 04/20, 80-byte entries (name[56])"},
	}
	if !onlyV6 {
		cands = append(cands, candidate{l: layouts[Tag619Pre], desc: "L-6.19-pre, 8-byte header and 64-byte name-only entries"})
	}
	var notes []string
	best := -1
	for i := range cands {
		c := &cands[i]
		c.score, c.valid, c.note = scoreLayout(m, hdr, c.l)
		if (c.l.tag == TagV6) == hasFLB {
			c.score += 0.5 // L-v6 writes a luo-flb node, L-6.19-pre does not
		}
		state := "invalid"
		if c.valid {
			state = fmt.Sprintf("score %.2f", c.score)
		}
		notes = append(notes, fmt.Sprintf("%s: %s (%s)", c.desc, state, c.note))
		if c.valid && (best < 0 || c.score > cands[best].score) {
			best = i
		}
	}
	if best < 0 {
		notes = append(notes, "no candidate layout fits the session block; assuming L-v6 with 88-byte entries (low confidence)")
		return cands[0], notes
	}
	conf := "high"
	for i := range cands {
		if i != best && cands[i].valid && cands[best].score-cands[i].score < 1 {
			conf = "low"
		}
	}
	notes = append(notes, fmt.Sprintf("chose %s (%s confidence)", cands[best].desc, conf))
	return cands[best], notes
}

func scoreLayout(m phys.Memory, hdrPA uint64, l *layout) (float64, bool, string) {
	hb, err := phys.Read(m, hdrPA, uint64(l.sessHdr.Size), root)
	if err != nil {
		return 0, false, "header unreadable"
	}
	count := l.hdrCount.Uint(hb)
	if count > l.sessionMax {
		return 0, false, fmt.Sprintf("count %d > %d", count, l.sessionMax)
	}
	score := 0.0
	note := fmt.Sprintf("count %d", count)
	if l.hdrPgcnt != nil {
		pg := l.hdrPgcnt.Uint(hb)
		note += fmt.Sprintf(", pgcnt %d", pg)
		if pg == l.sessionPgcnt {
			score += 3
		}
	}
	stride := uint64(l.sess.Size)
	base := hdrPA + uint64(l.sessHdr.Size)
	entries, err := phys.Read(m, base, count*stride, root)
	if err != nil {
		return 0, false, note + ", entries unreadable"
	}
	sum := 0.0
	for i := uint64(0); i < count; i++ {
		sum += scoreEntry(l, entries[i*stride:(i+1)*stride])
	}
	if count > 0 {
		score += 6 * sum / float64(count)
	}
	if count < l.sessionMax {
		if next, err := phys.Read(m, base+count*stride, stride, root); err == nil && allZero(next) {
			score++
			note += ", first unused slot zero"
		}
	}
	return score, true, note
}

// scoreEntry returns the fraction of plausibility points entry b earns
// under layout l; an entry without a NUL-terminated, non-empty name earns
// nothing (the kernel never writes one).
func scoreEntry(l *layout, b []byte) float64 {
	name, terminated, clean := l.sessName.CString(b)
	if !terminated || name == "" {
		return 0
	}
	s, top := 2.0, 5.0
	if clean {
		s++
	}
	if printable(name) {
		s += 2
	}
	if l.sessFiles == nil {
		return s / top
	}
	top += 4
	files, count, pg := l.sessFiles.Uint(b), l.sessN.Uint(b), l.sessPgcnt.Uint(b)
	if (files == 0) == (count == 0) {
		s++
	}
	if files%phys.PageSize == 0 {
		s++
	}
	if (files == 0 && pg == 0) || (files != 0 && pg == l.filePgcnt) {
		s++
	}
	if count <= l.fileMax {
		s++
	}
	return s / top
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
