package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// sparseImage makes a sparse file of size bytes with the given pages
// written, and skips the test where the file system does not report
// holes through SEEK_DATA.
func sparseImage(t *testing.T, size int64, pages map[int64][]byte) string {
	t.Helper()
	p := sparseFile(t, size, pages)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first := size
	for off := range pages {
		first = min(first, off)
	}
	if d, err := unix.Seek(int(f.Fd()), 0, unix.SEEK_DATA); err != nil || d < first&^4095 {
		t.Skipf("the file system does not report holes (SEEK_DATA at %d, %v)", d, err)
	}
	return p
}

// sparseFile makes a sparse file of size bytes with the given pages
// written; it skips the test where files cannot be sparse.
func sparseFile(t *testing.T, size int64, pages map[int64][]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mem.raw")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	for off, b := range pages {
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestHoleFinder(t *testing.T) {
	const mib = 1 << 20
	p := sparseImage(t, 64*mib, map[int64][]byte{
		8 * mib:  bytes.Repeat([]byte{1}, 4096),
		32 * mib: bytes.Repeat([]byte{2}, 2*mib),
	})
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := newHoleFinder(f)
	for _, tc := range []struct {
		off, want int64
	}{
		{0, 8 * mib},
		{4 * mib, 8 * mib},
		{8 * mib, 8 * mib},
		{8*mib + 100, 8*mib + 100},
		{8*mib + 4096, 32 * mib},
		{33 * mib, 33 * mib},
		{34 * mib, -1},
		{63 * mib, -1},
		{64 * mib, -1},
	} {
		if got := h.dataFrom(tc.off); got != tc.want {
			t.Errorf("dataFrom(%d) = %d, want %d", tc.off, got, tc.want)
		}
	}
	var none *holeFinder
	if got := none.dataFrom(5); got != 5 {
		t.Errorf("nil finder: %d", got)
	}
	if newHoleFinder(os.Stdin) != nil && !isRegular(os.Stdin) {
		t.Error("a finder for a non-regular file")
	}
}

func isRegular(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}

// rootPages returns a K4 root page for addr and its kexec-metadata page
// (at addr+0x1000).
func rootPages(t testing.TB, addr uint64, count uint32) (root, meta []byte) {
	km := &kho.KexecMetadata{Version: 1, PreviousRelease: "7.2.12", KexecCount: count}
	blob, err := km.Encode()
	if err != nil {
		t.Fatal(err)
	}
	_, page := khoRoot(t, "K4", kho.Subtree{Name: "kexec-metadata", Addr: addr + 0x1000, Size: uint64(len(blob))})
	return page, blob
}

func TestSurveySparseRaw(t *testing.T) {
	const size = 64 << 30
	const at = 40 << 30
	root, meta := rootPages(t, at, 1)
	p := sparseImage(t, size, map[int64][]byte{at: root, at + 0x1000: meta})
	for _, tc := range []struct {
		name string
		open func() (Source, error)
	}{
		{"raw", func() (Source, error) { return OpenRaw(p, 0) }},
		{"spec", func() (Source, error) { return Open("raw:" + p + "@0x0") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := tc.open()
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var calls int
			var last, total uint64
			start := time.Now()
			sv, err := SurveyWith(context.Background(), src, SurveyOptions{Progress: func(done, tot uint64) {
				if done < last || done > tot {
					t.Errorf("progress went from %d to %d of %d", last, done, tot)
				}
				calls++
				last, total = done, tot
			}})
			took := time.Since(start)
			if err != nil || sv == nil {
				t.Fatalf("Survey: %v, %v", sv, err)
			}
			if c := sv.Candidates[sv.Chosen]; c.Addr != at || !c.HasCount || c.KexecCount != 1 {
				t.Errorf("chose %+v", c.RootRef)
			}
			if took > time.Second {
				t.Errorf("the survey of a 64 GiB sparse image took %v: holes are not skipped", took)
			}
			if total != size || last != size || calls == 0 || calls > 100 {
				t.Errorf("progress: %d calls, last %d of %d", calls, last, total)
			}
		})
	}
}

func TestScanSparseMatchesPlainScan(t *testing.T) {
	// Roots in data extents separated by holes, one of them unaligned and
	// crossing a page boundary: a scan that skips the holes finds what a
	// scan reading every byte finds.
	const mib = 1 << 20
	r1, m1 := rootPages(t, 3*mib, 1)
	r2, _ := rootPages(t, 20*mib+0x3c8, 2)
	pages := map[int64][]byte{3 * mib: r1, 3*mib + 0x1000: m1, 20*mib + 0x3c8: r2}
	p := sparseImage(t, 48*mib, pages)
	r, err := OpenRaw(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img := phys.NewImage()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	img.Add(0, data)
	for _, tc := range []struct {
		opts  ScanOptions
		roots int
	}{{ScanOptions{}, 1}, {ScanOptions{Unaligned: true}, 2}, {ScanOptions{MaxBytes: 10 * mib}, 1}} {
		opts := tc.opts
		got, gerr := Scan(context.Background(), r, opts)
		want, werr := Scan(context.Background(), img, opts)
		if len(got) != tc.roots || len(got) != len(want) || (gerr == nil) != (werr == nil) {
			t.Errorf("%+v: sparse scan %v (%v), plain %v (%v)", opts, got, gerr, want, werr)
			continue
		}
		for i := range got {
			if got[i].Addr != want[i].Addr {
				t.Errorf("%+v: root %d at 0x%x, plain scan 0x%x", opts, i, got[i].Addr, want[i].Addr)
			}
		}
	}
}

func TestScanProgressWithoutHoles(t *testing.T) {
	img := phys.NewImage()
	img.Add(0x100000, make([]byte, 3<<20))
	img.Add(0x800000, make([]byte, 0x1000))
	var dones []uint64
	_, err := Scan(context.Background(), img, ScanOptions{Progress: func(done, total uint64) {
		if total != 3<<20+0x1000 {
			t.Errorf("total %d", total)
		}
		dones = append(dones, done)
	}})
	if err != nil || len(dones) != 4 || dones[3] != 3<<20+0x1000 {
		t.Errorf("progress %v, %v", dones, err)
	}
}

func TestBaseHintSparse(t *testing.T) {
	// The root's pointers fall outside the image at base 0; the blob they
	// name sits at a page 30 GiB into a 64 GiB sparse image: the hint
	// finds the base without reading the holes.
	const at = 30 << 30
	p := sparseImage(t, 64<<30, map[int64][]byte{at: luoSer()})
	r, err := OpenRaw(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const ptr = 0x1_0000_0000 + at
	start := time.Now()
	base, ok := r.BaseHint([]uint64{ptr}, func(m phys.Memory) bool {
		b, err := phys.Read(m, ptr, 5, "LUO")
		return err == nil && string(b) == "luo-v"
	})
	if !ok || base != 0x1_0000_0000 || time.Since(start) > 2*time.Second {
		t.Errorf("BaseHint = 0x%x, %v after %v", base, ok, time.Since(start))
	}
	if !strings.Contains(r.BaseHintNote(base), "raw:"+p+"@0x100000000") {
		t.Errorf("note %q", r.BaseHintNote(base))
	}
}

func TestSurveyCutSparseCore(t *testing.T) {
	// A QEMU-style core whose last segment declares 1 GiB of RAM, cut at
	// 300 MB with the rest of the file a hole: it opens with a warning,
	// and the survey finds the root without reading the hole.
	const at = 0x1000000
	root, meta := rootPages(t, at, 3)
	b := buildCore(t, []coreSeg{{paddr: at, data: root}, {paddr: at + 0x1000, data: meta}, {paddr: 0x400000000, data: make([]byte, 16)}})
	last := 64 + 2*56 // the third program header
	binary.LittleEndian.PutUint64(b[last+32:], 1<<30)
	binary.LittleEndian.PutUint64(b[last+40:], 1<<30)
	segOff := binary.LittleEndian.Uint64(b[last+8:])
	p := filepath.Join(t.TempDir(), "cut.core")
	writeFile(t, p, b)
	if err := os.Truncate(p, 300<<20); err != nil {
		t.Fatal(err)
	}
	src, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	missing := sizeText(1<<30 - (300<<20 - segOff))
	want := p + " is truncated: " + missing + " of " + sizeText(1<<30+uint64(len(root)+len(meta))) + " of memory segments are missing (file ends at byte 314572800)"
	if w := Warnings(src); len(w) != 1 || w[0] != want {
		t.Errorf("warnings %q, want %q", w, want)
	}
	start := time.Now()
	sv, err := Survey(context.Background(), src)
	if err != nil || sv == nil || sv.Candidates[sv.Chosen].Addr != at || sv.Candidates[sv.Chosen].KexecCount != 3 {
		t.Fatalf("Survey: %+v, %v", sv, err)
	}
	if took := time.Since(start); took > time.Second && holesReported(t, p, 200<<20) {
		t.Errorf("the survey took %v: holes are not skipped", took)
	}
}

// holesReported reports whether the file system says that off, a hole of
// the file at path, is one.
func holesReported(t *testing.T, path string, off int64) bool {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return newHoleFinder(f).dataFrom(off) != off
}
