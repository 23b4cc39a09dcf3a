package cheader

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// value is the result of a constant expression: a number or a string.
type value struct {
	n     int64
	s     string
	isStr bool
}

// evaluator evaluates one constant expression over expanded tokens.
type evaluator struct {
	toks   []token
	pos    int
	depth  int
	ifMode bool // unknown identifiers are 0, as in #if
	p      *Parser
}

var errUnknown = errors.New("unknown identifier")

func (e *evaluator) run() (value, error) {
	if len(e.toks) == 0 {
		return value{}, errors.New("empty expression")
	}
	v, err := e.comma()
	if err != nil {
		return value{}, err
	}
	if e.pos < len(e.toks) {
		return value{}, fmt.Errorf("unexpected %q", e.toks[e.pos].text)
	}
	return v, nil
}

func (e *evaluator) peek() (token, bool) {
	if e.pos < len(e.toks) {
		return e.toks[e.pos], true
	}
	return token{}, false
}

func (e *evaluator) accept(s string) bool {
	if t, ok := e.peek(); ok && t.is(s) {
		e.pos++
		return true
	}
	return false
}

func (e *evaluator) expect(s string) error {
	if !e.accept(s) {
		return fmt.Errorf("expected %q", s)
	}
	return nil
}

func (e *evaluator) comma() (value, error) {
	v, err := e.cond()
	for err == nil && e.accept(",") {
		v, err = e.cond()
	}
	return v, err
}

func (e *evaluator) cond() (value, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxNesting*4 {
		return value{}, errors.New("expression too deep")
	}
	c, err := e.binary(0)
	if err != nil || !e.accept("?") {
		return c, err
	}
	a, err := e.comma()
	if err != nil {
		return value{}, err
	}
	if err := e.expect(":"); err != nil {
		return value{}, err
	}
	b, err := e.cond()
	if err != nil {
		return value{}, err
	}
	if c.n != 0 {
		return a, nil
	}
	return b, nil
}

var binPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (e *evaluator) binary(min int) (value, error) {
	l, err := e.unary()
	if err != nil {
		return value{}, err
	}
	for {
		t, ok := e.peek()
		if !ok || t.kind != tPunct {
			return l, nil
		}
		prec, isOp := binPrec[t.text]
		if !isOp || prec <= min {
			return l, nil
		}
		e.pos++
		r, err := e.binary(prec)
		if err != nil {
			return value{}, err
		}
		if l.isStr || r.isStr {
			return value{}, errors.New("arithmetic on a string")
		}
		if l, err = apply(t.text, l.n, r.n); err != nil {
			return value{}, err
		}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func apply(op string, a, b int64) (value, error) {
	switch op {
	case "||":
		return value{n: b2i(a != 0 || b != 0)}, nil
	case "&&":
		return value{n: b2i(a != 0 && b != 0)}, nil
	case "|":
		return value{n: a | b}, nil
	case "^":
		return value{n: a ^ b}, nil
	case "&":
		return value{n: a & b}, nil
	case "==":
		return value{n: b2i(a == b)}, nil
	case "!=":
		return value{n: b2i(a != b)}, nil
	case "<":
		return value{n: b2i(a < b)}, nil
	case ">":
		return value{n: b2i(a > b)}, nil
	case "<=":
		return value{n: b2i(a <= b)}, nil
	case ">=":
		return value{n: b2i(a >= b)}, nil
	case "<<":
		if b < 0 || b > 63 {
			return value{}, errors.New("shift out of range")
		}
		return value{n: int64(uint64(a) << uint(b))}, nil
	case ">>":
		if b < 0 || b > 63 {
			return value{}, errors.New("shift out of range")
		}
		return value{n: int64(uint64(a) >> uint(b))}, nil
	case "+":
		return value{n: a + b}, nil
	case "-":
		return value{n: a - b}, nil
	case "*":
		return value{n: a * b}, nil
	case "/", "%":
		if b == 0 || (a == -1<<63 && b == -1) {
			return value{}, errors.New("division by zero")
		}
		if op == "/" {
			return value{n: a / b}, nil
		}
		return value{n: a % b}, nil
	}
	return value{}, fmt.Errorf("unknown operator %q", op)
}

func (e *evaluator) unary() (value, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxNesting*4 {
		return value{}, errors.New("expression too deep")
	}
	t, ok := e.peek()
	if !ok {
		return value{}, errors.New("unexpected end of expression")
	}
	switch {
	case t.is("+"), t.is("-"), t.is("~"), t.is("!"):
		e.pos++
		v, err := e.unary()
		if err != nil || v.isStr {
			if err == nil {
				err = errors.New("arithmetic on a string")
			}
			return value{}, err
		}
		switch t.text {
		case "-":
			v.n = -v.n
		case "~":
			v.n = ^v.n
		case "!":
			v.n = b2i(v.n == 0)
		}
		return v, nil
	case t.is("sizeof"):
		e.pos++
		return e.sizeof()
	case t.is("("):
		if n, ok := e.p.typeNameLen(e.toks[e.pos+1:]); ok && e.pos+1+n < len(e.toks) && e.toks[e.pos+1+n].is(")") {
			e.pos += n + 2 // a cast: the value is used unchanged
			return e.unary()
		}
		e.pos++
		v, err := e.comma()
		if err != nil {
			return value{}, err
		}
		return v, e.expect(")")
	}
	return e.primary()
}

func (e *evaluator) sizeof() (value, error) {
	paren := e.accept("(")
	if paren {
		if n, ok := e.p.typeNameLen(e.toks[e.pos:]); ok {
			size, err := e.p.sizeofType(e.toks[e.pos : e.pos+n])
			e.pos += n
			if err != nil {
				return value{}, err
			}
			return value{n: int64(size)}, e.expect(")")
		}
	}
	var v value
	var err error
	if paren {
		v, err = e.comma()
		if err == nil {
			err = e.expect(")")
		}
	} else {
		v, err = e.unary()
	}
	if err != nil {
		return value{}, err
	}
	if v.isStr {
		return value{n: int64(len(v.s) + 1)}, nil
	}
	return value{}, errors.New("sizeof of an expression")
}

func (e *evaluator) primary() (value, error) {
	t := e.toks[e.pos]
	e.pos++
	switch t.kind {
	case tNum:
		n, err := parseNumber(t.text)
		return value{n: n}, err
	case tChar:
		if len(t.val) == 0 {
			return value{}, errors.New("empty character constant")
		}
		return value{n: int64(t.val[0])}, nil
	case tStr:
		s := t.val
		for {
			n, ok := e.peek()
			if !ok || n.kind != tStr {
				break
			}
			s += n.val
			e.pos++
		}
		return value{s: s, isStr: true}, nil
	case tIdent:
		if n, ok := e.peek(); ok && n.is("(") && (t.text == "const_ilog2" || t.text == "ilog2") {
			return e.ilog2(t.text)
		}
		if e.ifMode {
			if n, ok := e.peek(); ok && n.is("(") {
				return value{}, fmt.Errorf("unknown function-like macro %s", t.text)
			}
			return value{}, nil
		}
		if n, ok := e.p.enumValue(t.text); ok {
			return value{n: n}, nil
		}
		return value{}, fmt.Errorf("%w %s", errUnknown, t.text)
	}
	return value{}, fmt.Errorf("unexpected %q", t.text)
}

// ilog2 evaluates the kernel's const_ilog2(n) and ilog2(n) on a constant:
// the index of the highest set bit (include/linux/log2.h), undefined for
// n < 1.
func (e *evaluator) ilog2(name string) (value, error) {
	if err := e.expect("("); err != nil {
		return value{}, err
	}
	v, err := e.comma()
	if err != nil {
		return value{}, err
	}
	if err := e.expect(")"); err != nil {
		return value{}, err
	}
	if v.isStr || v.n < 1 {
		return value{}, fmt.Errorf("%s of %d", name, v.n)
	}
	return value{n: int64(bits.Len64(uint64(v.n)) - 1)}, nil
}

// parseNumber parses a C integer literal with optional u/l suffixes.
func parseNumber(s string) (int64, error) {
	t := strings.TrimRight(s, "uUlL")
	base := 10
	switch {
	case strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X"):
		t, base = t[2:], 16
	case strings.HasPrefix(t, "0b") || strings.HasPrefix(t, "0B"):
		t, base = t[2:], 2
	case len(t) > 1 && t[0] == '0':
		t, base = t[1:], 8
	}
	u, err := strconv.ParseUint(t, base, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return int64(u), nil
}
