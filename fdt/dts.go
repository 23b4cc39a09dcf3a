package fdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// DTSOptions tunes Tree.WriteDTS. The zero value prints plain source with a
// little-endian decoding of every 8-byte value that is not a string.
type DTSOptions struct {
	// DecodeU64LE reports whether the 8-byte property prop of the node at
	// path holds a u64 in little-endian CPU order, as KHO and LUO store
	// them. Such a property is printed as two cells (what dtc shows) with a
	// trailing "/* u64 LE: 0x116be4000 */" comment giving the kernel's
	// value. When nil, every 8-byte value not printed as a string is
	// annotated. Return false to print no annotation.
	DecodeU64LE func(path, prop string) bool
	// Offsets puts a "/* @0x48 */" comment with the blob offset of the
	// FDT_BEGIN_NODE or FDT_PROP token before each node and property.
	Offsets bool
}

// WriteDTS prints t as device tree source that dtc compiles back
// (dtc -I dts -O dtb) to an equivalent blob: the same reserve entries, the
// same nodes and properties in the same order, the same value bytes. Layout
// details (block offsets, string-table order, NOPs) are not kept.
//
// Values are printed the way dtc chooses for its own output: a list of
// non-empty printable strings as "a", "b"; a length that is a multiple of 4
// as <0x...> cells; anything else as [00 11] bytes; an empty value as
// "name;".
//
// A tree that dtc would refuse or change is not printed; the *Error (code
// ErrBadValue, offset of the culprit token) says why. That covers names with
// characters dtc does not accept (nodes: a-z A-Z 0-9 , . _ + - and one @;
// properties: a-z A-Z 0-9 , . _ + * # ? -), empty names below the root,
// duplicate node or property names, a "name" property (dtc drops or rejects
// it) and phandle or linux,phandle properties that dtc's phandle check
// rejects. Nothing is written to w when an error is returned.
func (t *Tree) WriteDTS(w io.Writer, opts DTSOptions) error {
	root := t.Root()
	if !root.Valid() {
		return errorf(ErrBadStructure, -1, "", "tree has no root node to print")
	}
	if err := t.checkDTS(); err != nil {
		return err
	}
	var b bytes.Buffer
	t.renderDTS(&b, opts)
	_, err := w.Write(b.Bytes())
	return err
}

// renderDTS prints the source without checking that dtc accepts it.
func (t *Tree) renderDTS(b *bytes.Buffer, opts DTSOptions) {
	b.WriteString("/dts-v1/;\n")
	if len(t.Reserve) > 0 {
		b.WriteByte('\n')
	}
	for _, r := range t.Reserve {
		fmt.Fprintf(b, "/memreserve/ 0x%016x 0x%016x;\n", r.Address, r.Size)
	}
	b.WriteByte('\n')
	p := dtsPrinter{b: b, opts: opts}
	p.node(t.Root(), "/")
}

type dtsPrinter struct {
	b    *bytes.Buffer
	opts DTSOptions
}

func (p *dtsPrinter) indent(depth int) {
	for range depth {
		p.b.WriteByte('\t')
	}
}

func (p *dtsPrinter) offset(off int) {
	if p.opts.Offsets {
		fmt.Fprintf(p.b, "/* @0x%x */ ", off)
	}
}

// node prints n at its depth; path is its absolute path.
func (p *dtsPrinter) node(n Node, path string) {
	d := n.Depth()
	p.indent(d)
	p.offset(n.Offset())
	if d == 0 {
		p.b.WriteString("/ {\n")
	} else {
		p.b.WriteString(n.Name())
		p.b.WriteString(" {\n")
	}
	props := n.Properties()
	for i := range props {
		p.prop(&props[i], path, d+1)
	}
	first := true
	for c := range n.Children() {
		if len(props) > 0 || !first {
			p.b.WriteByte('\n')
		}
		first = false
		cp := path + "/" + c.Name()
		if d == 0 {
			cp = "/" + c.Name()
		}
		p.node(c, cp)
	}
	p.indent(d)
	p.b.WriteString("};\n")
}

func (p *dtsPrinter) prop(pr *Property, path string, depth int) {
	p.indent(depth)
	p.offset(pr.Offset)
	p.b.WriteString(pr.Name)
	v := pr.Value
	var le bool
	if len(v) == 8 {
		if p.opts.DecodeU64LE != nil {
			le = p.opts.DecodeU64LE(path, pr.Name)
		} else {
			le = !pr.IsPrintableStrings()
		}
	}
	switch {
	case len(v) == 0:
		p.b.WriteString(";\n")
		return
	case !le && pr.IsPrintableStrings():
		p.b.WriteString(" = ")
		for i, s := range strings.Split(string(v[:len(v)-1]), "\x00") {
			if i > 0 {
				p.b.WriteString(", ")
			}
			p.b.WriteString(quoteDTSString(s))
		}
	case len(v)%4 == 0:
		p.b.WriteString(" = <")
		for i := 0; i < len(v); i += 4 {
			if i > 0 {
				p.b.WriteByte(' ')
			}
			fmt.Fprintf(p.b, "0x%02x", binary.BigEndian.Uint32(v[i:]))
		}
		p.b.WriteByte('>')
	default:
		p.b.WriteString(" = [")
		for i, c := range v {
			if i > 0 {
				p.b.WriteByte(' ')
			}
			fmt.Fprintf(p.b, "%02x", c)
		}
		p.b.WriteByte(']')
	}
	p.b.WriteByte(';')
	if le {
		fmt.Fprintf(p.b, " /* u64 LE: 0x%x */", binary.LittleEndian.Uint64(v))
	}
	p.b.WriteByte('\n')
}

// quoteDTSString returns s as a double-quoted dtc string literal: '"' and
// '\' are escaped, printable ASCII is kept, the usual C escapes (\a \b \t
// \n \v \f \r) are used, and any other byte becomes \xNN. dtc's lexer reads
// the literal back to exactly the bytes of s.
func quoteDTSString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Characters dtc accepts in names (its checks node_name_chars and
// property_name_chars; both are errors that stop compilation).
const (
	dtsNameAlnum     = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	dtsNodeNameChars = dtsNameAlnum + ",._+-@"
	dtsPropNameChars = dtsNameAlnum + ",._+*#?-"
)

func badNameChar(name, allowed string) (byte, bool) {
	for i := 0; i < len(name); i++ {
		if strings.IndexByte(allowed, name[i]) < 0 {
			return name[i], true
		}
	}
	return 0, false
}

// checkDTS rejects what dtc's lexer cannot read or what its error-level
// checks refuse or rewrite, so that printed source round-trips.
func (t *Tree) checkDTS() error {
	phandles := map[uint32]string{}
	for n := range t.Nodes() {
		path := n.Path()
		if n.Depth() > 0 {
			name := n.Name()
			switch c, bad := badNameChar(name, dtsNodeNameChars); {
			case name == "":
				return errorf(ErrBadValue, n.Offset(), path, "dtc cannot express a node with an empty name")
			case bad:
				return errorf(ErrBadValue, n.Offset(), path, "node name %q has character %q, which dtc does not accept in node names", name, c)
			case strings.Count(name, "@") > 1:
				return errorf(ErrBadValue, n.Offset(), path, "node name %q has more than one '@', which dtc rejects", name)
			}
		}
		seen := map[string]bool{}
		for c := range n.Children() {
			if seen[c.Name()] {
				return errorf(ErrBadValue, c.Offset(), path, "duplicate node name %q, which dtc rejects", c.Name())
			}
			seen[c.Name()] = true
		}
		clear(seen)
		var ph, lph *Property
		props := n.Properties()
		for i := range props {
			pr := &props[i]
			if c, bad := badNameChar(pr.Name, dtsPropNameChars); pr.Name == "" || bad {
				if pr.Name == "" {
					return errorf(ErrBadValue, pr.Offset, path, "dtc cannot express a property with an empty name")
				}
				return errorf(ErrBadValue, pr.Offset, path, "property name %q has character %q, which dtc does not accept in property names", pr.Name, c)
			}
			if seen[pr.Name] {
				return errorf(ErrBadValue, pr.Offset, path, "duplicate property name %q, which dtc rejects", pr.Name)
			}
			seen[pr.Name] = true
			switch pr.Name {
			case "name":
				return errorf(ErrBadValue, pr.Offset, path, "dtc deletes a \"name\" property that matches the node name and rejects any other")
			case "phandle":
				ph = pr
			case "linux,phandle":
				lph = pr
			}
		}
		var val uint32
		for _, pr := range []*Property{lph, ph} {
			if pr == nil {
				continue
			}
			v, err := pr.U32BE()
			if err != nil {
				return errorf(ErrBadValue, pr.Offset, path, "%s is %d bytes; dtc rejects a phandle that is not one cell", pr.Name, len(pr.Value))
			}
			if v == 0 || v == 0xffffffff {
				return errorf(ErrBadValue, pr.Offset, path, "%s value 0x%x is one dtc rejects", pr.Name, v)
			}
			if val != 0 && v != val {
				return errorf(ErrBadValue, pr.Offset, path, "linux,phandle 0x%x and phandle 0x%x differ, which dtc rejects", val, v)
			}
			val = v
		}
		if val != 0 {
			if other, dup := phandles[val]; dup {
				return errorf(ErrBadValue, n.Offset(), path, "phandle 0x%x is also used by %s, which dtc rejects", val, other)
			}
			phandles[val] = path
		}
	}
	return nil
}
