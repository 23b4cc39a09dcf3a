package source

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

func TestRaw(t *testing.T) {
	data := pattern(0x3000, 9)
	path := filepath.Join(t.TempDir(), "pmem.bin")
	writeFile(t, path, data)
	r, err := OpenRaw(path, 0x100000000)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Ranges(); len(got) != 1 || got[0] != (phys.Range{Start: 0x100000000, Size: 0x3000}) {
		t.Errorf("ranges %v", got)
	}
	tests := []struct {
		addr uint64
		n    int
		ok   bool
	}{
		{0x100000000, 0x3000, true},
		{0x100001ffc, 8, true},
		{0xffffffff, 2, false},
		{0x100002ffc, 8, false},
		{0, 1, false},
	}
	for _, tc := range tests {
		got := make([]byte, tc.n)
		n, err := r.ReadAt(got, tc.addr)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, phys.ErrUnresolved)) {
			t.Errorf("ReadAt(%#x, %d) = %d, %v", tc.addr, tc.n, n, err)
		}
		if tc.ok && !bytes.Equal(got, data[tc.addr-0x100000000:][:tc.n]) {
			t.Errorf("ReadAt(%#x) content", tc.addr)
		}
	}
	if _, err := r.Blobs(); !errors.Is(err, ErrNoBlobs) {
		t.Errorf("Blobs: %v", err)
	}
	if !strings.Contains(r.Describe(), "0x100000000-0x100003000") {
		t.Errorf("Describe %q", r.Describe())
	}
	if _, err := OpenRaw(path, ^uint64(0)-10); err == nil || !strings.Contains(err.Error(), "address space") {
		t.Errorf("wrapping base: %v", err)
	}
	if _, err := OpenRaw(filepath.Join(t.TempDir(), "nope"), 0); err == nil {
		t.Error("missing file opened")
	}
}

func TestBlobFile(t *testing.T) {
	dir := t.TempDir()
	root, page := khoRoot(t, "K1a")
	tests := []struct {
		name     string
		data     []byte
		root     []byte
		sub      []byte
		warnings int
	}{
		{"fdt", page, root, nil, 0},
		{"LUO", luoSer(), nil, luoSer(), 0},
		{"memblock", smallFDT(t, "memblock-v1", 0), nil, smallFDT(t, "memblock-v1", 0), 0},
		{"cut", root[:len(root)-4], nil, root[:len(root)-4], 1},
	}
	for _, tc := range tests {
		p := filepath.Join(dir, tc.name)
		writeFile(t, p, tc.data)
		s, err := OpenBlobFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.Blobs()
		if !bytes.Equal(b.Root, tc.root) {
			t.Errorf("%s: root %d bytes", tc.name, len(b.Root))
		}
		if got, _ := b.Sub(tc.name); !bytes.Equal(got, tc.sub) {
			t.Errorf("%s: sub %d bytes", tc.name, len(got))
		}
		if len(b.Warnings) != tc.warnings {
			t.Errorf("%s: warnings %v", tc.name, b.Warnings)
		}
		s.Close()
	}
}
