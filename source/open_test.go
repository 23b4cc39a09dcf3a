package source

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

func TestOpenSpecs(t *testing.T) {
	dir := t.TempDir()
	root, _ := khoRoot(t, "K1a")
	kdir := filepath.Join(dir, "kho")
	writeFile(t, filepath.Join(kdir, "in", "fdt"), root)
	writeFile(t, filepath.Join(kdir, "out", "fdt"), root)
	core := filepath.Join(dir, "vmcore")
	writeFile(t, core, buildCore(t, []coreSeg{{paddr: 0x1000, data: pattern(0x100, 1)}}))
	raw := filepath.Join(dir, "pmem@x.bin")
	writeFile(t, raw, pattern(0x100, 2))
	blob := filepath.Join(dir, "root.dtb")
	writeFile(t, blob, root)
	snap := filepath.Join(dir, "snap")
	if err := WriteSnapshot(context.Background(), snap, Metadata{Arch: "x86_64"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk")
	writeFile(t, junk, []byte("hello"))
	tests := []struct {
		spec     string
		describe string // substring of Describe, or of the error when err
		err      bool
	}{
		{"debugfs:" + kdir, "kho/in", false},
		{"debugfs-out:" + kdir, "kho/out", false},
		{"debugfs-in:" + kdir, "kho/in", false},
		{kdir, "kho/in", false},
		{"core:" + core, "ELF core", false},
		{core, "ELF core", false},
		{"kcore:" + core, "kcore", false},
		{"raw:" + raw + "@0x4000", "PA 0x4000-0x4100", false},
		{"raw:" + raw + "@16384", "PA 0x4000-0x4100", false},
		{"snapshot:" + snap, "snapshot", false},
		{snap, "snapshot", false},
		{"blob:" + blob, "blob file", false},
		{blob, "blob file", false},
		{"raw:" + raw, "is not an address", true},
		{"raw:" + junk, "want raw:FILE@BASE", true},
		{"raw:" + raw + "@zz", "is not an address", true},
		{"core:", "want core:FILE", true},
		{"debugfs:", "want debugfs:DIR", true},
		{"live:sideways", "want live", true},
		{junk, "raw:" + junk + "@BASE", true},
		{filepath.Join(dir, "nope"), "not a known spec", true},
		{"snapshot:" + core, "no LUOINSPECT metadata note", true},
	}
	for _, tc := range tests {
		s, err := Open(tc.spec)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), tc.describe) {
				t.Errorf("Open(%q) = %v, want error with %q", tc.spec, err, tc.describe)
			}
			continue
		}
		if err != nil {
			t.Errorf("Open(%q): %v", tc.spec, err)
			continue
		}
		if !strings.Contains(s.Describe(), tc.describe) {
			t.Errorf("Open(%q).Describe() = %q, want %q", tc.spec, s.Describe(), tc.describe)
		}
		s.Close()
	}
}

func TestCombine(t *testing.T) {
	dir := t.TempDir()
	root, _ := khoRoot(t, "K1a")
	writeFile(t, filepath.Join(dir, "kho", "in", "fdt"), root)
	core := filepath.Join(dir, "core")
	writeFile(t, core, buildCore(t, []coreSeg{{paddr: 0x1000, data: pattern(0x100, 1)}}))
	d, err := OpenDebugfs(filepath.Join(dir, "kho"), "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := OpenCore(core, CoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := Combine(c, d)
	defer s.Close()
	b, err := s.Blobs()
	if err != nil || !bytes.Equal(b.Root, root) {
		t.Errorf("blobs: %v", err)
	}
	got := make([]byte, 0x100)
	if _, err := s.ReadAt(got, 0x1000); err != nil || !bytes.Equal(got, pattern(0x100, 1)) {
		t.Errorf("read: %v", err)
	}
	if len(s.Ranges()) != 1 || !strings.Contains(s.Describe(), "debugfs") || !strings.Contains(s.Describe(), "ELF core") {
		t.Errorf("ranges %v describe %q", s.Ranges(), s.Describe())
	}
}

func TestOpenLiveHere(t *testing.T) {
	// Whatever this machine has, OpenLive either works or says why not.
	s, err := OpenLive("")
	if err == nil {
		t.Logf("live: %s", s.Describe())
		s.Close()
		return
	}
	msg := err.Error()
	if !strings.Contains(msg, "live:") || !(strings.Contains(msg, "debugfs") || strings.Contains(msg, "kcore")) {
		t.Errorf("unclear live error: %v", err)
	}
	t.Logf("live: %v", err)
}

func TestLiveHandoff(t *testing.T) {
	dir := t.TempDir()
	const base = 0x10000000
	root, page := khoRoot(t, "K3")
	scratch := kho.EncodeScratch([]kho.Scratch{{Addr: 0x40000000, Size: 0x1000000}})
	img := make([]byte, 0x4000)
	copy(img[0x1000:], page)
	copy(img[0x3000:], scratch)
	rawPath := filepath.Join(dir, "mem")
	writeFile(t, rawPath, img)
	writeFile(t, filepath.Join(dir, "kho", "in", "fdt"), root)
	sd := filepath.Join(dir, "setup_data")
	writeFile(t, filepath.Join(sd, "0", "type"), []byte("0xa\n"))
	writeFile(t, filepath.Join(sd, "0", "data"), kho.KhoData{FDTAddr: base + 0x1000, FDTSize: 4096, ScratchAddr: base + 0x3000, ScratchSize: 16}.Encode())
	bad := filepath.Join(dir, "bad")
	writeFile(t, filepath.Join(bad, "0", "type"), []byte("0xa\n"))
	writeFile(t, filepath.Join(bad, "0", "data"), kho.KhoData{FDTAddr: base + 0x2000, FDTSize: 4096}.Encode())
	for _, tc := range []struct {
		setup    string
		addr     uint64
		scratch  int
		warnings int
	}{
		{sd, base + 0x1000, 1, 0},
		{bad, phys.NoAddr, 0, 1},
		{filepath.Join(dir, "none"), phys.NoAddr, 0, 0},
	} {
		r, err := OpenRaw(rawPath, base)
		if err != nil {
			t.Fatal(err)
		}
		d, err := OpenDebugfs(filepath.Join(dir, "kho"), "")
		if err != nil {
			t.Fatal(err)
		}
		l := &live{combined{r, d}, tc.setup, filepath.Join(dir, "no-dt")}
		b, err := l.Blobs()
		if err != nil {
			t.Fatal(err)
		}
		if b.RootAddr != tc.addr || len(b.Scratch) != tc.scratch || len(b.Warnings) != tc.warnings {
			t.Errorf("%s: root %#x scratch %v warnings %v", tc.setup, b.RootAddr, b.Scratch, b.Warnings)
		}
		l.Close()
	}
}
