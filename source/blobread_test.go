package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

// withTotalsize returns a copy of blob whose header says totalsize n.
func withTotalsize(blob []byte, n uint32) []byte {
	b := bytes.Clone(blob)
	binary.BigEndian.PutUint32(b[4:], n)
	return b
}

// sparse makes a sparse file of size bytes holding data at offset 0.
func sparse(t *testing.T, size int64, data []byte) string {
	t.Helper()
	return sparseFile(t, size, map[int64][]byte{0: data})
}

// onceNamed requires err's message to be one line that names path once
// as the subject (advice may quote it again).
func onceNamed(t *testing.T, err error, path string) {
	t.Helper()
	msg := err.Error()
	if strings.Count(msg, path+":") != 1 || !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
		t.Errorf("message %q: want one line naming %s once", msg, path)
	}
}

func TestReadBlob(t *testing.T) {
	dir := t.TempDir()
	root, _ := khoRoot(t, "K1a")
	n := len(root)
	tests := []struct {
		name  string
		data  []byte
		want  []byte // the bytes returned, also with an error
		err   string // substring of the error; "" for none
		trunc bool   // a *TruncatedError
		is    error  // a sentinel the error wraps
	}{
		{"exact", root, root, "", false, nil},
		{"trailing bytes are not read", append(bytes.Clone(root), make([]byte, 5000)...), root, "", false, nil},
		{"cut", root[:n-10], root[:n-10], fmt.Sprintf("truncated FDT blob: %d of the %d bytes its totalsize gives", n-10, n), true, nil},
		{"cut in the header", root[:20], root[:20], "truncated FDT blob: 20 of the", true, nil},
		{"cut before totalsize", root[:6], root[:6], "truncated FDT blob: 6 of the 40 bytes of its header", true, nil},
		{"magic prefix only", root[:2], root[:2], "2 of the 40 bytes of its header", true, nil},
		{"zeros", make([]byte, 4096), nil, "not an FDT blob: starts with 00 00 00 00, want d0 0d fe ed", false, ErrNotFDT},
		{"text", []byte("hi"), nil, "not an FDT blob: starts with 68 69, want d0 0d fe ed", false, ErrNotFDT},
		{"empty", nil, nil, "not an FDT blob: the file is empty", false, ErrNotFDT},
		{"luo_ser", luoSer(), nil, "not an FDT blob: starts with 6c 75 6f 2d", false, ErrNotFDT},
		{"totalsize too large", withTotalsize(root, MaxBlobSize+1), nil, "FDT totalsize 67108865 is larger than 64 MiB", false, ErrTooLarge},
		{"totalsize 4 GiB", withTotalsize(root, 0xffffffff), nil, "is larger than 64 MiB", false, ErrTooLarge},
		{"totalsize too small", withTotalsize(root, 12), nil, "totalsize 12 is smaller than the smallest FDT header (28 bytes)", false, nil},
		{"version 1 header", withTotalsize(root, 28), withTotalsize(root, 28)[:28], "", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			writeFile(t, p, tc.data)
			got, err := ReadBlob(p)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got %d bytes, want %d", len(got), len(tc.want))
			}
			if tc.err == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			onceNamed(t, err, p)
			var te *TruncatedError
			if errors.As(err, &te) != tc.trunc || (tc.trunc && te.Have != uint64(len(tc.want))) {
				t.Errorf("TruncatedError: %v (%+v)", err, te)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err %v does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestReadBlobFiles(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := ReadBlob(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	onceNamed(t, err, missing)
	dir := t.TempDir()
	if _, err := ReadBlob(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}

	// /dev/zero answers at once.
	start := time.Now()
	_, err = ReadBlob("/dev/zero")
	if !errors.Is(err, ErrNotFDT) || time.Since(start) > time.Second {
		t.Errorf("/dev/zero: %v after %v", err, time.Since(start))
	}

	// A 64 GiB sparse file is never read whole, whatever it starts with.
	root, _ := khoRoot(t, "K1a")
	for _, tc := range []struct {
		name string
		head []byte
		want int
		err  error
	}{
		{"zeros", nil, 0, ErrNotFDT},
		{"an FDT", root, len(root), nil},
	} {
		p := sparse(t, 64<<30, tc.head)
		var got []byte
		a := testutil.Allocated(func() { got, err = ReadBlob(p) })
		if len(got) != tc.want || !errors.Is(err, tc.err) || a > 1<<20 {
			t.Errorf("64 GiB sparse file starting with %s: %d bytes, %v, %d bytes allocated", tc.name, len(got), err, a)
		}
	}
}

// pipePath returns a /dev/fd path reading what write gives, as the
// shell's <(…) does.
func pipePath(t *testing.T, data []byte) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		w.Write(data)
		w.Close()
	}()
	return fmt.Sprintf("/dev/fd/%d", r.Fd())
}

// fifoPath returns a FIFO that a goroutine fills with data.
func fifoPath(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.Write(data)
		w.Close()
	}()
	return p
}

// withStdin runs f with standard input reading data.
func withStdin(t *testing.T, data []byte, f func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(data)
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	f()
}

func TestReadBlobStreams(t *testing.T) {
	root, _ := khoRoot(t, "K1a")
	long := append(bytes.Clone(root), make([]byte, 1<<20)...) // more than totalsize
	for _, tc := range []struct {
		name string
		path func(data []byte) string
	}{
		{"pipe", func(d []byte) string { return pipePath(t, d) }},
		{"fifo", func(d []byte) string { return fifoPath(t, d) }},
	} {
		for _, data := range [][]byte{root, long} {
			got, err := ReadBlob(tc.path(data))
			if err != nil || !bytes.Equal(got, root) {
				t.Errorf("%s of %d bytes: %d bytes, %v", tc.name, len(data), len(got), err)
			}
		}
		got, err := ReadBlob(tc.path(root[:100]))
		var te *TruncatedError
		if !errors.As(err, &te) || te.Have != 100 || te.Want != uint64(len(root)) || len(got) != 100 {
			t.Errorf("%s cut: %d bytes, %v", tc.name, len(got), err)
		}
		if _, err := ReadBlob(tc.path([]byte("\x00\x00\x00\x00 and more"))); !errors.Is(err, ErrNotFDT) {
			t.Errorf("%s of zeros: %v", tc.name, err)
		}
	}
	withStdin(t, root, func() {
		got, err := ReadBlob("-")
		if err != nil || !bytes.Equal(got, root) {
			t.Errorf("stdin: %d bytes, %v", len(got), err)
		}
	})
	withStdin(t, []byte("nope"), func() {
		_, err := ReadBlob("-")
		if err == nil || !strings.HasPrefix(err.Error(), StdinName+": not an FDT blob") {
			t.Errorf("stdin: %v", err)
		}
	})
}

func TestReadAny(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	writeFile(t, small, luoSer())
	big := sparse(t, 64<<30, []byte("x"))
	for _, tc := range []struct {
		name  string
		path  string
		limit int64
		want  int
		err   string
	}{
		{"small", small, 100, 32, ""},
		{"at the limit", small, 32, 32, ""},
		{"over the limit", small, 31, 0, "is larger than 31 bytes"},
		{"default limit", small, 0, 32, ""},
		{"64 GiB", big, 0, 0, "is larger than 64 MiB"},
		{"zeros", "/dev/zero", 4096, 0, "/dev/zero: the file is larger than 4 KiB"},
		{"pipe", pipePath(t, make([]byte, 5000)), 4096, 0, "is larger than 4 KiB"},
		{"pipe within", pipePath(t, make([]byte, 4000)), 4096, 4000, ""},
	} {
		var got []byte
		var err error
		a := testutil.Allocated(func() { got, err = ReadAny(tc.path, tc.limit) })
		if tc.err == "" {
			if err != nil || len(got) != tc.want {
				t.Errorf("%s: %d bytes, %v", tc.name, len(got), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			continue
		}
		onceNamed(t, err, tc.path)
		if tc.path == big && a > 1<<20 {
			t.Errorf("%s: %d bytes allocated to refuse it", tc.name, a)
		}
	}
}

func TestOpenBlobFileStreams(t *testing.T) {
	root, _ := khoRoot(t, "K1a")
	for _, tc := range []struct {
		name     string
		path     string
		root     bool
		warnings int
	}{
		{"pipe root", pipePath(t, root), true, 0},
		{"pipe luo_ser", pipePath(t, luoSer()), false, 0},
		{"pipe cut", pipePath(t, root[:50]), false, 1},
		{"fifo root", fifoPath(t, root), true, 0},
	} {
		s, err := OpenBlobFile(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		b, _ := s.Blobs()
		if (b.Root != nil) != tc.root || len(b.Warnings) != tc.warnings {
			t.Errorf("%s: root %v, warnings %q", tc.name, b.Root != nil, b.Warnings)
		}
	}
}

func TestSizeText(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {1023, "1023 bytes"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
		{64 << 20, "64 MiB"}, {1288490189, "1.2 GiB"}, {4 << 30, "4 GiB"}, {1<<64 - 1, "16 EiB"},
	} {
		if got := sizeText(tc.n); got != tc.want {
			t.Errorf("sizeText(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
