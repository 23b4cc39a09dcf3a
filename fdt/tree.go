package fdt

import (
	"iter"
	"sort"
	"strings"
)

// ReserveEntry is one memory-reservation record (big-endian address and size).
type ReserveEntry struct {
	Address uint64
	Size    uint64
	Offset  int // byte offset of the record in the blob
}

// Property is one FDT_PROP token. Value aliases the parsed blob.
type Property struct {
	Name       string
	Value      []byte
	Offset     int    // byte offset of the FDT_PROP token
	NameOffset uint32 // nameoff: offset of Name inside the strings block
	node       int32
	pad8       uint8 // bytes versions before 16 insert to 8-align large values
}

// ValueOffset returns the byte offset of the first value byte.
func (p *Property) ValueOffset() int {
	return p.Offset + propHeaderSize + int(p.pad8)
}

type nodeRec struct {
	nameOff     int32 // the name is Tree.names[nameOff : nameOff+nameLen]
	nameLen     int32
	fullName    string // the path stored in the blob before version 16
	offset      int    // FDT_BEGIN_NODE token
	endOffset   int    // FDT_END_NODE token, or -1 if the blob ends first
	parent      int32
	firstChild  int32
	lastChild   int32
	nextSibling int32
	firstProp   int32
	numProps    int32
	depth       int32
}

// Tree is a parsed blob. It is read-only; values alias Data.
type Tree struct {
	// Data is the blob, cut to TotalSize when the header allows. A
	// lenient parse extends it past TotalSize to the end of a block that
	// lies there (within the blob).
	Data    []byte
	Header  Header
	Reserve []ReserveEntry
	// ReserveEnd is the byte offset just past the reserve-map terminator,
	// or -1 when no terminator was found.
	ReserveEnd int
	// Strings is the whole strings block, including names no property uses.
	Strings []byte
	// NOPs holds the offsets of FDT_NOP tokens.
	NOPs []int
	// EndOffset is the offset of the FDT_END token, or -1 if there is none.
	EndOffset int
	// Notices lists oddities libfdt accepts (non-zero padding, …).
	Notices []*Error

	nodes []nodeRec
	props []Property
	// names holds every node name back to back; nameBuf collects them
	// while a parse runs.
	names   string
	nameBuf []byte
}

// Node is a handle on one node of a Tree. The zero Node is invalid.
type Node struct {
	t *Tree
	i int32
}

// Root returns the root node, or an invalid Node for a tree without one.
func (t *Tree) Root() Node {
	if len(t.nodes) == 0 {
		return Node{}
	}
	return Node{t, 0}
}

// NumNodes returns the number of nodes in the tree.
func (t *Tree) NumNodes() int { return len(t.nodes) }

// NumProperties returns the number of properties in the tree.
func (t *Tree) NumProperties() int { return len(t.props) }

// Nodes yields every node in document (depth-first) order.
func (t *Tree) Nodes() iter.Seq[Node] {
	return func(yield func(Node) bool) {
		for i := range t.nodes {
			if !yield(Node{t, int32(i)}) {
				return
			}
		}
	}
}

// Lookup finds a node by absolute path ("/", "/LUO/luo-session").
func (t *Tree) Lookup(path string) (Node, bool) {
	n := t.Root()
	if !n.Valid() || !strings.HasPrefix(path, "/") {
		return Node{}, false
	}
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		c, ok := n.Child(part)
		if !ok {
			return Node{}, false
		}
		n = c
	}
	return n, true
}

// Valid reports whether n refers to a node.
func (n Node) Valid() bool { return n.t != nil }

func (n Node) rec() *nodeRec { return &n.t.nodes[n.i] }

// Name returns the node name including any unit address ("memory@0").
// The root's name is empty.
func (n Node) Name() string {
	r := n.rec()
	if n.t.nameBuf != nil { // still parsing: an error is naming a node
		return string(n.t.nameBuf[r.nameOff : r.nameOff+r.nameLen])
	}
	return n.t.names[r.nameOff : r.nameOff+r.nameLen]
}

// Offset returns the byte offset of the node's FDT_BEGIN_NODE token.
func (n Node) Offset() int { return n.rec().offset }

// EndOffset returns the byte offset of the node's FDT_END_NODE token, or -1
// when a leniently parsed blob ended inside the node.
func (n Node) EndOffset() int { return n.rec().endOffset }

// Depth returns 0 for the root, 1 for its children, and so on.
func (n Node) Depth() int { return int(n.rec().depth) }

// Parent returns the parent node; the root's parent is invalid.
func (n Node) Parent() Node {
	p := n.rec().parent
	if p < 0 {
		return Node{}
	}
	return Node{n.t, p}
}

// Path returns the absolute path of the node.
func (n Node) Path() string {
	if n.rec().parent < 0 {
		return "/"
	}
	// Two walks up, filling the path from its end: one allocation of the
	// path's length, however deep the node.
	size := 0
	for c := n; c.Valid() && c.rec().parent >= 0; c = c.Parent() {
		size += 1 + len(c.Name())
	}
	b := make([]byte, size)
	for c := n; c.Valid() && c.rec().parent >= 0; c = c.Parent() {
		size -= copy(b[size-len(c.Name()):], c.Name())
		size--
		b[size] = '/'
	}
	return string(b)
}

// Properties returns the node's properties in blob order. The slice is
// shared with the tree and must not be modified.
func (n Node) Properties() []Property {
	r := n.rec()
	return n.t.props[r.firstProp : r.firstProp+r.numProps]
}

// Property returns the first property called name.
func (n Node) Property(name string) (*Property, bool) {
	props := n.Properties()
	for i := range props {
		if props[i].Name == name {
			return &props[i], true
		}
	}
	return nil, false
}

// Children yields the node's subnodes in blob order.
func (n Node) Children() iter.Seq[Node] {
	return func(yield func(Node) bool) {
		for c := n.rec().firstChild; c >= 0; c = n.t.nodes[c].nextSibling {
			if !yield(Node{n.t, c}) {
				return
			}
		}
	}
}

// Child returns the first subnode, in blob order, whose name is name or,
// when name has no unit address, "name@unit" (libfdt's matching rule).
func (n Node) Child(name string) (Node, bool) {
	for c := range n.Children() {
		if nodeNameMatches(c.Name(), name) {
			return c, true
		}
	}
	return Node{}, false
}

// nodeNameMatches applies libfdt's fdt_nodename_eq_: an exact match, or a
// match of the part before '@' when name has no unit address.
func nodeNameMatches(nodeName, name string) bool {
	return nodeName == name || (!strings.Contains(name, "@") && strings.HasPrefix(nodeName, name+"@"))
}

// TokenKind names a structure-block token.
type TokenKind uint32

// Token kinds, equal to their wire values.
const (
	KindBeginNode = TokenKind(TokenBeginNode)
	KindEndNode   = TokenKind(TokenEndNode)
	KindProp      = TokenKind(TokenProp)
	KindNOP       = TokenKind(TokenNOP)
	KindEnd       = TokenKind(TokenEnd)
)

// String returns libfdt's name for the token.
func (k TokenKind) String() string {
	switch k {
	case KindBeginNode:
		return "FDT_BEGIN_NODE"
	case KindEndNode:
		return "FDT_END_NODE"
	case KindProp:
		return "FDT_PROP"
	case KindNOP:
		return "FDT_NOP"
	case KindEnd:
		return "FDT_END"
	}
	return "FDT_UNKNOWN"
}

// Token is one structure-block token in document order. Node is set for
// node tokens and properties; Prop for FDT_PROP.
type Token struct {
	Kind   TokenKind
	Offset int
	Node   Node
	Prop   *Property
}

// Tokens returns every token of the structure block in blob order,
// including FDT_NOP and FDT_END.
func (t *Tree) Tokens() []Token {
	toks := make([]Token, 0, 2*len(t.nodes)+len(t.props)+len(t.NOPs)+1)
	for i := range t.nodes {
		n := Node{t, int32(i)}
		toks = append(toks, Token{Kind: KindBeginNode, Offset: t.nodes[i].offset, Node: n})
		if t.nodes[i].endOffset >= 0 {
			toks = append(toks, Token{Kind: KindEndNode, Offset: t.nodes[i].endOffset, Node: n})
		}
	}
	for i := range t.props {
		p := &t.props[i]
		toks = append(toks, Token{Kind: KindProp, Offset: p.Offset, Node: Node{t, p.node}, Prop: p})
	}
	for _, off := range t.NOPs {
		toks = append(toks, Token{Kind: KindNOP, Offset: off})
	}
	if t.EndOffset >= 0 {
		toks = append(toks, Token{Kind: KindEnd, Offset: t.EndOffset})
	}
	sort.Slice(toks, func(a, b int) bool { return toks[a].Offset < toks[b].Offset })
	return toks
}
