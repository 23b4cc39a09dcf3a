package statediff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

// TestGoldenJSON pins the JSON document of one diff across an update: a
// shrunk memfd, a dropped seal, a lost FLB, an added session.
func TestGoldenJSON(t *testing.T) {
	b := sample(t, "k3-luov3-m2b")
	nextUpdate(b)
	memfdOf(b, 0, 0).Size = 8192
	memfdOf(b, 0, 1).Seals = 0
	b.FLBs = nil
	b.Sessions = append(b.Sessions, sample(t, "k3-luov3-m2b").Sessions[0])
	b.Sessions[1].Name = "vm1"
	r, err := Compare(walkSpec(t, "sample k3-luov3-m2b", sample(t, "k3-luov3-m2b")), walkSpec(t, "edited", b), Options{Mode: AcrossUpdate})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "across-update.golden.json", append(got, '\n'))

	var text bytes.Buffer
	if err := WriteText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "across-update.golden.txt", text.Bytes())
}
