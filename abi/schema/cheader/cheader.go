package cheader

import (
	"fmt"
	"strconv"
)

// Kind values of Field.Kind, matching the schema package.
const (
	KindUint     = "uint"
	KindPhysAddr = "physaddr"
	KindCString  = "cstring"
	KindBytes    = "bytes"
	KindStruct   = "struct"
	KindBitfield = "bitfield"
)

// Struct is the laid-out struct (or union) definition.
type Struct struct {
	// Name is the C tag, or the typedef name of an anonymous record.
	Name string
	// Union reports a union.
	Union bool
	// Size is sizeof on x86-64.
	Size int
	// Align is _Alignof on x86-64.
	Align int
	// Packed reports __packed / __attribute__((packed)).
	Packed bool
	// Fields are the members; anonymous members are flattened into
	// their parent and unions of same-size scalars are one field.
	Fields []Field
	// File is where it is defined.
	File string
	// Line is the line of the definition in File.
	Line int
}

// Field is one laid-out member.
type Field struct {
	// Name is the member name.
	Name string
	// CType is the C type as parsed, e.g. "u64", "char[64]", "u64:52".
	CType string
	// Kind is one of the Kind constants.
	Kind string
	// Offset and Size are in bytes; for a bitfield they are its storage
	// unit (the declared type's size, aligned to that size when the
	// field fits in such a unit).
	Offset, Size int
	// Count is the total array length (product of all dimensions), or 0.
	Count int
	// BitOffset and BitSize place a bitfield in its storage unit.
	BitOffset, BitSize int
	// Struct names the embedded record of a struct-kind field.
	Struct string
}

// Define is one object-like macro from the parsed files.
type Define struct {
	// Name is the macro name.
	Name string
	// File is where it is defined.
	File string
	// Line is its line in File.
	Line int
	// OK reports whether the body evaluated to a number or a string.
	OK bool
	// Value is the number.
	Value uint64
	// Str is the string, when IsString.
	Str string
	// IsString reports a string-valued define.
	IsString bool
}

// Error is a problem in one file.
type Error struct {
	// File is the file's name as given to AddFile.
	File string
	// Line is the 1-based line, or 0 when the problem is the whole file.
	Line int
	// Msg describes the problem.
	Msg string
}

// Error implements error.
func (e Error) Error() string { return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg }

// Result is what Parse returns.
type Result struct {
	// Structs are the named definitions in the order they appeared.
	Structs []*Struct
	// Defines are every object-like #define with a body, in order.
	Defines []Define
	// Errors lists unparsable constructs; the rest was still read.
	Errors []Error
}

// Struct returns the struct called name.
func (r *Result) Struct(name string) (*Struct, bool) {
	for _, s := range r.Structs {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Define returns the define called name.
func (r *Result) Define(name string) (Define, bool) {
	for _, d := range r.Defines {
		if d.Name == name {
			return d, true
		}
	}
	return Define{}, false
}

type srcFile struct {
	name    string
	src     string
	toks    []token
	defines []*macro
}

// Parser reads a set of files as one unit.
type Parser struct {
	files    []*srcFile
	builtins map[string]*macro
	global   map[string]*macro
	records  map[string]*record
	order    []*record
	typedefs map[string]*ctype
	enums    map[string]int64
	errs     []Error
}

// prelude defines the kernel helpers the ABI headers rely on; a file's
// own definition wins.
const prelude = `
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define BITS_PER_LONG 64
#define BITS_PER_BYTE 8
#define SZ_1K 0x400
#define SZ_4K 0x1000
#define SZ_8K 0x2000
#define SZ_16K 0x4000
#define SZ_32K 0x8000
#define SZ_64K 0x10000
#define SZ_1M 0x100000
#define SZ_2M 0x200000
#define SZ_4M 0x400000
#define __NEW_UTS_LEN 64
#define __KERNEL__ 1
#define __x86_64__ 1
#define _AC(X, Y) X
#define _UL(x) (x##UL)
#define _ULL(x) (x##ULL)
#define UL(x) _UL(x)
#define ULL(x) _ULL(x)
#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define ALIGN(x, a) ((((x) + (a) - 1) / (a)) * (a))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BITS_TO_LONGS(nr) DIV_ROUND_UP(nr, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#define DECLARE_KHOSER_PTR(name, type) union { phys_addr_t phys; type ptr; } name
`

// New returns a parser with the kernel helper macros predefined.
func New() *Parser {
	p := &Parser{builtins: map[string]*macro{}, global: map[string]*macro{}, records: map[string]*record{},
		typedefs: map[string]*ctype{}, enums: map[string]int64{}}
	f := &srcFile{name: "<builtin>", src: prelude}
	f.toks, _ = lex(prelude)
	p.runFile(f, p.builtins, nil, false)
	for k, m := range p.builtins {
		m.builtin = true
		p.global[k] = m
	}
	return p
}

// AddFile adds one file; its macros become visible to every file.
func (p *Parser) AddFile(name string, src []byte) {
	f := &srcFile{name: name, src: string(src)}
	var msgs []lineMsg
	f.toks, msgs = lex(f.src)
	for _, m := range msgs {
		p.errf(f, m.line, m.msg)
	}
	p.files = append(p.files, f)
	p.runFile(f, p.global, nil, false)
}

// Parse reads every added file and lays out every struct.
func (p *Parser) Parse() *Result {
	for _, f := range p.files {
		table := map[string]*macro{}
		for k, m := range p.builtins {
			table[k] = m
		}
		code := p.runFile(f, table, p.global, true)
		ex := &expander{table: table, fallback: p.global}
		toks := ex.expand(code)
		if ex.overflow {
			p.errf(f, 0, "macro expansion too large; file truncated")
		}
		d := &declParser{p: p, f: f, toks: toks}
		d.top()
	}
	res := &Result{}
	for _, r := range p.order {
		p.layout(r, 0)
		if r.err != nil {
			p.errs = append(p.errs, Error{File: r.file, Line: r.line, Msg: fmt.Sprintf("%s %s: %v", kindWord(r), r.name, r.err)})
			continue
		}
		res.Structs = append(res.Structs, &Struct{Name: r.name, Union: r.union, Size: r.size, Align: r.align, Packed: r.packed,
			Fields: r.fields, File: r.file, Line: r.line})
	}
	for _, f := range p.files {
		for _, m := range f.defines {
			if m.fn || len(m.body) == 0 {
				continue
			}
			res.Defines = append(res.Defines, p.evalDefine(f, m))
		}
	}
	res.Errors = p.errs
	return res
}

// ParseHeader parses one file on its own.
func ParseHeader(name string, src []byte) *Result {
	p := New()
	p.AddFile(name, src)
	return p.Parse()
}

func (p *Parser) evalDefine(f *srcFile, m *macro) Define {
	d := Define{Name: m.name, File: f.name, Line: m.line}
	ex := &expander{table: p.global}
	toks := ex.expand(withHide(m.body, []string{m.name}, token{line: m.line}))
	if ex.overflow {
		return d
	}
	e := &evaluator{toks: toks, p: p}
	v, err := e.run()
	if err != nil {
		return d
	}
	d.OK = true
	if v.isStr {
		d.IsString, d.Str = true, v.s
	} else {
		d.Value = uint64(v.n)
	}
	return d
}

func (p *Parser) errf(f *srcFile, line int, msg string) {
	if len(p.errs) < 1000 {
		p.errs = append(p.errs, Error{File: f.name, Line: line, Msg: msg})
	}
}

// addRecord registers a named definition; the first one wins.
func (p *Parser) addRecord(r *record) {
	key := kindWord(r) + " " + r.name
	if old, ok := p.records[key]; ok {
		if old.defined && old != r {
			return
		}
		*old = *r // fill a forward reference in place
		p.order = append(p.order, old)
		return
	}
	p.records[key] = r
	p.order = append(p.order, r)
}

// recordRef returns the record a "struct NAME" reference names,
// creating an undefined placeholder.
func (p *Parser) recordRef(kind, name string) *record {
	key := kind + " " + name
	if r, ok := p.records[key]; ok {
		return r
	}
	r := &record{name: name, union: kind == "union"}
	p.records[key] = r
	return r
}

func (p *Parser) isTypeName(s string) bool {
	if _, ok := p.typedefs[s]; ok {
		return true
	}
	_, ok := scalarTypes[s]
	return ok
}

func (p *Parser) typeByName(s string) *ctype {
	if t, ok := p.typedefs[s]; ok {
		return t
	}
	sc := scalarTypes[s]
	return &ctype{base: "int", size: sc.size, align: sc.size, phys: sc.phys, spelled: s}
}

func (p *Parser) enumValue(s string) (int64, bool) {
	v, ok := p.enums[s]
	return v, ok
}

// typeNameLen returns how many tokens of toks form a type name (for casts
// and sizeof).
func (p *Parser) typeNameLen(toks []token) (int, bool) {
	if len(toks) == 0 || toks[0].kind != tIdent {
		return 0, false
	}
	w := toks[0].text
	if !(w == "struct" || w == "union" || w == "enum" || specWords[w] || qualWords[w] || p.isTypeName(w)) {
		return 0, false
	}
	d := &declParser{p: p, f: &srcFile{name: "<expr>"}, toks: toks}
	base, ok := d.specifiers()
	if !ok {
		return 0, false
	}
	if _, typ := d.declarator(base); typ == nil {
		return 0, false
	}
	return d.pos, true
}

// sizeofType returns the size of the type name in toks.
func (p *Parser) sizeofType(toks []token) (int, error) {
	d := &declParser{p: p, f: &srcFile{name: "<expr>"}, toks: toks}
	base, ok := d.specifiers()
	if !ok {
		return 0, fmt.Errorf("not a type")
	}
	_, typ := d.declarator(base)
	if typ == nil {
		return 0, fmt.Errorf("bad type")
	}
	size, _, _, err := p.sizeAlign(typ, 0)
	return size, err
}
