package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSnapshotRewriteIdentical reads each committed sample snapshot (and
// freshly written ones: with streamed ranges and warnings, without blobs)
// and writes it again from what the reader returns: the bytes must not
// change.
func TestSnapshotRewriteIdentical(t *testing.T) {
	dir := t.TempDir()
	fresh, _, _ := sampleSnapshot(t, dir)
	noBlobs := filepath.Join(dir, "no-blobs")
	gapped := []Capture{{Addr: 0x5000, Data: pattern(10, 1)}, {Addr: 0x1000, Size: 4097, Reader: bytes.NewReader(pattern(4097, 3))}}
	if err := WriteSnapshot(context.Background(), noBlobs, Metadata{Arch: "arm64"}, nil, gapped); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "samples", "*.core"))
	if len(paths) == 0 {
		t.Fatal("no sample snapshots in ../testdata/samples")
	}
	for _, path := range append(paths, fresh, noBlobs) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := OpenSnapshot(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			blobs, _ := s.Blobs() // nil when none were stored: written again as none
			var caps []Capture
			for _, r := range s.Ranges() {
				caps = append(caps, CaptureRange(s, r))
			}
			out := filepath.Join(dir, "rewrite-"+filepath.Base(path))
			if err := WriteSnapshot(context.Background(), out, s.Metadata(), blobs, caps); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rewrite of %s differs (%d bytes, want %d)", path, len(got), len(want))
			}
		})
	}
}
