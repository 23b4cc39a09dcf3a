package statediff

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

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
	testutil.Golden(t, "testdata", "across-update.golden.json", append(got, '\n'))

	var text bytes.Buffer
	if err := WriteText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, "testdata", "across-update.golden.txt", text.Bytes())
}
