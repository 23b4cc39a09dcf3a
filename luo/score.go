package luo

import (
	"fmt"

	"github.com/luoinspect/luoinspect/phys"
)

// candidate is one session layout scored by scoreV6.
type candidate struct {
	l     *layout
	desc  string
	score float64
	valid bool
	note  string
}

// entriesDesc describes the session entries of l for the evidence.
func entriesDesc(l *layout) string {
	return fmt.Sprintf("%d-byte entries (name[%d])", l.sess.Size, l.sessName.Count)
}

// scoreV6 returns the best candidate, every candidate scored, and notes
// for the evidence. It decides between the three layouts that share luo-session-v1 and
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
func scoreV6(m phys.Memory, hdr uint64, hasFLB, onlyV6 bool) (candidate, []candidate, []string) {
	v6, pre := layouts[TagV6], layouts[Tag619Pre]
	cands := []candidate{
		{l: v6, desc: "L-v6, " + entriesDesc(v6)},
		{l: v6With80, desc: "L-v6 at patch 04/20, " + entriesDesc(v6With80)},
	}
	if !onlyV6 {
		cands = append(cands, candidate{l: pre, desc: fmt.Sprintf("L-6.19-pre, %d-byte header and %d-byte name-only entries", pre.sessHdr.Size, pre.sess.Size)})
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
		notes = append(notes, fmt.Sprintf("no candidate layout fits the session block; assuming L-v6 with %d-byte entries (low confidence)", v6.sess.Size))
		return cands[0], cands, notes
	}
	conf := "high"
	for i := range cands {
		if i != best && cands[i].valid && cands[best].score-cands[i].score < 1 {
			conf = "low"
		}
	}
	notes = append(notes, fmt.Sprintf("chose %s (%s confidence)", cands[best].desc, conf))
	return cands[best], cands, notes
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
