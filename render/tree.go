package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Style names what a piece of tree text is, for colouring.
type Style int

// Styles.
const (
	Plain Style = iota
	Addr        // a physical address
	Name        // a session, file or client name
	Gen         // a generation tag or compatible string
	Warn        // a problem line
	Dim         // secondary detail
)

// Painter colours text by style; nil prints plain text.
type Painter func(Style, string) string

type node struct {
	label string
	kids  []*node
}

func (n *node) add(label string) *node {
	c := &node{label: label}
	n.kids = append(n.kids, c)
	return c
}

// Tree writes the state as an indented tree: KHO root and map, each client,
// LUO sessions with their files and memfd payloads, FLBs, and problems.
func Tree(w io.Writer, s *handover.State, paint Painter) error {
	return tree(w, s, paint, nil)
}

// FullTree is Tree with every record under its node (dump --detail full):
// the root's address, the map's structure, totals per order and block runs,
// LUO headers, feature bits and block chains, and each memfd's vmalloc
// chunks, folio runs and holes. Runs of records that continue each other
// are one line.
func FullTree(w io.Writer, s *handover.State, mem phys.Memory, paint Painter) error {
	return tree(w, s, paint, &fullTree{s: s, mem: mem, files: filesByPath(s)})
}

func tree(w io.Writer, s *handover.State, paint Painter, full *fullTree) error {
	if paint == nil {
		paint = func(_ Style, t string) string { return t }
	}
	m := Model(s)
	p := printer{paint: paint, owned: ownProblems(m), full: full}
	root := &node{label: fmt.Sprintf("KHO %s %s  map %s  %s layout",
		paint(Gen, m.KHO.Compatible), p.gen(m.Generations.KHO), p.addr(m.KHO.MemoryMap), m.KHO.Layout)}
	p.conflicts(root, m.Generations.KHO)
	consumed := map[string]Consumed{}
	for _, c := range m.Consumed {
		consumed[c.Path] = c
	}
	p.rootDetail(root, m)
	p.mapDetail(root.add(p.preserved(m, consumed)))
	for _, c := range m.KHO.Clients {
		size := "size unknown"
		if c.Size != nil {
			size = HumanSize(uint64(*c.Size))
		}
		if c.HasSize {
			size += ", blob-size"
		}
		addr := paint(Warn, "@? (pointer unreadable)")
		if c.Addr != nil {
			addr = p.addr(*c.Addr)
		}
		line := fmt.Sprintf("%s %s (%s)", paint(Name, c.Name), addr, size)
		if full != nil && c.Compatible != "" && c.Kind != handover.ClientLUO {
			line += "  " + paint(Gen, c.Compatible)
		}
		cn := root.add(line)
		switch c.Kind {
		case handover.ClientLUO:
			if c, ok := consumed[handover.ConsumedLUO]; ok {
				cn.add(paint(Dim, fmt.Sprintf("%s blob consumed by the receiving kernel (stage %s): %s", c.Generation, c.At, c.What)))
			}
			p.luo(cn, m)
		case handover.ClientMemblock:
			for _, r := range m.Memblock {
				cn.add(fmt.Sprintf("%s %s +%s", paint(Name, r.Name), p.addr(r.Start), HumanSize(uint64(r.Size))))
			}
		case handover.ClientKexecMetadata:
			if k := m.KexecMeta; k != nil {
				cn.add(fmt.Sprintf("previous kernel %q, kexec #%d (version %d)", k.PreviousRelease, k.KexecCount, k.Version))
			}
		case handover.ClientUnknown:
			cn.add(paint(Dim, "client not decoded by this build"))
		}
		p.problemsAt(cn, kho.RootPath+"/"+c.Name)
		if c.Kind == handover.ClientLUO && m.LUO == nil {
			p.problemsAt(cn, luoPath)
		}
	}
	p.problemsAt(root, "")
	if len(m.Problems) > 0 {
		pn := root.add(paint(Warn, plural(len(m.Problems), "problem")))
		for _, pr := range m.Problems {
			pn.add(paint(Warn, problemLine(pr)))
		}
	}
	for _, n := range m.Notes {
		root.add(paint(Dim, "note: "+n))
	}
	var b strings.Builder
	b.WriteString(root.label + "\n")
	writeKids(&b, root, "")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeKids(b *strings.Builder, n *node, prefix string) {
	for i, c := range n.kids {
		branch, next := "├─ ", "│  "
		if i == len(n.kids)-1 {
			branch, next = "└─ ", "   "
		}
		b.WriteString(prefix + branch + c.label + "\n")
		writeKids(b, c, prefix+next)
	}
}

type printer struct {
	full  *fullTree // nil for the summary tree
	paint Painter
	// owned holds the problems by the path of the node that shows them.
	owned map[string][]Problem
}

// luoPath is the path of the LUO state's own problems.
const luoPath = "LUO"

// ownProblems gives each problem to the deepest node of the tree whose
// path holds it: a file, a session, the LUO state, a client, or the root
// ("").
func ownProblems(m *State) map[string][]Problem {
	paths := []string{kho.RootPath}
	for _, c := range m.KHO.Clients {
		paths = append(paths, kho.RootPath+"/"+c.Name)
	}
	if l := m.LUO; l != nil {
		paths = append(paths, luoPath)
		for _, f := range l.Files {
			paths = append(paths, f.Path)
		}
		for _, s := range l.Sessions {
			paths = append(paths, s.Path)
			for _, f := range s.Files {
				paths = append(paths, f.Path)
			}
		}
	}
	out := map[string][]Problem{}
	for _, pr := range m.Problems {
		owner := ""
		for _, q := range paths {
			if q != "" && phys.Within(pr.Path, q) && len(q) > len(owner) {
				owner = q
			}
		}
		if owner == kho.RootPath {
			owner = ""
		}
		out[owner] = append(out[owner], pr)
	}
	return out
}

func (p printer) addr(a Hex) string { return p.paint(Addr, fmt.Sprintf("@0x%x", uint64(a))) }

// preserved summarises the memory map, never as zeros when it could not
// be read.
func (p printer) preserved(m *State, consumed map[string]Consumed) string {
	k := m.KHO
	switch k.PreservedMap {
	case "consumed":
		c := consumed[handover.ConsumedMemoryMap]
		return p.paint(Dim, fmt.Sprintf("preserved memory: consumed by the receiving kernel (stage %s): %s", c.At, c.What))
	case "none":
		return "preserved memory: no map (preserved-memory-map is 0)"
	case "unresolved":
		return p.paint(Warn, "preserved memory: unresolved (the map could not be read)")
	}
	s := fmt.Sprintf("preserved memory: %s, %s", plural(*k.PreservedBlocks, "block"), HumanSize(uint64(*k.PreservedBytes)))
	if k.PreservedMap == "partial" {
		return p.paint(Warn, "preserved memory: at least "+s[len("preserved memory: "):]+" (parts of the map unresolved)")
	}
	return s
}

// conflicts lists a detection's conflicts under n.
func (p printer) conflicts(n *node, c Component) {
	for _, x := range c.Conflicts {
		n.add(p.paint(Warn, "! "+c.Tag.String()+" conflict: "+x))
	}
}

// problemsAt lists under n the problems the node at path shows.
func (p printer) problemsAt(n *node, path string) {
	for _, pr := range p.owned[path] {
		n.add(p.paint(Warn, "! "+problemLine(pr)))
	}
}

func problemLine(pr Problem) string {
	line := pr.Path + ": " + pr.Kind
	if pr.Addr != nil {
		line += fmt.Sprintf(" at PA 0x%x", uint64(*pr.Addr))
	}
	return line + ": " + pr.Message
}

// plural counts n things: "1 block", "2 blocks".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func (p printer) gen(c Component) string {
	if c.Tag == "" {
		return p.paint(Dim, "(generation unknown)")
	}
	s := c.Tag.String() + ", " + c.Confidence
	if len(c.Alternatives) > 0 {
		s += ", or " + abi.JoinTags(c.Alternatives, "/")
	}
	return "(" + p.paint(Gen, s) + ")"
}

func (p printer) luo(cn *node, m *State) {
	l := m.LUO
	if l == nil {
		return
	}
	compat := l.Compatible
	if compat == "" {
		compat = "feature header"
	}
	ln := cn.add(fmt.Sprintf("%s %s  live update #%d", p.paint(Gen, compat), p.gen(m.Generations.LUO), l.LiveupdateNumber))
	p.conflicts(ln, m.Generations.LUO)
	p.luoDetail(ln, l)
	p.problemsAt(ln, luoPath)
	for _, f := range l.Files {
		p.file(ln, m, f)
	}
	for _, s := range l.Sessions {
		sn := ln.add(fmt.Sprintf("session %s %s  %s", p.paint(Name, fmt.Sprintf("%q", s.Name)), p.addr(s.Addr), plural(len(s.Files), "file")))
		p.sessionDetail(sn, s)
		p.problemsAt(sn, s.Path)
		for _, f := range s.Files {
			p.file(sn, m, f)
		}
	}
	for _, f := range l.FLBs {
		line := fmt.Sprintf("FLB %s  data 0x%x  count %d", p.paint(Name, f.Name), uint64(f.Data), uint64(f.Count))
		if p.full != nil && f.Addr != 0 {
			line += "  entry " + p.addr(f.Addr)
		}
		ln.add(line)
	}
}

// file adds one file with its memfd payload and the problems inside it.
func (p printer) file(n *node, m *State, f File) {
	fn := n.add(fmt.Sprintf("file token 0x%x  %s  data %s", f.Token, p.paint(Gen, f.Handler), p.addr(f.Data)))
	if mf := f.Memfd; mf != nil {
		line := fmt.Sprintf("memfd %s  size %s  pos %d", p.paint(Gen, mf.Generation), HumanSize(uint64(mf.Size)), mf.Pos)
		if mf.Seals != nil {
			line += fmt.Sprintf("  seals 0x%x", *mf.Seals)
		}
		if mf.Flags != nil && *mf.Flags != 0 {
			line += fmt.Sprintf("  flags 0x%x", *mf.Flags)
		}
		line += "  " + plural(int(min(mf.NrFolios, 1<<31)), "folio")
		if mf.FolioArray != nil {
			line += ", array " + p.addr(*mf.FolioArray)
		}
		mn := fn.add(line)
		p.memfdDetail(mn, f)
		switch {
		case mf.SHA256 != "":
			mn.add("sha256 " + mf.SHA256)
		case mf.DigestError != "":
			mn.add(p.paint(Warn, "sha256 unresolved: "+mf.DigestError))
		}
	}
	p.problemsAt(fn, f.Path)
}

// HumanSize renders a byte count with a binary unit ("4 KiB", "1.5 MiB").
func HumanSize(n uint64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}
