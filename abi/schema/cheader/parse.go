package cheader

import (
	"fmt"
	"strings"
)

// declParser reads declarations from one file's expanded tokens.
type declParser struct {
	p     *Parser
	f     *srcFile
	toks  []token
	pos   int
	depth int
}

func (d *declParser) peek() token {
	if d.pos < len(d.toks) {
		return d.toks[d.pos]
	}
	return token{}
}

func (d *declParser) eof() bool { return d.pos >= len(d.toks) }

func (d *declParser) accept(s string) bool {
	if !d.eof() && d.toks[d.pos].is(s) {
		d.pos++
		return true
	}
	return false
}

func (d *declParser) line() int {
	if d.eof() {
		if len(d.toks) > 0 {
			return d.toks[len(d.toks)-1].line
		}
		return 0
	}
	return d.toks[d.pos].line
}

func (d *declParser) errf(format string, args ...any) {
	d.p.errf(d.f, d.line(), fmt.Sprintf(format, args...))
}

// top parses every top-level declaration.
func (d *declParser) top() {
	for !d.eof() {
		start := d.pos
		t := d.peek()
		switch {
		case t.is(";"):
			d.pos++
		case t.is("typedef"):
			d.pos++
			d.typedef()
		case (t.is("struct") || t.is("union") || t.is("enum")) && d.hasBodyAhead():
			base, ok := d.specifiers()
			if ok {
				d.attrs(base.rec, nil)
			}
			d.skipDecl()
		default:
			d.skipDecl()
		}
		if d.pos == start {
			d.pos++ // always make progress
		}
	}
}

// hasBodyAhead reports "struct [attrs] [name] [attrs] {" at the cursor.
func (d *declParser) hasBodyAhead() bool {
	for i := d.pos + 1; i < len(d.toks) && i < d.pos+64; i++ {
		t := d.toks[i]
		switch {
		case t.is("{"):
			return true
		case t.kind == tIdent, t.is("("), t.is(")"):
		default:
			return false
		}
	}
	return false
}

// skipDecl skips to the end of a declaration: a ';' at depth 0, or the
// closing brace of a function body.
func (d *declParser) skipDecl() {
	depth := 0
	var prev token
	for !d.eof() {
		t := d.toks[d.pos]
		d.pos++
		switch {
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth--
		case t.is("{"):
			if depth == 0 && prev.is(")") {
				d.skipBraces()
				return
			}
			depth++
		case t.is("}"):
			depth--
			if depth < 0 {
				return
			}
		case t.is(";") && depth <= 0:
			return
		}
		prev = t
	}
}

// skipBraces skips to the brace that closes an already consumed '{'.
func (d *declParser) skipBraces() {
	depth := 1
	for !d.eof() && depth > 0 {
		t := d.toks[d.pos]
		d.pos++
		switch {
		case t.is("{"):
			depth++
		case t.is("}"):
			depth--
		}
	}
}

func (d *declParser) typedef() {
	base, ok := d.specifiers()
	if !ok {
		d.skipDecl()
		return
	}
	for !d.eof() {
		name, typ := d.declarator(base)
		d.attrs(nil, nil)
		if name != "" {
			if typ.base == "record" && typ.rec.name == "" {
				typ.rec.name = name
				if typ.rec.defined {
					d.p.addRecord(typ.rec)
				}
			}
			d.p.typedefs[name] = typ
		}
		if !d.accept(",") {
			break
		}
	}
	d.skipDecl()
}

// attrs skips attributes, applying packed and aligned to rec or align.
func (d *declParser) attrs(rec *record, align *int) {
	for !d.eof() {
		t := d.peek()
		if t.kind != tIdent {
			return
		}
		switch {
		case t.text == "__attribute__" || t.text == "__attribute":
			d.pos++
			d.gnuAttrs(rec, align)
		case t.text == "__packed":
			d.pos++
			if rec != nil {
				rec.packed = true
			}
		case t.text == "__aligned":
			d.pos++
			if d.peek().is("(") {
				d.pos++
				n := d.exprUntil(")")
				d.accept(")")
				setAlign(rec, align, n)
			}
		case attrWords[t.text]:
			d.pos++
			if d.peek().is("(") {
				d.pos++
				d.skipParens()
			}
		default:
			return
		}
	}
}

func setAlign(rec *record, align *int, n int) {
	if n <= 0 || n > 4096 || n&(n-1) != 0 {
		return
	}
	if rec != nil && n > rec.alignAttr {
		rec.alignAttr = n
	}
	if align != nil && n > *align {
		*align = n
	}
}

// skipParens skips to the ')' that closes an already consumed '('.
func (d *declParser) skipParens() {
	depth := 1
	for !d.eof() && depth > 0 {
		t := d.toks[d.pos]
		d.pos++
		if t.is("(") {
			depth++
		} else if t.is(")") {
			depth--
		}
	}
}

// gnuAttrs reads "((a, b(x), ...))".
func (d *declParser) gnuAttrs(rec *record, align *int) {
	if !d.accept("(") {
		return
	}
	if !d.accept("(") {
		d.skipParens()
		return
	}
	for !d.eof() && !d.peek().is(")") {
		t := d.peek()
		d.pos++
		name := strings.Trim(t.text, "_")
		switch {
		case name == "packed":
			if rec != nil {
				rec.packed = true
			}
		case name == "aligned":
			n := 16
			if d.accept("(") {
				n = d.exprUntil(")")
				d.accept(")")
			}
			setAlign(rec, align, n)
		case d.peek().is("("):
			d.pos++
			d.skipParens()
		}
		d.accept(",")
	}
	d.accept(")")
	d.accept(")")
}

// exprUntil evaluates the tokens up to the closing stop at depth 0; it
// returns -1 when they do not evaluate.
func (d *declParser) exprUntil(stop string) int {
	toks := d.collect(stop)
	e := &evaluator{toks: toks, p: d.p}
	v, err := e.run()
	if err != nil || v.isStr {
		return -1
	}
	return int(v.n)
}

// collect returns the tokens before the first of stops at depth 0,
// leaving the cursor on it.
func (d *declParser) collect(stops ...string) []token {
	start, depth := d.pos, 0
	for !d.eof() {
		t := d.toks[d.pos]
		if depth == 0 {
			for _, s := range stops {
				if t.is(s) {
					return d.toks[start:d.pos]
				}
			}
		}
		switch {
		case t.is("(") || t.is("[") || t.is("{"):
			depth++
		case t.is(")") || t.is("]") || t.is("}"):
			depth--
			if depth < 0 {
				return d.toks[start:d.pos]
			}
		}
		d.pos++
	}
	return d.toks[start:d.pos]
}

// specifiers parses a type specifier: a basic type, a typedef name, or a
// struct, union or enum (with or without a body).
func (d *declParser) specifiers() (*ctype, bool) {
	d.attrs(nil, nil)
	for !d.eof() && qualWords[d.peek().text] {
		d.pos++
	}
	t := d.peek()
	switch {
	case t.is("struct") || t.is("union"):
		d.pos++
		rec := &record{union: t.text == "union", file: d.f.name, line: t.line}
		d.attrs(rec, nil)
		name := ""
		if d.peek().kind == tIdent {
			name = d.peek().text
			d.pos++
		}
		d.attrs(rec, nil)
		if d.peek().is("{") {
			rec.name = name
			d.pos++
			d.body(rec)
			d.attrs(rec, nil)
			if name != "" {
				d.p.addRecord(rec)
			}
		} else {
			if name == "" {
				return nil, false
			}
			rec = d.p.recordRef(t.text, name)
		}
		return &ctype{base: "record", rec: rec, spelled: t.text + " " + rec.name}, true
	case t.is("enum"):
		d.pos++
		if d.peek().kind == tIdent {
			d.pos++
		}
		if d.accept("{") {
			d.enumBody()
		}
		d.attrs(nil, nil)
		return &ctype{base: "int", size: 4, align: 4, spelled: "enum"}, true
	}
	var words []string
	var named *ctype
	for !d.eof() {
		t := d.peek()
		if t.kind != tIdent {
			break
		}
		switch {
		case qualWords[t.text]:
		case specWords[t.text]:
			words = append(words, t.text)
		case named == nil && len(words) == 0 && d.p.isTypeName(t.text):
			named = d.p.typeByName(t.text)
		default:
			goto done
		}
		d.pos++
	}
done:
	if named != nil {
		return named, true
	}
	if len(words) == 0 {
		return nil, false
	}
	return basicType(words), true
}

func basicType(words []string) *ctype {
	has := map[string]int{}
	for _, w := range words {
		has[w]++
	}
	spelled := strings.Join(words, " ")
	switch {
	case has["_Bool"] > 0 || has["bool"] > 0:
		return &ctype{base: "int", size: 1, align: 1, spelled: spelled}
	case has["char"] > 0:
		return &ctype{base: "int", size: 1, align: 1, spelled: spelled, isChar: has["signed"] == 0 && has["unsigned"] == 0}
	case has["short"] > 0:
		return &ctype{base: "int", size: 2, align: 2, spelled: spelled}
	case has["long"] > 0:
		return &ctype{base: "int", size: 8, align: 8, spelled: spelled}
	}
	return &ctype{base: "int", size: 4, align: 4, spelled: spelled}
}

func (d *declParser) enumBody() {
	next := int64(0)
	for !d.eof() && !d.accept("}") {
		t := d.peek()
		if t.kind != tIdent {
			d.pos++
			continue
		}
		d.pos++
		if d.accept("=") {
			toks := d.collect(",", "}")
			e := &evaluator{toks: toks, p: d.p}
			if v, err := e.run(); err == nil && !v.isStr {
				next = v.n
			} else {
				d.errf("enumerator %s: cannot evaluate", t.text)
			}
		}
		d.p.enums[t.text] = next
		next++
		d.accept(",")
	}
}

// body parses members up to the closing brace.
func (d *declParser) body(rec *record) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxNesting {
		d.errf("records nested too deeply")
		d.skipBraces()
		return
	}
	rec.defined = true
	for !d.eof() {
		if d.accept("}") {
			return
		}
		if d.accept(";") {
			continue
		}
		start := d.pos
		if !d.member(rec) {
			d.pos = start
			d.errf("cannot parse member of %s %s near %q", kindWord(rec), rec.name, d.peek().text)
			d.collect(";")
			d.accept(";")
			if d.pos == start {
				d.pos++ // always make progress
			}
		}
	}
	d.errf("unterminated body of %s %s", kindWord(rec), rec.name)
}

func kindWord(r *record) string {
	if r.union {
		return "union"
	}
	return "struct"
}

// member parses one member declaration including its ';'.
func (d *declParser) member(rec *record) bool {
	if t := d.peek(); t.is("static_assert") || t.is("_Static_assert") {
		d.collect(";")
		return d.accept(";")
	}
	base, ok := d.specifiers()
	if !ok {
		return false
	}
	if d.accept(";") {
		if base.base == "record" && base.rec.name == "" {
			rec.members = append(rec.members, member{typ: base, line: d.line()})
			return true
		}
		return base.base == "record" // a nested named definition without a member
	}
	for !d.eof() {
		name, typ := d.declarator(base)
		if typ == nil {
			return false
		}
		m := member{name: name, typ: typ, line: d.line()}
		d.attrs(nil, nil)
		if d.accept(":") {
			m.hasBits = true
			m.bits = d.collect(",", ";")
		}
		d.attrs(nil, nil)
		if name == "" && !m.hasBits {
			return false
		}
		rec.members = append(rec.members, m)
		if d.accept(";") {
			return true
		}
		if !d.accept(",") {
			return false
		}
	}
	return false
}

// declarator parses pointers, a name, array dimensions and a function
// pointer form; the name may be empty.
func (d *declParser) declarator(base *ctype) (string, *ctype) {
	typ := base
	for d.accept("*") {
		typ = &ctype{base: "ptr", size: 8, align: 8, phys: true, spelled: typ.spelled + " *"}
		for !d.eof() && qualWords[d.peek().text] {
			d.pos++
		}
	}
	name := ""
	if d.peek().is("(") { // function pointer: ( * name ) ( params )
		d.pos++
		for d.accept("*") {
		}
		if d.peek().kind == tIdent {
			name = d.peek().text
			d.pos++
		}
		d.skipParens()
		if d.accept("(") {
			d.skipParens()
		}
		return name, &ctype{base: "ptr", size: 8, align: 8, phys: true, spelled: "function pointer"}
	}
	if t := d.peek(); t.kind == tIdent && !attrWords[t.text] && t.text != "__attribute__" && t.text != "__packed" && t.text != "__aligned" {
		name = t.text
		d.pos++
	}
	var dims [][]token
	for d.accept("[") {
		dims = append(dims, d.collect("]"))
		if !d.accept("]") {
			return name, nil
		}
	}
	if d.peek().is("(") { // a function prototype: not a data member
		d.pos++
		d.skipParens()
		return name, &ctype{base: "ptr", size: 8, align: 8, spelled: "function"}
	}
	for i := len(dims) - 1; i >= 0; i-- {
		typ = &ctype{base: "array", elem: typ, dim: dims[i], spelled: typ.spelled}
	}
	return name, typ
}
