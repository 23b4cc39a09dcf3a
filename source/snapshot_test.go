package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7) + byte(i>>8)
	}
	return b
}

// sampleSnapshot writes a snapshot with three ranges (two adjacent) and
// blobs, returning its path and the expected memory.
func sampleSnapshot(t testing.TB, dir string) (string, *phys.Image, *Blobs) {
	t.Helper()
	img := phys.NewImage()
	caps := []Capture{
		{Addr: 0x200000, Data: pattern(0x3000, 1)},
		{Addr: 0x100000, Size: 0x1800, Reader: bytes.NewReader(pattern(0x1800, 2))},
		{Addr: 0x101800, Data: pattern(0x100, 3)},
	}
	img.Add(0x200000, pattern(0x3000, 1))
	img.Add(0x100000, pattern(0x1800, 2))
	img.Add(0x101800, pattern(0x100, 3))
	root, _ := khoRoot(t, "K3", kho.Subtree{Name: "LUO", Addr: 0x201000, Size: 32})
	blobs := &Blobs{
		Side: SideOut, Origin: "debugfs /x/out", Root: root, RootAddr: 0x100000,
		Subs:     []Blob{{Name: "LUO", Data: luoSer()}, {Name: "memblock", Data: smallFDT(t, "memblock-v1", 5)}},
		Scratch:  []kho.Scratch{{Addr: 0x4000000, Size: 0x1000000}},
		Warnings: []string{"a warning"},
	}
	path := filepath.Join(dir, "s.luosnap")
	meta := Metadata{ToolVersion: "test", KernelRelease: "6.19.0", Arch: "amd64", Source: "test",
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := WriteSnapshot(context.Background(), path, meta, blobs, caps); err != nil {
		t.Fatal(err)
	}
	return path, img, blobs
}

func TestSnapshotRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path, img, want := sampleSnapshot(t, dir)
	s, err := OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := s.Metadata()
	if m.Arch != "x86_64" || m.Format != 1 || m.Tool != "luoinspect" || m.PageSize != 4096 || m.KernelRelease != "6.19.0" || !m.HasBlobs {
		t.Errorf("metadata %+v", m)
	}
	if got, want := s.Ranges(), img.Ranges(); !equalRanges(got, want) {
		t.Errorf("ranges %v, want %v", got, want)
	}
	reads := []struct {
		addr uint64
		n    int
		ok   bool
	}{
		{0x100000, 0x1900, true},   // across the adjacent segments
		{0x1017f0, 0x20, true},     // straddles the boundary
		{0x200ff0, 0x2010, true},   // end of the last range
		{0x101900, 1, false},       // just past the second range
		{0x1018f0, 0x20, false},    // runs into a gap
		{0x0, 16, false},           // below everything
		{0x203000, 1, false},       // past the end
		{^uint64(0) - 4, 8, false}, // wraps
	}
	for _, r := range reads {
		got := make([]byte, r.n)
		n, err := s.ReadAt(got, r.addr)
		exp := make([]byte, r.n)
		en, eerr := img.ReadAt(exp, r.addr)
		if (err == nil) != r.ok || (eerr == nil) != r.ok {
			t.Errorf("ReadAt(%#x, %d) = %d, %v; image %d, %v", r.addr, r.n, n, err, en, eerr)
			continue
		}
		if err != nil && !errors.Is(err, phys.ErrUnresolved) {
			t.Errorf("ReadAt(%#x): %v is not ErrUnresolved", r.addr, err)
		}
		if n != en || !bytes.Equal(got[:n], exp[:en]) {
			t.Errorf("ReadAt(%#x, %d): %d bytes differ from the image's %d", r.addr, r.n, n, en)
		}
	}
	b, err := s.Blobs()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Root, want.Root) || b.Side != SideOut || b.Origin != want.Origin || b.RootAddr != 0x100000 ||
		len(b.Subs) != 2 || len(b.Scratch) != 1 || b.Scratch[0] != want.Scratch[0] || len(b.Warnings) != 1 {
		t.Errorf("blobs %+v", b)
	}
	for _, sub := range want.Subs {
		if got, ok := b.Sub(sub.Name); !ok || !bytes.Equal(got, sub.Data) {
			t.Errorf("sub %s = %x", sub.Name, got)
		}
	}
	if _, ok := b.Sub("nope"); ok {
		t.Error("Sub(nope) found")
	}
	if !strings.Contains(s.Describe(), "3 ranges") {
		t.Errorf("Describe = %q", s.Describe())
	}
	// The generic opener recognises it.
	o, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.(*Snapshot); !ok {
		t.Errorf("Open(path) = %T", o)
	}
	o.Close()
	// The file's segments are page aligned and the mode is private.
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	for _, seg := range s.segs {
		if seg.off%4096 != 0 {
			t.Errorf("segment %d at offset %#x", seg.index, seg.off)
		}
	}
}

func equalRanges(a, b []phys.Range) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSnapshotNoBlobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	if err := WriteSnapshot(context.Background(), path, Metadata{Arch: "arm64"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Blobs(); !errors.Is(err, ErrNoBlobs) {
		t.Errorf("Blobs: %v", err)
	}
	if len(s.Ranges()) != 0 || s.Metadata().Arch != "aarch64" {
		t.Errorf("ranges %v meta %+v", s.Ranges(), s.Metadata())
	}
	if _, err := s.ReadAt(make([]byte, 1), 0); !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("read: %v", err)
	}
}

func TestSnapshotWriteRejects(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		meta  Metadata
		caps  []Capture
		want  string
		blobs *Blobs
	}{
		{"arch", Metadata{Arch: "mips"}, nil, "not supported", nil},
		{"overlap", Metadata{Arch: "x86_64"}, []Capture{{Addr: 0, Data: make([]byte, 10)}, {Addr: 5, Data: make([]byte, 10)}}, "overlap", nil},
		{"empty", Metadata{Arch: "x86_64"}, []Capture{{Addr: 0, Data: []byte{}}}, "empty", nil},
		{"nothing", Metadata{Arch: "x86_64"}, []Capture{{Addr: 0, Size: 4}}, "neither", nil},
		{"size", Metadata{Arch: "x86_64"}, []Capture{{Addr: 0, Size: 4, Data: []byte{1}}}, "Size 4", nil},
		{"wrap", Metadata{Arch: "x86_64"}, []Capture{{Addr: ^uint64(0), Data: []byte{1, 2}}}, "wraps", nil},
		{"short reader", Metadata{Arch: "x86_64"}, []Capture{{Addr: 0, Size: 10, Reader: bytes.NewReader([]byte{1})}}, "read 1 of 10", nil},
		{"blob name", Metadata{Arch: "x86_64"}, nil, "not a file name", &Blobs{Subs: []Blob{{Name: "a/b"}}}},
		{"blob twice", Metadata{Arch: "x86_64"}, nil, "two blobs", &Blobs{Subs: []Blob{{Name: "LUO"}, {Name: "LUO"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			err := WriteSnapshot(context.Background(), path, tc.meta, tc.blobs, tc.caps)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			assertEmptyDir(t, dir)
		})
	}
}

func assertEmptyDir(t *testing.T, dir string, keep ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		ok := false
		for _, k := range keep {
			ok = ok || e.Name() == k
		}
		if !ok {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestSnapshotTruncated(t *testing.T) {
	dir := t.TempDir()
	path, _, _ := sampleSnapshot(t, dir)
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cuts := []int{0, 1, 3, 4, 15, 16, 63, 64, 65, 100, 64 + 56*4 - 1, 64 + 56*4, 64 + 56*4 + 5, 400, 4095, 4096, 4097, 8191, 8192}
	for c := 8193; c < len(full); c += 997 {
		cuts = append(cuts, c)
	}
	cuts = append(cuts, len(full)-4096, len(full)-1)
	for _, c := range cuts {
		if c >= len(full) {
			continue
		}
		p := filepath.Join(dir, "cut")
		writeFile(t, p, full[:c])
		s, err := OpenSnapshot(p)
		if err == nil {
			s.Close()
			t.Errorf("cut at %d: opened", c)
			continue
		}
		if !strings.Contains(err.Error(), "snapshot truncated") {
			t.Errorf("cut at %d: %v", c, err)
		}
		if c > 64+56*4 && !strings.Contains(err.Error(), "segment ") {
			t.Errorf("cut at %d: %v does not name a segment", c, err)
		}
		if c > 64+56*4 && !strings.Contains(err.Error(), "file is "+strconv.Itoa(c)+" bytes") {
			t.Errorf("cut at %d: %v does not give the file size", c, err)
		}
	}
	// The generic opener reports a truncated snapshot in the same terms.
	p := filepath.Join(dir, "cut")
	writeFile(t, p, full[:len(full)-10])
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "snapshot truncated: segment 3 ends at") {
		t.Errorf("Open(cut): %v", err)
	}
}

// cancelReader gives its bytes slowly and calls f after the first chunk.
type cancelReader struct {
	n    int
	f    func()
	done bool
}

func (r *cancelReader) Read(p []byte) (int, error) {
	if r.done {
		r.f()
		r.f = func() {}
	}
	r.done = true
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func TestSnapshotAtomicCancel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	// An existing file at path survives a cancelled write untouched.
	writeFile(t, path, []byte("old"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelReader{n: 8 << 20, f: cancel}
	err := WriteSnapshot(ctx, path, Metadata{Arch: "x86_64"}, nil, []Capture{{Addr: 0, Size: 8 << 20, Reader: r}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	assertEmptyDir(t, dir, "s")
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("path now holds %q", b)
	}
	// Already cancelled: nothing is created.
	os.Remove(path)
	if err := WriteSnapshot(ctx, path, Metadata{Arch: "x86_64"}, nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	assertEmptyDir(t, dir)
}

func TestSnapshotSIGINT(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r := &cancelReader{n: 8 << 20, f: func() {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}}
	err := WriteSnapshot(ctx, path, Metadata{Arch: "x86_64"}, nil, []Capture{{Addr: 0x1000, Size: 8 << 20, Reader: r}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	assertEmptyDir(t, dir)
}

func TestSnapshotReadelf(t *testing.T) {
	_, err := exec.LookPath("readelf")
	testutil.RequireOracle(t, "readelf (Debian binutils)", err)
	path, _, _ := sampleSnapshot(t, t.TempDir())
	out, err := exec.Command("readelf", "-W", "-h", "-l", "-n", path).CombinedOutput()

	if err != nil {
		t.Fatalf("readelf: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"CORE (Core file)", "Advanced Micro Devices X86-64", "NOTE", "LOAD", "LUOINSPECT",
		"(0x4c550001)", "(0x4c550002)", "0x0000000000100000", "0x0000000000200000"} {
		if !strings.Contains(s, want) {
			t.Errorf("readelf output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(strings.ToLower(s), "warning") || strings.Contains(strings.ToLower(s), "error") {
		t.Errorf("readelf complains:\n%s", s)
	}
}
