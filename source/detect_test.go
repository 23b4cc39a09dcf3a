package source

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

// flatFile is the start of a makedumpfile flattened file whose first
// record holds inner.
func flatFile(inner []byte) []byte {
	b := make([]byte, flatRecord)
	copy(b, "makedumpfile")
	binary.BigEndian.PutUint64(b[16:], 1) // type
	binary.BigEndian.PutUint64(b[4096+8:], uint64(len(inner)))
	return append(b, inner...)
}

func TestOpenPathDetects(t *testing.T) {
	dir := t.TempDir()
	root, _ := khoRoot(t, "K1a")
	core := buildCore(t, []coreSeg{{typ: elf.PT_NOTE, data: make([]byte, 12)}, {paddr: 0x1000, data: pattern(0x1000, 1)}})
	snap := filepath.Join(dir, "snap")
	if err := WriteSnapshot(context.Background(), snap, Metadata{Arch: "x86_64"}, nil, []Capture{{Addr: 0x1000, Data: pattern(0x3000, 2)}}); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, b)
		return p
	}
	const kdumpAdvice = "a makedumpfile kdump-compressed dump; luoinspect reads ELF vmcores: capture one with 'makedumpfile -E -d 0 /proc/vmcore FILE'"
	tests := []struct {
		name     string
		path     string
		describe string // substring of Describe, or of the error when err
		err      bool
		not      string // must not appear in the error
	}{
		{"blob file", file("root.dtb", root), "blob file", false, ""},
		{"cut blob file", file("cut.dtb", root[:100]), "blob file", false, ""},
		{"pipe", pipePath(t, root), "blob file /dev/fd/", false, ""},
		{"fifo", fifoPath(t, root), "blob file", false, ""},
		{"core", file("core", core), "ELF core", false, ""},
		{"cut core", file("cut.core", core[:len(core)-0x800]), "truncated: 2 KiB of 4 KiB missing", false, ""},
		{"core cut in its headers", file("tiny.core", core[:100]), "tiny.core: ELF core truncated: program headers end at 176, file is 100 bytes", true, "snapshot"},
		{"snapshot", snap, "snapshot", false, ""},
		{"cut snapshot", file("cut.snap", whole[:len(whole)-100]), "cut.snap: snapshot truncated: segment 1 ends at", true, ""},
		{"kdump-compressed", file("vmcore", append([]byte("KDUMP   \x06\x00\x00\x00Linux"), make([]byte, 4000)...)), "vmcore: " + kdumpAdvice, true, "raw:"},
		{"diskdump", file("diskdump", []byte("DISKDUMP")), "kdump-compressed", true, "raw:"},
		{"flattened", file("flat", flatFile(make([]byte, 64))), "a makedumpfile flattened dump (-F)", true, "raw:"},
		{"flattened ELF", file("flat.elf", flatFile(core)), "rebuild it with 'makedumpfile -R vmcore.elf < " + filepath.Join(dir, "flat.elf") + "'", true, "raw:"},
		{"gzip", file("vmcore.gz", []byte{0x1f, 0x8b, 8, 0}), "a gzip-compressed file; decompress it first", true, "raw:"},
		{"zeros", file("zeros", make([]byte, 8192)), "not a directory, an ELF core or an FDT blob (it starts with 00 00 00 00); for a raw memory image say raw:" + filepath.Join(dir, "zeros") + "@BASE", true, ""},
		{"empty", file("empty", nil), "(it is empty)", true, ""},
		{"/dev/zero", "/dev/zero", "/dev/zero: not an FDT blob: starts with 00 00 00 00, want d0 0d fe ed", true, "raw:"},
		{"ELF on a pipe", pipePath(t, core), "an ELF core on a pipe or device", true, ""},
		{"kdump on a pipe", pipePath(t, []byte("KDUMP   ")), "kdump-compressed", true, "raw:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path)
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), tc.describe) {
					t.Fatalf("err = %v, want %q", err, tc.describe)
				}
				if tc.not != "" && strings.Contains(err.Error(), tc.not) {
					t.Errorf("err = %v mentions %q", err, tc.not)
				}
				onceNamed(t, err, tc.path)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !strings.Contains(s.Describe(), tc.describe) {
				t.Errorf("Describe() = %q, want %q", s.Describe(), tc.describe)
			}
		})
	}
	withStdin(t, root, func() {
		s, err := Open("-")
		if err != nil {
			t.Fatal(err)
		}
		if b, err := s.Blobs(); err != nil || !bytes.Equal(b.Root, root) || s.Describe() != "blob file "+StdinName {
			t.Errorf("stdin: %v, %q", err, s.Describe())
		}
	})
}

func TestOpenCoreForeign(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, data, want string
	}{
		{"vmcore", "KDUMP   \x06", "vmcore: a makedumpfile kdump-compressed dump"},
		{"flat", "makedumpfile\x00\x00\x00\x00", "flat: a makedumpfile flattened dump"},
		{"text", "hello, world", "not an ELF file"},
	} {
		p := filepath.Join(dir, tc.name)
		writeFile(t, p, []byte(tc.data))
		_, err := OpenCore(p, CoreOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			continue
		}
		onceNamed(t, err, p)
	}
}

func TestCutCoreReadsWhatItHolds(t *testing.T) {
	// A core cut inside its second segment: a QEMU dump interrupted by a
	// full disk. The first segment reads; the second reads up to the cut;
	// the rest is unresolved; the warning says how much is missing.
	a, b := pattern(0x2000, 1), pattern(0x3000, 2)
	core := buildCore(t, []coreSeg{{paddr: 0x100000, data: a}, {paddr: 0x200000, data: b}})
	cut := len(core) - 0x1800
	p := filepath.Join(t.TempDir(), "cut.core")
	writeFile(t, p, core[:cut])
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := make([]byte, 0x1800)
	if _, err := s.ReadAt(got, 0x200000); err != nil || !bytes.Equal(got, b[:0x1800]) {
		t.Errorf("the part the file holds: %v", err)
	}
	if n, err := s.ReadAt(make([]byte, 0x100), 0x2017f0); n != 0x10 || !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("across the cut: %d, %v", n, err)
	}
	w := Warnings(s)
	want := p + " is truncated: 6 KiB of 20 KiB of memory segments are missing (file ends at byte " + strconv.Itoa(cut) + ")"
	if len(w) != 1 || w[0] != want {
		t.Errorf("warnings %q, want %q", w, want)
	}
}
