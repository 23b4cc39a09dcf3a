package statediff

import (
	"fmt"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
)

// session is a LUO session with its files' handler payloads.
type session struct {
	name string
	addr uint64
	// entryPath is the decode path of the session entry.
	entryPath string
	files     []*handover.FileState
	// global marks L-RFC's session-less files.
	global bool
}

// sessions lists a state's sessions from its tree, in session order;
// L-RFC's global files come first as a session marked global.
func sessions(s *handover.State) []session {
	if s.LUO == nil {
		return nil
	}
	var out []session
	if len(s.GlobalFiles) > 0 {
		g := session{global: true}
		for i := range s.GlobalFiles {
			g.files = append(g.files, &s.GlobalFiles[i])
		}
		out = append(out, g)
	}
	for _, sn := range s.Sessions {
		ss := session{name: sn.Session.Name, addr: sn.Session.Addr, entryPath: sn.Session.Path}
		for i := range sn.Files {
			ss.files = append(ss.files, &sn.Files[i])
		}
		out = append(out, ss)
	}
	return out
}

func (s *session) path() string {
	if s.global {
		return "luo"
	}
	return "luo/sessions/" + s.name
}

func (s *session) component() string {
	if s.global {
		return "luo files"
	}
	return fmt.Sprintf("session %s", s.name)
}

func (s *session) key() string {
	if s.global {
		return "\x00global"
	}
	return s.name
}

// luoConsumed reports whether either side's LUO blob was consumed by the
// receiving kernel (without recording a change).
func (c *comparer) luoConsumed() bool {
	_, a := c.a.State.ConsumedPart(handover.ConsumedLUO)
	_, b := c.b.State.ConsumedPart(handover.ConsumedLUO)
	return a || b
}

// luo compares the LUO state: the live-update number, sessions and FLBs.
func (c *comparer) luo() {
	if c.consumed("luo", "luo", handover.ConsumedLUO) {
		return
	}
	la, lb := c.a.State.LUO, c.b.State.LUO
	if la != nil && lb != nil {
		c.number(la.LiveupdateNumber, lb.LiveupdateNumber)
		c.gen("luo", "luo/compatible", la.Compatible, lb.Compatible)
		c.addr("luo", "luo/addr", la.Layout.BlobAddr, lb.Layout.BlobAddr)
	}
	sa, sb := sessions(c.a.State), sessions(c.b.State)
	for _, p := range match(len(sa), len(sb), func(i int) string { return sa[i].key() }, func(j int) string { return sb[j].key() }) {
		switch {
		case p.b < 0:
			s := &sa[p.a]
			c.missing(Change{Component: s.component(), Path: s.path(), Op: Removed, Class: Lost, Rule: LossSession,
				Old: fmt.Sprintf("%d files", len(s.files))}, "B", c.ub.luo, c.ub.why)
		case p.a < 0 && c.ua.luo:
			s := &sb[p.b]
			c.missing(Change{Component: s.component(), Path: s.path(), Op: Added, New: fmt.Sprintf("%d files", len(s.files))}, "A", true, c.ua.why)
		case p.a < 0:
			s := &sb[p.b]
			c.added(s.component(), s.path(), fmt.Sprintf("%d files", len(s.files)))
		default:
			c.session(&sa[p.a], &sb[p.b])
		}
	}
	var fa, fb []luo.FLB
	if la != nil {
		fa = la.FLBs
	}
	if lb != nil {
		fb = lb.FLBs
	}
	c.flbs(fa, fb)
}

// number checks the live-update number under RuleNumber.
func (c *comparer) number(a, b uint64) {
	const path = "luo/liveupdate_number"
	switch {
	case c.outgoing() && b == a+1:
		c.add(Change{Component: "luo", Path: path, Op: Modified, Class: Expected, Rule: RuleNumber,
			Old: dec(a), New: dec(b)})
	case c.outgoing():
		c.add(Change{Component: "luo", Path: path, Op: Modified, Class: Changed, Old: dec(a), New: dec(b),
			Detail: fmt.Sprintf("one live update later the number should be %d", a+1)})
	case a != b:
		ch := Change{Component: "luo", Path: path, Op: Modified, Class: Changed, Old: dec(a), New: dec(b)}
		if c.incoming() {
			ch.Detail = "the incoming side reads the same number the outgoing kernel wrote"
		}
		c.add(ch)
	}
}

// session compares two sessions of the same name: its entry address and
// its files by token.
func (c *comparer) session(a, b *session) {
	comp := a.component()
	if !a.global {
		c.addr(comp, a.path()+"/addr", a.addr, b.addr)
	}
	tok := func(fs []*handover.FileState) func(int) string {
		return func(i int) string { return dec(fs[i].File.Token) }
	}
	for _, p := range match(len(a.files), len(b.files), tok(a.files), tok(b.files)) {
		switch {
		case p.b < 0:
			f := a.files[p.a]
			c.missing(Change{Component: comp, Path: filePath(a, f), Op: Removed, Class: Lost, Rule: LossFile,
				Old: describeFile(f)}, "B", c.ub.luo || c.ub.files[b.key()], c.ub.why)
		case p.a < 0:
			f := b.files[p.b]
			c.missing(Change{Component: comp, Path: filePath(b, f), Op: Added, Class: Changed, New: describeFile(f)},
				"A", c.ua.luo || c.ua.files[a.key()], c.ua.why)
		default:
			c.file(comp, filePath(a, a.files[p.a]), a.files[p.a], b.files[p.b])
		}
	}
}

func filePath(s *session, f *handover.FileState) string {
	return s.path() + "/files/" + dec(f.File.Token)
}

// describeFile summarises a file for an added or removed line.
func describeFile(f *handover.FileState) string {
	if m := f.Memfd; m != nil {
		return fmt.Sprintf("%s, size %d, %d folios", f.Handler, m.Size, m.NrFolios)
	}
	return f.Handler
}

// file compares two files of the same token: the handler, the entry and
// data addresses, and the payload.
func (c *comparer) file(comp, path string, a, b *handover.FileState) {
	c.addr(comp, path+"/addr", a.File.Addr, b.File.Addr)
	c.addr(comp, path+"/data", a.File.Data, b.File.Data)
	memA, memB := memfd.Handles(a.Handler), memfd.Handles(b.Handler)
	switch {
	case memA && memB:
		c.gen(comp, path+"/handler", a.Handler, b.Handler)
		c.memfd(comp, path+"/memfd", a, b)
	case a.Handler != b.Handler:
		c.add(Change{Component: comp, Path: path + "/handler", Op: Modified, Class: Lost, Rule: LossHandler,
			Old: a.Handler, New: b.Handler})
	}
}

// flbs compares FLBs by name: count must match, data is an FLB-private
// value (in practice an address) and follows RuleAddresses.
func (c *comparer) flbs(a, b []luo.FLB) {
	for _, p := range match(len(a), len(b), func(i int) string { return a[i].Name }, func(j int) string { return b[j].Name }) {
		switch {
		case p.b < 0:
			c.missing(Change{Component: "flbs", Path: "luo/flbs/" + a[p.a].Name, Op: Removed, Class: Lost, Rule: LossFLB,
				Old: fmt.Sprintf("count %d", a[p.a].Count)}, "B", c.ub.luo, c.ub.why)
		case p.a < 0 && c.ua.luo:
			c.missing(Change{Component: "flbs", Path: "luo/flbs/" + b[p.b].Name, Op: Added, New: fmt.Sprintf("count %d", b[p.b].Count)}, "A", true, c.ua.why)
		case p.a < 0:
			c.added("flbs", "luo/flbs/"+b[p.b].Name, fmt.Sprintf("count %d", b[p.b].Count))
		default:
			fa, fb := &a[p.a], &b[p.b]
			path := "luo/flbs/" + fa.Name
			c.value("flbs", path+"/count", dec(fa.Count), dec(fb.Count), Lost, LossFLBCount, false)
			c.addr("flbs", path+"/data", fa.Data, fb.Data)
		}
	}
}
