package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGolden(t *testing.T) {
	defer func(was bool) { *update = was }(*update)
	*update = false
	dir := filepath.Join(t.TempDir(), "golden")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	record(t, func(tb testing.TB) { Golden(tb, dir, "a.txt", []byte("one\ntwo\n")) }).only(t, "")
	record(t, func(tb testing.TB) { Golden(tb, dir, "a.txt", []byte("one\nthree\n")) }).
		only(t, "error", "a.txt is stale", `line 2: want "two\n", got "three\n"`, "go test ./internal/testutil -run '^TestGolden$' -update")
	record(t, func(tb testing.TB) { Golden(tb, dir, "b.txt", nil) }).only(t, "error", "b.txt", "-update creates it")

	*update = true
	if !Update() {
		t.Fatal("Update() is false under -update")
	}
	sub := filepath.Join(dir, "new", "dir")
	record(t, func(tb testing.TB) { Golden(tb, sub, "c.txt", []byte("fresh\n")) }).only(t, "")
	record(t, func(tb testing.TB) { Golden(tb, dir, "a.txt", []byte("rewritten\n")) }).only(t, "")
	for path, want := range map[string]string{filepath.Join(sub, "c.txt"): "fresh\n", filepath.Join(dir, "a.txt"): "rewritten\n"} {
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", path, b, err, want)
		}
	}
}

func TestFirstDifference(t *testing.T) {
	for _, c := range []struct{ want, got, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"", "", ""},
		{"a\nb\n", "a\nc\n", `line 2: want "b\n", got "c\n"`},
		{"a\n", "a\nb", `line 2: want the end of the file, got "b"`},
		{"a\nb\n", "a\n", `line 2: want "b\n", got the end of the output`},
		{"a", "a\n", `line 1: want "a", got "a\n"`},
		{"", "x\n", `line 1: want the end of the file, got "x\n"`},
	} {
		if d := firstDifference([]byte(c.want), []byte(c.got)); d != c.diff {
			t.Errorf("firstDifference(%q, %q) = %q, want %q", c.want, c.got, d, c.diff)
		}
	}
}
