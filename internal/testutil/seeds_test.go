package testutil

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSeedFile(t *testing.T) {
	values := []any{[]byte("\x00ab\xff"), "s\n", byte(1), rune('é'), int32(-1 << 31), int(-7), int8(-8), int16(300),
		int64(-1 << 63), uint(9), uint16(65535), uint32(1 << 31), uint64(1<<64 - 1), true, false, []byte(nil)}
	file := SeedFile(values...)
	const want = "go test fuzz v1\n" +
		"[]byte(\"\\x00ab\\xff\")\nstring(\"s\\n\")\nbyte('\\x01')\nrune('é')\nint32(-2147483648)\nint(-7)\nint8(-8)\nint16(300)\n" +
		"int64(-9223372036854775808)\nuint(9)\nuint16(65535)\nuint32(2147483648)\nuint64(18446744073709551615)\nbool(true)\nbool(false)\n[]byte(\"\")\n"
	if string(file) != want {
		t.Fatalf("SeedFile:\n%s\nwant:\n%s", file, want)
	}
	got, err := ParseSeedFile(file)
	if err != nil {
		t.Fatal(err)
	}
	values[len(values)-1] = []byte{} // "" decodes to an empty, non-nil slice
	if !reflect.DeepEqual(got, values) {
		t.Errorf("ParseSeedFile(SeedFile(v)) = %#v\nwant %#v", got, values)
	}
}

func TestParseSeedFileSpellings(t *testing.T) {
	for _, spelling := range []string{"byte('a')", "uint8(97)", "uint8(0x61)", "byte(97)", "uint8('\\x61')"} {
		got, err := ParseSeedFile([]byte("go test fuzz v1\n" + spelling + "\n"))
		if err != nil || !reflect.DeepEqual(got, []any{uint8(97)}) {
			t.Errorf("%s: %#v, %v", spelling, got, err)
		}
	}
	got, err := ParseSeedFile([]byte("go test fuzz v1\n  int(-0x10)  \n\nint32('\\u00e9')"))
	if err != nil || !reflect.DeepEqual(got, []any{-16, int32(0xe9)}) {
		t.Errorf("%#v, %v", got, err)
	}
}

func TestParseSeedFileErrors(t *testing.T) {
	for _, c := range []struct{ file, err string }{
		{"[]byte(\"\")\n", "first line"},
		{"go test fuzz v1\n", "without values"},
		{"go test fuzz v1\nuint8(256)\n", "line 2"},
		{"go test fuzz v1\n[]byte(\"\")\nuint(-1)\n", "line 3"},
		{"go test fuzz v1\nfloat64(1.5)\n", "not a value"},
		{"go test fuzz v1\nbool(1)\n", "not a value"},
		{"go test fuzz v1\n[]byte(x)\n", "literal"},
		{"go test fuzz v1\n\"x\"\n", "conversion"},
		{"go test fuzz v1\nbyte('ab')\n", "line 2"},
	} {
		if _, err := ParseSeedFile([]byte(c.file)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: %v, want an error with %q", c.file, err, c.err)
		}
	}
}

func TestSeedFileUnsupported(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SeedFile(1.5) did not panic")
		}
	}()
	SeedFile(1.5)
}

func TestWriteSeeds(t *testing.T) {
	packageArg() // before Chdir: the package is named by where the test starts
	t.Chdir(t.TempDir())
	const env = "TESTUTIL_WRITE_SEEDS"
	seeds := map[string][]any{"FuzzA/seed-0": {[]byte("a"), byte(1)}, "FuzzB/x": {"b"}}
	keep := func(check SeedCheck) *recorder {
		return record(t, func(tb testing.TB) { WriteSeeds(tb, env, check, seeds) })
	}

	t.Setenv(env, "")
	if r := keep(SeedsPresent); len(r.errors) != 2 || !strings.Contains(r.errors[0], "TESTUTIL_WRITE_SEEDS=1 go test ./internal/testutil -run '^TestWriteSeeds$'") {
		t.Fatalf("missing seeds: %q", r.errors)
	}
	t.Setenv(env, "1")
	keep(SeedsCurrent).only(t, "")
	if b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzA", "seed-0")); err != nil || string(b) != "go test fuzz v1\n[]byte(\"a\")\nbyte('\\x01')\n" {
		t.Fatalf("written seed: %q, %v", b, err)
	}
	t.Setenv(env, "")
	keep(SeedsCurrent).only(t, "")

	// Another spelling of the same values is current.
	path := filepath.Join("testdata", "fuzz", "FuzzA", "seed-0")
	if err := os.WriteFile(path, []byte("go test fuzz v1\n[]byte(\"a\")\nuint8(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keep(SeedsCurrent).only(t, "")

	// Other values are present but not current.
	if err := os.WriteFile(path, []byte("go test fuzz v1\n[]byte(\"old\")\nbyte('\\x02')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keep(SeedsPresent).only(t, "")
	keep(SeedsCurrent).only(t, "error", "seed-0", "other values")

	// Values of other types, or another number of them, are neither.
	for body, msg := range map[string]string{
		"go test fuzz v1\n[]byte(\"a\")\nint(1)\n": "value 2 is a int",
		"go test fuzz v1\n[]byte(\"a\")\n":         "1 values, the target takes 2",
		"not a seed\n":                             "first line",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		keep(SeedsPresent).only(t, "error", "seed-0", msg)
	}
}
