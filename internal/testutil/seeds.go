package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedHeader is the first line of a seed corpus file.
const seedHeader = "go test fuzz v1\n"

// SeedFile encodes the arguments of one fuzz-target call as a seed corpus
// file, the way "go test -fuzz" writes one: the line "go test fuzz v1",
// then one conversion of a literal a line ("[]byte(\"\\x00\")",
// "byte('\\x01')", "uint64(7)"). It takes []byte, string, bool and the
// integer types, and panics on any other type: a seed is test data the
// test itself spells out.
func SeedFile(values ...any) []byte {
	b := bytes.NewBufferString(seedHeader)
	for _, v := range values {
		switch v := v.(type) {
		case []byte:
			fmt.Fprintf(b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(b, "string(%q)\n", v)
		case byte:
			fmt.Fprintf(b, "byte(%q)\n", v)
		case rune:
			if utf8.ValidRune(v) {
				fmt.Fprintf(b, "rune(%q)\n", v)
			} else {
				fmt.Fprintf(b, "int32(%d)\n", v)
			}
		case int, int8, int16, int64, uint, uint16, uint32, uint64, bool:
			fmt.Fprintf(b, "%T(%v)\n", v, v)
		default:
			panic(fmt.Sprintf("testutil.SeedFile: a seed cannot hold a %T", v))
		}
	}
	return b.Bytes()
}

// ParseSeedFile decodes a seed corpus file of the types SeedFile writes.
// It accepts every spelling of a value that "go test" accepts for them, so
// byte('a'), uint8(97) and uint8(0x61) all decode to uint8(97).
func ParseSeedFile(file []byte) ([]any, error) {
	text, ok := strings.CutPrefix(string(file), seedHeader)
	if !ok {
		return nil, errors.New(`not a seed corpus file: the first line is not "go test fuzz v1"`)
	}
	var values []any
	for i, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		v, err := parseSeedValue(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+2, err)
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		return nil, errors.New("a seed corpus file without values")
	}
	return values, nil
}

// intTypes are the integer types of a seed value, by the names a seed
// file may give them.
var intTypes = map[string]reflect.Type{
	"int": reflect.TypeFor[int](), "int8": reflect.TypeFor[int8](), "int16": reflect.TypeFor[int16](),
	"int32": reflect.TypeFor[int32](), "rune": reflect.TypeFor[rune](), "int64": reflect.TypeFor[int64](),
	"uint": reflect.TypeFor[uint](), "uint8": reflect.TypeFor[uint8](), "byte": reflect.TypeFor[byte](),
	"uint16": reflect.TypeFor[uint16](), "uint32": reflect.TypeFor[uint32](), "uint64": reflect.TypeFor[uint64](),
}

// parseSeedValue decodes one line of a seed file: a conversion T(literal).
func parseSeedValue(line string) (any, error) {
	e, err := parser.ParseExpr(line)
	if err != nil {
		return nil, err
	}
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil, fmt.Errorf("%s is not a conversion T(literal)", line)
	}
	typ := types.ExprString(call.Fun)
	arg, neg := call.Args[0], false
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		arg, neg = u.X, true
	}
	if id, ok := arg.(*ast.Ident); ok && typ == "bool" && !neg && (id.Name == "true" || id.Name == "false") {
		return id.Name == "true", nil
	}
	lit, ok := arg.(*ast.BasicLit)
	if !ok {
		return nil, fmt.Errorf("%s does not convert a literal", line)
	}
	switch {
	case (typ == "[]byte" || typ == "string") && lit.Kind == token.STRING && !neg:
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", line, err)
		}
		if typ == "string" {
			return s, nil
		}
		return []byte(s), nil
	case intTypes[typ] != nil && (lit.Kind == token.INT || lit.Kind == token.CHAR):
		n := lit.Value
		if lit.Kind == token.CHAR {
			r, _, tail, err := strconv.UnquoteChar(n[1:len(n)-1], '\'')
			if err != nil || tail != "" {
				return nil, fmt.Errorf("%s: bad character literal", line)
			}
			n = strconv.Itoa(int(r))
		}
		if neg {
			n = "-" + n
		}
		return parseSeedInt(intTypes[typ], n)
	}
	return nil, fmt.Errorf("%s: not a value of a type SeedFile writes", line)
}

// parseSeedInt converts the integer literal n to a value of the integer
// type typ, failing when it is out of the type's range.
func parseSeedInt(typ reflect.Type, n string) (any, error) {
	var v reflect.Value
	switch typ.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(n, 0, typ.Bits())
		if err != nil {
			return nil, err
		}
		v = reflect.ValueOf(i)
	default:
		u, err := strconv.ParseUint(n, 0, typ.Bits())
		if err != nil {
			return nil, err
		}
		v = reflect.ValueOf(u)
	}
	return v.Convert(typ).Interface(), nil
}

// SeedCheck is what WriteSeeds requires of a committed seed file when it
// does not rewrite it.
type SeedCheck int

const (
	// SeedsPresent requires a seed file holding values of the target's
	// types. Use it where the seeds follow encoders that may change: a seed
	// an older encoder made is still a good seed.
	SeedsPresent SeedCheck = iota
	// SeedsCurrent also requires the values the test makes now.
	SeedsCurrent
)

// WriteSeeds keeps the committed seed corpora of a package's fuzz
// targets. seeds maps a file's path below testdata/fuzz, slash-separated
// ("FuzzDecode/seed-0"), to the arguments of the call it seeds. When the
// environment variable env is "1", WriteSeeds (re)writes every file with
// SeedFile. Otherwise it checks every file as check says and reports each
// one that fails with the command that rewrites them.
func WriteSeeds(t testing.TB, env string, check SeedCheck, seeds map[string][]any) {
	t.Helper()
	write := os.Getenv(env) == "1"
	for _, rel := range slices.Sorted(maps.Keys(seeds)) {
		path := filepath.Join("testdata", "fuzz", filepath.FromSlash(rel))
		want := SeedFile(seeds[rel]...)
		if write {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := checkSeed(path, want, seeds[rel], check); err != nil {
			t.Errorf("seed %s is missing or stale (%s rewrites the seeds): %v", path, rerun(t, env+"=1"), err)
		}
	}
}

// checkSeed checks the seed file at path against the values of want,
// whose encoding is wantFile.
func checkSeed(path string, wantFile []byte, want []any, check SeedCheck) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	got, err := ParseSeedFile(b)
	if err != nil {
		return err
	}
	if check == SeedsCurrent {
		if !bytes.Equal(SeedFile(got...), wantFile) {
			return errors.New("it holds other values than the test makes now")
		}
		return nil
	}
	if len(got) != len(want) {
		return fmt.Errorf("it holds %d values, the target takes %d", len(got), len(want))
	}
	for i := range got {
		if g, w := reflect.TypeOf(got[i]), reflect.TypeOf(want[i]); g != w {
			return fmt.Errorf("value %d is a %v, the target takes a %v", i+1, g, w)
		}
	}
	return nil
}
