package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// countingMemory records the largest single read and the bytes read.
type countingMemory struct {
	phys.Memory
	maxRead, total int
}

func (c *countingMemory) ReadAt(p []byte, addr uint64) (int, error) {
	c.maxRead = max(c.maxRead, len(p))
	c.total += len(p)
	return c.Memory.ReadAt(p, addr)
}

func TestScanSparseImage(t *testing.T) {
	const size = 64 << 20
	const base = 0x100000000
	path := filepath.Join(t.TempDir(), "mem.raw")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	memblock := smallFDT(t, "memblock-v1", 0)
	luo := luoSer()
	scratch := kho.EncodeScratch([]kho.Scratch{{Addr: 0x200000000, Size: 0x4000000}})
	const rootOff, luoOff, mbOff, decoyOff, unalignedOff, scratchOff = 0x2345000, 0x2346000, 0x2347000, 0x1000000, 0x3000008, 0x2348000
	root, page := khoRoot(t, "K3",
		kho.Subtree{Name: "LUO", Addr: base + luoOff, Size: uint64(len(luo))},
		kho.Subtree{Name: "memblock", Addr: base + mbOff, Size: uint64(len(memblock))},
		kho.Subtree{Name: "gone", Addr: 0x10, Size: 8}) // outside the image
	v1, _ := khoRoot(t, "K1a")
	for off, b := range map[int64][]byte{
		rootOff: page, luoOff: luo, mbOff: memblock, scratchOff: scratch,
		decoyOff:          smallFDT(t, "luo-v1", 0),       // FDT, but not a KHO root
		decoyOff + 0x1000: {0xd0, 0x0d, 0xfe, 0xed, 0xff}, // magic with garbage
		unalignedOff:      v1,
	} {
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	r, err := OpenRaw(path, base)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	cm := &countingMemory{Memory: r}
	var refs []RootRef
	alloc := testutil.Allocated(func() { refs, err = Scan(context.Background(), cm, ScanOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0].Addr != base+rootOff || refs[0].Compatible != "kho-v3" {
		t.Fatalf("refs %+v", refs)
	}
	if cm.maxRead > chunkSize {
		t.Errorf("largest read %d bytes, chunk is %d", cm.maxRead, chunkSize)
	}
	if alloc > 8<<20 {
		t.Errorf("scan allocated %d bytes for a %d-byte image", alloc, size)
	}

	// Unaligned: both roots, the page-aligned one first.
	refs, err = Scan(context.Background(), r, ScanOptions{Unaligned: true})
	if err != nil || len(refs) != 2 || refs[0].Addr != base+rootOff || refs[1].Addr != base+unalignedOff || refs[1].Compatible != "kho-v1" {
		t.Fatalf("unaligned refs %+v, %v", refs, err)
	}
	// Bounded.
	refs, err = Scan(context.Background(), r, ScanOptions{MaxBytes: 4 << 20})
	if !errors.Is(err, phys.ErrLimit) || len(refs) != 0 {
		t.Errorf("bounded scan: %v, %v", refs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, r, ScanOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: %v", err)
	}

	// From the root to the blobs.
	ref := RootRef{Addr: base + rootOff, Size: 4096, ScratchAddr: base + scratchOff, ScratchSize: uint64(len(scratch)), Via: "test"}
	b, err := BlobsFromMemory(r, ref, SideIn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Root, root) || b.RootAddr != base+rootOff || b.Side != SideIn || !strings.Contains(b.Origin, "via test") {
		t.Errorf("blobs %+v", b)
	}
	if got, _ := b.Sub("LUO"); !bytes.Equal(got, luo) {
		t.Errorf("LUO %x", got)
	}
	if got, _ := b.Sub("memblock"); !bytes.Equal(got, memblock) {
		t.Errorf("memblock %x", got)
	}
	if len(b.Scratch) != 1 || b.Scratch[0].Addr != 0x200000000 {
		t.Errorf("scratch %v", b.Scratch)
	}
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], `client "gone"`) {
		t.Errorf("warnings %v", b.Warnings)
	}
	if _, err := BlobsFromMemory(r, RootRef{Addr: base + decoyOff}, ""); err == nil {
		t.Error("a non-KHO FDT was taken as a root")
	}
	if _, err := BlobsFromMemory(r, RootRef{Addr: 0x1000}, ""); !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("root outside memory: %v", err)
	}
}

func TestFromSetupData(t *testing.T) {
	dir := t.TempDir()
	d := kho.KhoData{FDTAddr: 0x1234000, FDTSize: 4096, ScratchAddr: 0x5678000, ScratchSize: 32}
	writeFile(t, filepath.Join(dir, "0", "type"), []byte("0x1\n"))
	writeFile(t, filepath.Join(dir, "0", "data"), []byte("not kho"))
	writeFile(t, filepath.Join(dir, "1", "type"), []byte("0xa\n"))
	writeFile(t, filepath.Join(dir, "1", "data"), d.Encode())
	refs, err := FromSetupData(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := RootRef{Addr: 0x1234000, Size: 4096, ScratchAddr: 0x5678000, ScratchSize: 32, Via: "setup_data/1 (type 10)"}
	if len(refs) != 1 || refs[0] != want {
		t.Errorf("refs %+v", refs)
	}
	writeFile(t, filepath.Join(dir, "2", "type"), []byte("10\n"))
	writeFile(t, filepath.Join(dir, "2", "data"), d.Encode()[:20])
	if _, err := FromSetupData(dir); err == nil || !strings.Contains(err.Error(), "setup_data/2") {
		t.Errorf("short payload: %v", err)
	}
	if _, err := FromSetupData(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "not x86") {
		t.Errorf("missing: %v", err)
	}
}

func be(cells ...uint32) []byte {
	var b []byte
	for _, c := range cells {
		b = binary.BigEndian.AppendUint32(b, c)
	}
	return b
}

func TestFromDeviceTree(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
		want  *RootRef
		err   string
	}{
		{"2+2 cells", map[string][]byte{
			"#address-cells": be(2), "#size-cells": be(2),
			"chosen/linux,kho-fdt":     be(0x1, 0x2000000, 0, 0x1000),
			"chosen/linux,kho-scratch": be(0, 0x3000000, 0, 0x40),
		}, &RootRef{Addr: 0x102000000, Size: 0x1000, ScratchAddr: 0x3000000, ScratchSize: 0x40}, ""},
		{"2+1 cells", map[string][]byte{
			"#address-cells": be(2), "#size-cells": be(1),
			"chosen/linux,kho-fdt": be(0, 0x2000000, 0x1000),
		}, &RootRef{Addr: 0x2000000, Size: 0x1000}, ""},
		{"inferred 1+1", map[string][]byte{
			"chosen/linux,kho-fdt": be(0x2000000, 0x1000),
		}, &RootRef{Addr: 0x2000000, Size: 0x1000}, ""},
		{"no kho", map[string][]byte{"chosen/bootargs": []byte("x\x00")}, nil, ""},
		{"bad length", map[string][]byte{
			"#address-cells": be(2), "#size-cells": be(2),
			"chosen/linux,kho-fdt": be(1, 2, 3),
		}, nil, "do not hold 2 address and 2 size cells"},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		for p, b := range tc.files {
			writeFile(t, filepath.Join(dir, p), b)
		}
		ref, err := FromDeviceTree(dir)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if (ref == nil) != (tc.want == nil) || (ref != nil && (ref.Addr != tc.want.Addr || ref.Size != tc.want.Size ||
			ref.ScratchAddr != tc.want.ScratchAddr || ref.ScratchSize != tc.want.ScratchSize)) {
			t.Errorf("%s: %+v, want %+v", tc.name, ref, tc.want)
		}
	}
	if _, err := FromDeviceTree(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "no device tree") {
		t.Errorf("missing: %v", err)
	}
}

func TestFromFDT(t *testing.T) {
	w := fdt.NewSeqWriter(4096)
	w.FinishReserveMap()
	w.BeginNode("")
	w.PropertyU32BE("#address-cells", 2)
	w.PropertyU32BE("#size-cells", 2)
	w.BeginNode("chosen")
	w.Property("linux,kho-fdt", be(0, 0x4000000, 0, 0x1000))
	w.Property("linux,kho-scratch", be(0, 0x5000000, 0, 0x20))
	w.EndNode()
	w.EndNode()
	blob, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := FromFDT(blob)
	if err != nil || ref == nil || ref.Addr != 0x4000000 || ref.Size != 0x1000 || ref.ScratchAddr != 0x5000000 || ref.ScratchSize != 0x20 {
		t.Errorf("ref %+v, %v", ref, err)
	}
	if _, err := FromFDT([]byte("junk")); err == nil {
		t.Error("junk accepted")
	}
}
