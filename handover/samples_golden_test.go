package handover_test

import (
	"bytes"
	"context"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
)

var updateSamples = flag.Bool("update-samples", false, "rewrite testdata/samples/*.core")

// TestSampleSnapshots keeps an encoded snapshot of every embedded sample
// in testdata/samples: the encoder must still write those exact bytes, and
// the committed files must decode, through the snapshot reader and the
// walker, to the sample's spec. go test ./handover -update-samples
// rewrites them after an intended encoder change.
func TestSampleSnapshots(t *testing.T) {
	for _, name := range handover.SampleNames() {
		t.Run(name, func(t *testing.T) {
			spec, err := handover.Sample(name)
			if err != nil {
				t.Fatal(err)
			}
			spec.Normalize()
			enc, err := handover.Encode(spec)
			if err != nil {
				t.Fatal(err)
			}
			fresh := filepath.Join(t.TempDir(), name+".core")
			writeSampleSnapshot(t, fresh, enc)
			path := filepath.Join("..", "testdata", "samples", name+".core")
			if *updateSamples {
				b, _ := os.ReadFile(fresh)
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := os.ReadFile(fresh)
			want, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s differs from a fresh encoding (go test ./handover -update-samples after an intended change): %v", path, err)
			}
			snap, err := source.OpenSnapshot(path)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			blobs, err := snap.Blobs()
			if err != nil {
				t.Fatal(err)
			}
			subs := map[string][]byte{}
			for _, b := range blobs.Subs {
				subs[b.Name] = b.Data
			}
			st, err := handover.Walk(blobs.Root, snap, handover.Options{SubBlobs: subs})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Problems) != 0 {
				t.Fatalf("problems: %v", st.Problems)
			}
			dec := st.Spec(snap)
			dec.Name, dec.Description, dec.Base = spec.Name, spec.Description, spec.Base
			if !reflect.DeepEqual(dec, spec) {
				t.Fatalf("%s decodes to a different spec", path)
			}
		})
	}
}

// writeSampleSnapshot writes enc as a snapshot with fixed metadata, so
// that the bytes depend only on the encoder.
func writeSampleSnapshot(t *testing.T, path string, enc *handover.Encoded) {
	blobs := &source.Blobs{Side: "out", Origin: "encoded sample " + enc.Spec.Name, Root: enc.Root, RootAddr: enc.RootAddr, Scratch: enc.Scratch}
	for _, name := range slices.Sorted(maps.Keys(enc.Blobs)) {
		blobs.Subs = append(blobs.Subs, source.Blob{Name: name, Data: enc.Blobs[name]})
	}
	var caps []source.Capture
	for _, r := range enc.Image.Ranges() {
		b, _ := enc.Image.View(r.Start, r.Size)
		caps = append(caps, source.Capture{Addr: r.Start, Data: b})
	}
	meta := source.Metadata{Arch: "x86_64", ToolVersion: "golden", Source: "handover.Encode " + enc.Spec.Name,
		Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := source.WriteSnapshot(context.Background(), path, meta, blobs, caps); err != nil {
		t.Fatal(err)
	}
}
