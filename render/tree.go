package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
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
	if paint == nil {
		paint = func(_ Style, t string) string { return t }
	}
	m := Model(s)
	p := printer{paint}
	root := &node{label: fmt.Sprintf("KHO %s %s  map %s  %s layout",
		paint(Gen, m.KHO.Compatible), p.gen(m.Generations.KHO), p.addr(m.KHO.MemoryMap), m.KHO.Layout)}
	consumed := map[string]Consumed{}
	for _, c := range m.Consumed {
		consumed[c.Path] = c
	}
	if c, ok := consumed[handover.ConsumedMemoryMap]; ok {
		root.add(paint(Dim, fmt.Sprintf("preserved memory: consumed by the receiving kernel (stage %s): %s", c.At, c.What)))
	} else {
		root.add(fmt.Sprintf("preserved memory: %d blocks, %s", m.KHO.PreservedBlocks, HumanSize(m.KHO.PreservedBytes)))
	}
	for _, c := range m.KHO.Clients {
		cn := root.add(fmt.Sprintf("%s %s (%s%s)", paint(Name, c.Name), p.addr(c.Addr), HumanSize(c.Size), map[bool]string{true: ", blob-size"}[c.HasSize]))
		switch c.Kind {
		case "LUO":
			if c, ok := consumed[handover.ConsumedLUO]; ok {
				cn.add(paint(Dim, fmt.Sprintf("%s blob consumed by the receiving kernel (stage %s): %s", c.Generation, c.At, c.What)))
			}
			p.luo(cn, m)
		case "memblock":
			for _, r := range m.Memblock {
				cn.add(fmt.Sprintf("%s %s +%s", paint(Name, r.Name), p.addr(r.Start), HumanSize(r.Size)))
			}
		case "kexec-metadata":
			if k := m.KexecMeta; k != nil {
				cn.add(fmt.Sprintf("previous kernel %q, kexec #%d (version %d)", k.PreviousRelease, k.KexecCount, k.Version))
			}
		case "unknown":
			cn.add(paint(Dim, "client not decoded by this build"))
		}
		if c.Error != "" {
			cn.add(paint(Warn, "! "+c.Error))
		}
	}
	if len(m.Problems) > 0 {
		pn := root.add(paint(Warn, fmt.Sprintf("%d problems", len(m.Problems))))
		for _, pr := range m.Problems {
			line := pr.Path + ": " + pr.Kind
			if pr.Addr != nil {
				line += " at PA " + fmt.Sprintf("0x%x", uint64(*pr.Addr))
			}
			pn.add(paint(Warn, line+": "+pr.Message))
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

type printer struct{ paint Painter }

func (p printer) addr(a Hex) string { return p.paint(Addr, fmt.Sprintf("@0x%x", uint64(a))) }

func (p printer) gen(c Component) string {
	if c.Tag == "" {
		return p.paint(Dim, "(generation unknown)")
	}
	s := c.Tag + ", " + c.Confidence
	if len(c.Alternatives) > 0 {
		s += ", or " + strings.Join(c.Alternatives, "/")
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
	for _, s := range l.Sessions {
		sn := ln.add(fmt.Sprintf("session %s %s  %d files", p.paint(Name, fmt.Sprintf("%q", s.Name)), p.addr(s.Addr), len(s.Files)))
		for _, f := range s.Files {
			fn := sn.add(fmt.Sprintf("file token %d  %s  data %s", f.Token, p.paint(Gen, f.Handler), p.addr(f.Data)))
			if mf := f.Memfd; mf != nil {
				mn := fn.add(fmt.Sprintf("memfd %s  size %s  pos %d  seals 0x%x  %d folios, array %s",
					p.paint(Gen, mf.Generation), HumanSize(mf.Size), mf.Pos, mf.Seals, mf.NrFolios, p.addr(mf.Folios)))
				switch {
				case mf.SHA256 != "":
					mn.add("sha256 " + mf.SHA256)
				case mf.DigestError != "":
					mn.add(p.paint(Warn, "sha256 unresolved: "+mf.DigestError))
				}
			}
			if f.Error != "" {
				fn.add(p.paint(Warn, "! "+f.Error))
			}
		}
	}
	for _, f := range l.FLBs {
		ln.add(fmt.Sprintf("FLB %s  data 0x%x  count %d", p.paint(Name, f.Name), uint64(f.Data), f.Count))
	}
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
