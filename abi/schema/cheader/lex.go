package cheader

import (
	"strings"
)

type tokKind int

const (
	tIdent tokKind = iota + 1
	tNum
	tStr
	tChar
	tPunct
)

// token is one preprocessing token.
type token struct {
	kind tokKind
	text string
	// val is the unescaped value of a string or char literal.
	val   string
	line  int
	bol   bool // first token on its line
	space bool // whitespace before it
	hide  []string
}

func (t token) is(s string) bool { return t.kind != tStr && t.kind != tChar && t.text == s }

func (t token) hidden(name string) bool {
	for _, h := range t.hide {
		if h == name {
			return true
		}
	}
	return false
}

var puncts3 = []string{"...", "<<=", ">>="}
var puncts2 = []string{"<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "##", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$'
}
func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// lex splits src into tokens. Problems are returned as messages; lexing
// always finishes.
func lex(src string) ([]token, []lineMsg) {
	var toks []token
	var msgs []lineMsg
	line, bol, space := 1, true, false
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			bol, space = true, false
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			space = true
			i++
			continue
		case c == '\\' && i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r'):
			i++
			if src[i] == '\r' {
				i++
			}
			if i < len(src) && src[i] == '\n' {
				i++
			}
			line++
			space = true
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				msgs = append(msgs, lineMsg{line, "unterminated comment"})
				return toks, msgs
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
			space = true
			continue
		}
		t := token{line: line, bol: bol, space: space}
		bol, space = false, false
		start := i
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			t.kind = tIdent
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			for i < len(src) && (isIdentChar(src[i]) || src[i] == '.' ||
				(src[i] == '+' || src[i] == '-') && (src[i-1] == 'e' || src[i-1] == 'E' || src[i-1] == 'p' || src[i-1] == 'P')) {
				i++
			}
			t.kind = tNum
		case c == '"' || c == '\'':
			val, n, ok := readQuoted(src[i:])
			if !ok {
				msgs = append(msgs, lineMsg{line, "unterminated literal"})
				for i < len(src) && src[i] != '\n' {
					i++
				}
				continue
			}
			i += n
			t.kind, t.val = tStr, val
			if c == '\'' {
				t.kind = tChar
			}
		default:
			t.kind = tPunct
			i++
			for _, p := range puncts3 {
				if strings.HasPrefix(src[start:], p) {
					i = start + 3
					break
				}
			}
			if i == start+1 {
				for _, p := range puncts2 {
					if strings.HasPrefix(src[start:], p) {
						i = start + 2
						break
					}
				}
			}
		}
		t.text = src[start:i]
		toks = append(toks, t)
	}
	return toks, msgs
}

// readQuoted reads a "..." or '...' literal at the start of s and returns
// its unescaped value and length.
func readQuoted(s string) (string, int, bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, true
		case c == '\n':
			return "", 0, false
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v, j := 0, 0
				for j < 3 && i+j < len(s) && s[i+j] >= '0' && s[i+j] <= '7' {
					v = v*8 + int(s[i+j]-'0')
					j++
				}
				b.WriteByte(byte(v))
				i += j - 1
			case 'x':
				v, j := 0, 1
				for i+j < len(s) && j < 3 && isHex(s[i+j]) {
					v = v*16 + hexVal(s[i+j])
					j++
				}
				b.WriteByte(byte(v))
				i += j - 1
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// lineMsg is a problem at a line of the current file.
type lineMsg struct {
	line int
	msg  string
}
