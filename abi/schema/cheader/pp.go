package cheader

import (
	"strings"
)

// Limits that keep hostile input cheap.
const (
	maxTokens    = 1 << 20 // tokens produced by expanding one file
	maxExpansion = 1 << 18 // macro invocations per file
	maxCondDepth = 256
	maxNesting   = 64 // nested records and expressions
)

// macro is one #define.
type macro struct {
	name     string
	fn       bool
	params   []string
	variadic bool
	body     []token
	file     string
	line     int
	builtin  bool
}

// cond is one level of the #if stack.
type cond struct {
	parentOn bool // the enclosing level is active
	on       bool // this branch is active
	taken    bool // some branch of this level was active
}

// runFile executes the directives of one file with table, returning
// the code tokens of active branches.
//
// fallback, when set, holds every file's macros (the first pass): #ifdef
// and #if consult it for names the file has not defined itself, except
// for the include-guard pattern "#ifndef X" + "#define X".
func (p *Parser) runFile(f *srcFile, table, fallback map[string]*macro, record bool) []token {
	var code []token
	var stack []cond
	active := func() bool { return len(stack) == 0 || stack[len(stack)-1].on }
	toks := f.toks
	for i := 0; i < len(toks); {
		t := toks[i]
		if !(t.bol && t.is("#")) {
			if active() {
				code = append(code, t)
			}
			i++
			continue
		}
		j := i + 1
		for j < len(toks) && !toks[j].bol {
			j++
		}
		line := toks[i+1 : j]
		i = j
		if len(line) == 0 {
			continue
		}
		dir, args := line[0].text, line[1:]
		switch dir {
		case "ifdef", "ifndef":
			v := false
			if len(args) > 0 {
				_, v = table[args[0].text]
				if !v && fallback != nil && !isGuard(toks, i, args[0].text) {
					_, v = fallback[args[0].text]
				}
			}
			if dir == "ifndef" {
				v = !v
			}
			stack = p.push(f, t.line, stack, active(), v)
		case "if":
			v := active() && p.evalCond(f, args, table, fallback)
			stack = p.push(f, t.line, stack, active(), v)
		case "elif":
			if len(stack) == 0 {
				p.errf(f, t.line, "#elif without #if")
				continue
			}
			top := &stack[len(stack)-1]
			if top.taken || !top.parentOn {
				top.on = false
				continue
			}
			top.on = p.evalCond(f, args, table, fallback)
			top.taken = top.on
		case "else":
			if len(stack) == 0 {
				p.errf(f, t.line, "#else without #if")
				continue
			}
			top := &stack[len(stack)-1]
			top.on = top.parentOn && !top.taken
			top.taken = true
		case "endif":
			if len(stack) == 0 {
				p.errf(f, t.line, "#endif without #if")
				continue
			}
			stack = stack[:len(stack)-1]
		case "define":
			if active() {
				if m := p.parseDefine(f, t.line, args); m != nil {
					table[m.name] = m
					if record {
						f.defines = append(f.defines, m)
					}
				}
			}
		case "undef":
			if active() && len(args) > 0 {
				delete(table, args[0].text)
			}
		}
	}
	if len(stack) > 0 && record {
		p.errf(f, len(f.src), "unterminated #if")
	}
	return code
}

// isGuard reports whether the directive line ending before toks[next] is
// followed by "#define name", the include-guard pattern.
func isGuard(toks []token, next int, name string) bool {
	return next+2 < len(toks) && toks[next].bol && toks[next].is("#") && toks[next+1].is("define") && toks[next+2].text == name &&
		(next+3 == len(toks) || toks[next+3].bol)
}

func (p *Parser) push(f *srcFile, line int, stack []cond, parentOn, v bool) []cond {
	if len(stack) >= maxCondDepth {
		p.errf(f, line, "#if nesting too deep")
		v = false
	}
	return append(stack, cond{parentOn: parentOn, on: parentOn && v, taken: v})
}

func (p *Parser) parseDefine(f *srcFile, line int, args []token) *macro {
	if len(args) == 0 || args[0].kind != tIdent {
		p.errf(f, line, "#define needs a name")
		return nil
	}
	m := &macro{name: args[0].text, file: f.name, line: line}
	rest := args[1:]
	if len(rest) > 0 && rest[0].is("(") && !rest[0].space {
		m.fn = true
		k := 1
		for ; k < len(rest) && !rest[k].is(")"); k++ {
			switch {
			case rest[k].is(","):
			case rest[k].is("..."):
				m.variadic = true
				m.params = append(m.params, "__VA_ARGS__")
			case rest[k].kind == tIdent:
				m.params = append(m.params, rest[k].text)
			default:
				p.errf(f, line, "bad parameter list in #define "+m.name)
				return nil
			}
		}
		if k >= len(rest) {
			p.errf(f, line, "unterminated parameter list in #define "+m.name)
			return nil
		}
		rest = rest[k+1:]
	}
	m.body = make([]token, len(rest))
	copy(m.body, rest)
	for i := range m.body {
		m.body[i].bol = false
	}
	return m
}

// evalCond evaluates an #if expression: defined() first, then macros,
// then unknown identifiers are 0.
func (p *Parser) evalCond(f *srcFile, args []token, table, fallback map[string]*macro) bool {
	var pre []token
	for i := 0; i < len(args); i++ {
		if args[i].is("defined") {
			name, n := "", 0
			switch {
			case i+3 < len(args) && args[i+1].is("(") && args[i+3].is(")"):
				name, n = args[i+2].text, 3
			case i+1 < len(args):
				name, n = args[i+1].text, 1
			}
			v := "0"
			if _, ok := table[name]; ok {
				v = "1"
			} else if _, ok := fallback[name]; ok {
				v = "1"
			}
			pre = append(pre, token{kind: tNum, text: v, line: args[i].line})
			i += n
			continue
		}
		pre = append(pre, args[i])
	}
	ex := &expander{table: table, fallback: fallback}
	toks := ex.expand(pre)
	e := &evaluator{toks: toks, ifMode: true, p: p}
	v, err := e.run()
	if err != nil {
		p.errf(f, firstLine(args), "#if: "+err.Error())
		return false
	}
	return v.n != 0
}

func firstLine(t []token) int {
	if len(t) == 0 {
		return 0
	}
	return t[0].line
}

// expander expands macros with per-token hide sets.
type expander struct {
	table    map[string]*macro
	fallback map[string]*macro
	steps    int
	budget   int // tokens produced so far, over every nested call
	depth    int
	overflow bool
}

func (ex *expander) lookup(name string) *macro {
	if m, ok := ex.table[name]; ok {
		return m
	}
	if m, ok := ex.fallback[name]; ok {
		return m
	}
	return nil
}

// frames is the rescanning input: a stack of token slices, so that
// pushing a replacement in front of the rest costs nothing.
type frames struct{ st [][]token }

func (f *frames) push(ts []token) {
	if len(ts) > 0 {
		f.st = append(f.st, ts)
	}
}

func (f *frames) peek() (token, bool) {
	for i := len(f.st) - 1; i >= 0; i-- {
		if len(f.st[i]) > 0 {
			return f.st[i][0], true
		}
	}
	return token{}, false
}

func (f *frames) next() (token, bool) {
	for len(f.st) > 0 {
		top := &f.st[len(f.st)-1]
		if len(*top) > 0 {
			t := (*top)[0]
			*top = (*top)[1:]
			return t, true
		}
		f.st = f.st[:len(f.st)-1]
	}
	return token{}, false
}

func (ex *expander) expand(in []token) []token {
	ex.depth++
	defer func() { ex.depth-- }()
	if ex.depth > maxNesting*4 {
		ex.overflow = true
		return nil
	}
	input := &frames{}
	input.push(in)
	var out []token
	for {
		if ex.steps > maxExpansion || ex.budget > maxTokens {
			ex.overflow = true
			return out
		}
		t, ok := input.next()
		if !ok {
			return out
		}
		m := (*macro)(nil)
		if t.kind == tIdent && !t.hidden(t.text) {
			m = ex.lookup(t.text)
		}
		if m == nil {
			out = append(out, t)
			ex.budget++
			continue
		}
		hide := append(append([]string(nil), t.hide...), m.name)
		if !m.fn {
			ex.steps++
			ex.budget += len(m.body)
			input.push(withHide(m.body, hide, t))
			continue
		}
		if n, ok := input.peek(); !ok || !n.is("(") {
			out = append(out, t)
			ex.budget++
			continue
		}
		args, consumed, ok := collectArgs(input)
		if !ok {
			input.push(consumed)
			out = append(out, t)
			ex.budget++
			continue
		}
		ex.steps++
		repl := ex.substitute(m, args)
		ex.budget += len(repl)
		input.push(withHide(repl, hide, t))
	}
}

func withHide(body []token, hide []string, at token) []token {
	out := make([]token, len(body))
	for i, b := range body {
		b.hide = append(append([]string(nil), b.hide...), hide...)
		b.line = at.line
		b.bol = false
		if i == 0 {
			b.space = at.space
		}
		out[i] = b
	}
	return out
}

// collectArgs reads "( a , b )" from in and splits it into arguments; on
// failure it returns every token it consumed.
func collectArgs(in *frames) (args [][]token, consumed []token, ok bool) {
	depth := 0
	var cur []token
	for {
		t, more := in.next()
		if !more {
			return nil, consumed, false
		}
		consumed = append(consumed, t)
		switch {
		case t.is("("):
			depth++
			if depth == 1 {
				continue
			}
		case t.is(")"):
			depth--
			if depth == 0 {
				return append(args, cur), consumed, true
			}
		case t.is(",") && depth == 1:
			args = append(args, cur)
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
}

func (ex *expander) substitute(m *macro, args [][]token) []token {
	if len(args) == 1 && len(args[0]) == 0 && len(m.params) == 0 {
		args = nil
	}
	if m.variadic && len(args) > len(m.params) {
		n := len(m.params) - 1
		var va []token
		for i, a := range args[n:] {
			if i > 0 {
				va = append(va, token{kind: tPunct, text: ","})
			}
			va = append(va, a...)
		}
		args = append(args[:n:n], va)
	}
	param := func(t token) int {
		if t.kind != tIdent {
			return -1
		}
		for i, p := range m.params {
			if p == t.text && i < len(args) {
				return i
			}
		}
		return -1
	}
	var out []token
	body := m.body
	for i := 0; i < len(body); i++ {
		t := body[i]
		if t.is("#") && i+1 < len(body) && param(body[i+1]) >= 0 {
			out = append(out, stringify(args[param(body[i+1])], t))
			i++
			continue
		}
		if t.is("##") && len(out) > 0 && i+1 < len(body) {
			next := []token{body[i+1]}
			if k := param(body[i+1]); k >= 0 {
				next = args[k]
			}
			i++
			if len(next) == 0 {
				continue
			}
			last := out[len(out)-1]
			pasted := relex(last.text+next[0].text, last)
			out = append(append(out[:len(out)-1], pasted...), next[1:]...)
			continue
		}
		if k := param(t); k >= 0 {
			if i+1 < len(body) && body[i+1].is("##") {
				out = append(out, args[k]...)
			} else {
				out = append(out, ex.expand(args[k])...)
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func stringify(arg []token, at token) token {
	var b strings.Builder
	for i, t := range arg {
		if i > 0 && t.space {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	s := b.String()
	return token{kind: tStr, text: `"` + s + `"`, val: s, line: at.line}
}

func relex(s string, at token) []token {
	toks, _ := lex(s)
	for i := range toks {
		toks[i].line = at.line
		toks[i].bol = false
		toks[i].hide = at.hide
	}
	return toks
}
