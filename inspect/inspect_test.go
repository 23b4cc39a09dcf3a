package inspect

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
)

// encodeTo writes a sample's debugfs tree and root blob into a temporary
// directory.
func encodeTo(t *testing.T, name string) (dir string, enc *handover.Encoded) {
	t.Helper()
	spec, err := handover.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	if enc, err = handover.Encode(spec); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := enc.WriteDebugfs(filepath.Join(dir, "kho")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "root.dtb"), enc.Root, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, enc
}

func TestOpen(t *testing.T) {
	dir, enc := encodeTo(t, "k2-lflb-m1")
	for _, tc := range []struct {
		name, spec string
		opts       Options
		sessions   int  // -1: no state
		unresolved bool // memory the source does not hold
		rootAddr   bool
	}{
		{"snapshot", "../testdata/samples/k2-lflb-m1.core", Options{}, 1, false, true},
		{"snapshot spec", "snapshot:../testdata/samples/k2-lflb-m1.core", Options{}, 1, false, true},
		// The blobs alone: the session array is in memory debugfs does
		// not show.
		{"debugfs copy", filepath.Join(dir, "kho"), Options{}, 0, true, false},
		{"root blob", filepath.Join(dir, "root.dtb"), Options{}, 0, true, false},
		{"assumed generation", "../testdata/samples/k2-lflb-m1.core", Options{LUO: "L-FLB"}, 1, false, true},
		{"memory only", "../testdata/samples/k2-lflb-m1.core", Options{MemoryOnly: true}, -1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.spec, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if tc.sessions < 0 {
				if s.State != nil || s.Memory == nil {
					t.Fatalf("memory-only session: state %v, memory %v", s.State, s.Memory)
				}
				return
			}
			if got := len(s.State.Sessions); got != tc.sessions {
				t.Errorf("%d sessions, want %d", got, tc.sessions)
			}
			if got := len(s.State.Unresolved()) > 0; got != tc.unresolved {
				t.Errorf("unresolved problems %v, want %v: %v", got, tc.unresolved, s.State.Problems)
			}
			if got := s.State.RootAddr == enc.RootAddr; got != tc.rootAddr {
				t.Errorf("root address 0x%x (encoded at 0x%x), want known %v", s.State.RootAddr, enc.RootAddr, tc.rootAddr)
			}
			if s.Description == "" || s.Blobs == nil || s.State.RootOrigin == "" {
				t.Errorf("description %q, blobs %v, origin %q", s.Description, s.Blobs, s.State.RootOrigin)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	var specErr *source.SpecError
	var optErr *OptionError
	for _, tc := range []struct {
		name, spec string
		opts       Options
		want       any
	}{
		{"bad raw base", "raw:x.bin@zz", Options{}, &specErr},
		{"bad side", "live:sideways", Options{}, &specErr},
		{"LUO tag for KHO", "../testdata/samples/k2-lflb-m1.core", Options{KHO: "L-FLB"}, &optErr},
		{"unknown memfd tag", "../testdata/samples/k2-lflb-m1.core", Options{Memfd: "M9"}, &optErr},
		{"root of a snapshot", "../testdata/samples/k2-lflb-m1.core", Options{HasRoot: true, Root: 0x1000}, &optErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.spec, tc.opts)
			if s != nil || !errors.As(err, tc.want) {
				t.Errorf("Open = %v, %v; want a %T", s, err, tc.want)
			}
		})
	}
	if _, err := OpenSample("nope", Options{}); !errors.As(err, &optErr) || optErr.Option != "sample" {
		t.Errorf("OpenSample(nope) = %v", err)
	}
}

func TestOpenSpecUsesContentSources(t *testing.T) {
	spec, err := handover.ParseSpec([]byte("kho: K4\nluo: L-luo-v5\nmemfd: M2b\nsessions:\n  - name: a\n    files:\n      - token: 1\n        memfd: {size: 4096, contents: {base64: aGVsbG8=}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSpec(spec, "spec inline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fs := &s.State.Sessions[0].Files[0]
	d, err := s.State.ContentDigest(s.Memory, fs)
	if err != nil {
		t.Fatal(err)
	}
	// The file's 4096 bytes: "hello", then zeros.
	want := make([]byte, 4096)
	copy(want, "hello")
	if got, sum := d.String(), fmt.Sprintf("%x", sha256.Sum256(want)); got != sum {
		t.Errorf("digest %s, want %s", got, sum)
	}
}
