package schema

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

func findNode(c *Component, fdt, p string) *Node {
	for i := range c.Nodes {
		if c.Nodes[i].FDT == fdt && c.Nodes[i].Path == p {
			return &c.Nodes[i]
		}
	}
	return nil
}

// nodeGov returns the compatible that versions node n of c: its own, or
// the nearest ancestor's in the same FDT, or the component's base string.
func nodeGov(c *Component, n *Node) string {
	if n.Compatible != "" {
		return n.Compatible
	}
	return parentGov(c, n.FDT, n.Path)
}

// parentGov returns the compatible that versions the parent of path p.
func parentGov(c *Component, fdt, p string) string {
	for p != "/" && p != "" && p != "." {
		p = path.Dir(p)
		if anc := findNode(c, fdt, p); anc != nil && anc.Compatible != "" {
			return anc.Compatible
		}
	}
	return baseCompat(c)
}

func nodeName(n *Node) string {
	if n.FDT != "" {
		return n.FDT + ":" + n.Path
	}
	return n.Path
}

func (d *differ) nodes() {
	var removed, added []*Node
	for i := range d.ca.Nodes {
		na := &d.ca.Nodes[i]
		nb := findNode(d.cb, na.FDT, na.Path)
		if nb == nil {
			removed = append(removed, na)
			continue
		}
		d.nodePair(na, nb)
	}
	for i := range d.cb.Nodes {
		nb := &d.cb.Nodes[i]
		if findNode(d.ca, nb.FDT, nb.Path) == nil {
			added = append(added, nb)
		}
	}
	for _, na := range removed {
		if nb, ok := takeRenamed(&added, func(nb *Node) bool {
			return na.FDT == nb.FDT && na.Compatible == nb.Compatible && samePropNames(na, nb) && path.Dir(na.Path) == path.Dir(nb.Path)
		}); ok {
			d.add(Finding{Kind: KindNodeRenamed, Class: Breaking, Subject: nodeName(nb), Old: na.Path, New: nb.Path,
				Message: fmt.Sprintf("node %s renamed to %s", nodeName(na), nb.Path)},
				parentGov(d.ca, na.FDT, na.Path), parentGov(d.cb, nb.FDT, nb.Path))
			d.nodePair(na, nb)
		} else {
			c := Compatible
			if na.Required {
				c = Breaking
			}
			d.onlyOne(Finding{Kind: KindNodeRemoved, Class: c, Subject: nodeName(na), Old: na.Compatible,
				Message: fmt.Sprintf("node %s is no longer written", nodeName(na))},
				parentGov(d.ca, na.FDT, na.Path), parentGov(d.cb, na.FDT, na.Path))
		}
	}
	for _, nb := range added {
		c := Compatible
		msg := fmt.Sprintf("new optional node %s", nodeName(nb))
		if nb.Required {
			c = Breaking
			msg = fmt.Sprintf("new required node %s: a receiver that requires it rejects older blobs", nodeName(nb))
		}
		d.onlyOne(Finding{Kind: KindNodeAdded, Class: c, Subject: nodeName(nb), New: nb.Compatible, Message: msg},
			parentGov(d.ca, nb.FDT, nb.Path), parentGov(d.cb, nb.FDT, nb.Path))
	}
}

func samePropNames(a, b *Node) bool {
	if len(a.Props) != len(b.Props) {
		return false
	}
	for _, p := range a.Props {
		if findProp(b, p.Name) == nil {
			return false
		}
	}
	return true
}

func findProp(n *Node, name string) *Prop {
	for i := range n.Props {
		if n.Props[i].Name == name {
			return &n.Props[i]
		}
	}
	return nil
}

// propWire folds property kinds that are the same bytes.
func propWire(k string) string {
	if strings.HasPrefix(k, "u64le") {
		return "u64le"
	}
	return k
}

func (d *differ) nodePair(na, nb *Node) {
	gOld, gNew := nodeGov(d.ca, na), nodeGov(d.cb, nb)
	add := func(f Finding) { d.add(f, gOld, gNew) }
	subj := nodeName(nb)
	if na.Compatible != nb.Compatible {
		add(Finding{Kind: KindNodeCompatible, Class: Breaking, Subject: subj, Old: na.Compatible, New: nb.Compatible,
			Message: fmt.Sprintf("node %s compatible %q -> %q", subj, na.Compatible, nb.Compatible)})
	}
	if na.Required != nb.Required || na.Repeated != nb.Repeated {
		c := Breaking
		if !nb.Required && na.Repeated == nb.Repeated {
			c = Compatible
		}
		add(Finding{Kind: KindNodeChanged, Class: c, Subject: subj, Old: nodeFlags(na), New: nodeFlags(nb),
			Message: fmt.Sprintf("node %s is now %s", subj, nodeFlags(nb))})
	}
	var removed, added []*Prop
	for i := range na.Props {
		pa := &na.Props[i]
		pb := findProp(nb, pa.Name)
		if pb == nil {
			removed = append(removed, pa)
			continue
		}
		name := subj + ":" + pa.Name
		if pa.Size != pb.Size {
			add(Finding{Kind: KindPropResized, Class: Breaking, Subject: name, Old: strconv.Itoa(pa.Size), New: strconv.Itoa(pb.Size),
				Message: fmt.Sprintf("property %s size %d -> %d", name, pa.Size, pb.Size)})
		}
		switch {
		case propWire(pa.Kind) != propWire(pb.Kind):
			add(Finding{Kind: KindPropRetyped, Class: Breaking, Subject: name, Old: pa.Kind, New: pb.Kind,
				Message: fmt.Sprintf("property %s encoding %s -> %s", name, pa.Kind, pb.Kind)})
		case pa.Required != pb.Required:
			c := Compatible
			if pb.Required {
				c = Breaking
			}
			add(Finding{Kind: KindPropChanged, Class: c, Subject: name, Old: reqStr(pa.Required), New: reqStr(pb.Required),
				Message: fmt.Sprintf("property %s is now %s", name, reqStr(pb.Required))})
		}
	}
	for i := range nb.Props {
		if findProp(na, nb.Props[i].Name) == nil {
			added = append(added, &nb.Props[i])
		}
	}
	for _, pa := range removed {
		if pb, ok := takeRenamed(&added, func(pb *Prop) bool {
			return propWire(pa.Kind) == propWire(pb.Kind) && pa.Size == pb.Size && pa.Required == pb.Required
		}); ok {
			add(Finding{Kind: KindPropRenamed, Class: Breaking, Subject: subj + ":" + pb.Name, Old: pa.Name, New: pb.Name,
				Message: fmt.Sprintf("property %s:%s renamed to %s", subj, pa.Name, pb.Name)})
		} else {
			c := Compatible
			if pa.Required {
				c = Breaking
			}
			add(Finding{Kind: KindPropRemoved, Class: c, Subject: subj + ":" + pa.Name, Old: pa.Kind,
				Message: fmt.Sprintf("property %s:%s is no longer written", subj, pa.Name)})
		}
	}
	for _, pb := range added {
		c := Compatible
		if pb.Required {
			c = Breaking
		}
		add(Finding{Kind: KindPropAdded, Class: c, Subject: subj + ":" + pb.Name, New: pb.Kind,
			Message: fmt.Sprintf("new %s property %s:%s", reqStr(pb.Required), subj, pb.Name)})
	}
}

func reqStr(r bool) string {
	if r {
		return "required"
	}
	return "optional"
}

func nodeFlags(n *Node) string {
	s := reqStr(n.Required)
	if n.Repeated {
		s += ", repeated"
	}
	return s
}
