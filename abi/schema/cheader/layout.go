package cheader

import (
	"errors"
	"fmt"
	"strconv"
)

const maxSize = 1 << 31

// evalDim evaluates an array dimension.
func (p *Parser) evalDim(dim []token) (int, error) {
	if len(dim) == 0 {
		return 0, nil
	}
	e := &evaluator{toks: dim, p: p}
	v, err := e.run()
	if err != nil {
		return 0, err
	}
	if v.isStr || v.n < 0 || v.n > maxSize {
		return 0, fmt.Errorf("bad array length %d", v.n)
	}
	return int(v.n), nil
}

// sizeAlign returns a type's size, alignment and array length (the
// product of every dimension; 0 for a scalar).
func (p *Parser) sizeAlign(t *ctype, depth int) (size, align, count int, err error) {
	if depth > maxNesting {
		return 0, 0, 0, errors.New("type nested too deeply")
	}
	switch t.base {
	case "int", "ptr":
		return t.size, t.align, 0, nil
	case "record":
		if err := p.layout(t.rec, depth+1); err != nil {
			return 0, 0, 0, err
		}
		return t.rec.size, t.rec.align, 0, nil
	case "array":
		n, err := p.evalDim(t.dim)
		if err != nil {
			return 0, 0, 0, err
		}
		es, ea, ec, err := p.sizeAlign(t.elem, depth+1)
		if err != nil {
			return 0, 0, 0, err
		}
		if ec == 0 {
			ec = 1
		}
		if es > 0 && n > maxSize/es {
			return 0, 0, 0, errors.New("array too large")
		}
		return n * es, ea, n * ec, nil
	}
	return 0, 0, 0, fmt.Errorf("unknown type %q", t.spelled)
}

func alignUp(v, a int) int {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}

// layout computes a record's size, alignment and fields with the x86-64
// System V rules GCC uses, honouring packed and aligned attributes.
func (p *Parser) layout(r *record, depth int) error {
	switch r.state {
	case 2:
		return r.err
	case 1:
		return errors.New("recursive definition")
	}
	if depth > maxNesting {
		return errors.New("records nested too deeply")
	}
	if !r.defined {
		r.state, r.err = 2, fmt.Errorf("%s %s is not defined", kindWord(r), r.name)
		return r.err
	}
	r.state = 1
	r.err = p.doLayout(r, depth)
	r.state = 2
	return r.err
}

func (p *Parser) doLayout(r *record, depth int) error {
	bitpos, maxAlign, unionSize := 0, 1, 0
	for _, m := range r.members {
		size, align, count, err := p.sizeAlign(m.typ, depth+1)
		if err != nil {
			return fmt.Errorf("member %s: %w", m.name, err)
		}
		if r.packed {
			align = 1
		}
		if m.hasBits {
			f, ok, err := p.bitfield(r, m, size, align, &bitpos, &maxAlign)
			if err != nil {
				return err
			}
			if r.union {
				unionSize = max(unionSize, size)
				bitpos = 0
			}
			if ok {
				r.fields = append(r.fields, f)
			}
			continue
		}
		off := 0
		if r.union {
			unionSize = max(unionSize, size)
		} else {
			bitpos = alignUp(bitpos, align*8)
			off = bitpos / 8
			if size > maxSize || off > maxSize-size {
				return errors.New("struct too large")
			}
			bitpos += size * 8
		}
		maxAlign = max(maxAlign, align)
		if m.name == "" && m.typ.base == "record" { // anonymous struct or union member
			for _, f := range m.typ.rec.fields {
				f.Offset += off
				r.fields = append(r.fields, f)
			}
			continue
		}
		r.fields = append(r.fields, p.field(m, off, size, count))
	}
	maxAlign = max(maxAlign, r.alignAttr)
	end := (bitpos + 7) / 8
	if r.union {
		end = unionSize
	}
	r.size = alignUp(end, maxAlign)
	r.align = maxAlign
	return nil
}

// bitfield places one bitfield member.
func (p *Parser) bitfield(r *record, m member, size, align int, bitpos, maxAlign *int) (Field, bool, error) {
	e := &evaluator{toks: m.bits, p: p}
	v, err := e.run()
	if err != nil || v.isStr {
		return Field{}, false, fmt.Errorf("bitfield %s: bad width", m.name)
	}
	width, unit := int(v.n), size*8
	if m.typ.base != "int" || width < 0 || width > unit {
		return Field{}, false, fmt.Errorf("bitfield %s: width %d does not fit %s", m.name, width, m.typ.spelled)
	}
	if width == 0 {
		*bitpos = alignUp(*bitpos, max(m.typ.align, 1)*8)
		return Field{}, false, nil
	}
	if !r.packed {
		ua := m.typ.align * 8
		if *bitpos/ua != (*bitpos+width-1)/ua {
			*bitpos = alignUp(*bitpos, ua)
		}
		*maxAlign = max(*maxAlign, m.typ.align)
	}
	pos := *bitpos
	*bitpos += width
	unitOff := pos / unit * unit
	if pos+width > unitOff+unit {
		unitOff = pos / 8 * 8
	}
	f := Field{Name: m.name, CType: m.typ.spelled + ":" + strconv.Itoa(width), Kind: KindBitfield,
		Offset: unitOff / 8, Size: size, BitOffset: pos - unitOff, BitSize: width}
	return f, m.name != "", nil
}

// field describes a non-bitfield member.
func (p *Parser) field(m member, off, size, count int) Field {
	f := Field{Name: m.name, Offset: off, Size: size, Count: count, CType: m.typ.spelled}
	elem := m.typ
	var dims string
	for elem.base == "array" {
		n, _ := p.evalDim(elem.dim)
		dims += "[" + strconv.Itoa(n) + "]"
		elem = elem.elem
	}
	f.CType += dims
	switch {
	case elem.base == "record":
		if kind, ctype, ok := collapsible(elem.rec); ok && count == 0 {
			f.Kind, f.CType = kind, ctype
			return f
		}
		f.Kind, f.Struct = KindStruct, elem.rec.name
		f.CType = kindWord(elem.rec) + " " + elem.rec.name + dims
	case elem.isChar && count > 0:
		f.Kind = KindCString
	case elem.phys:
		f.Kind = KindPhysAddr
	default:
		f.Kind = KindUint
	}
	return f
}

// collapsible reports a union whose members are scalars of one size, such
// as DECLARE_KHOSER_PTR's { phys_addr_t phys; T *ptr; }: on the wire it
// is one integer.
func collapsible(r *record) (kind, ctype string, ok bool) {
	if !r.union || len(r.members) == 0 {
		return "", "", false
	}
	size, phys := -1, false
	for _, m := range r.members {
		if m.hasBits || (m.typ.base != "int" && m.typ.base != "ptr") {
			return "", "", false
		}
		if size >= 0 && m.typ.size != size {
			return "", "", false
		}
		size = m.typ.size
		phys = phys || m.typ.phys
	}
	kind, ctype = KindUint, "union"
	if phys {
		kind = KindPhysAddr
	}
	if len(r.members) == 2 && r.members[0].name == "phys" && r.members[1].name == "ptr" {
		ctype = "DECLARE_KHOSER_PTR"
	}
	return kind, ctype, true
}
