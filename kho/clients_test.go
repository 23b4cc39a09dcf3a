package kho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

func wantErr(t *testing.T, err error, kind error, path string) {
	t.Helper()
	var pe *phys.Error
	if !errors.As(err, &pe) || !errors.Is(err, kind) || pe.Path != path {
		t.Errorf("error %v, want %v at %s", err, kind, path)
	}
}

func TestMemblock(t *testing.T) {
	// docs/abi/fdt-layout.md §2.4: one region gives 210 bytes, struct 124, strings
	// 22 (size, start, compatible: newest first).
	mb := &Memblock{Regions: []MemblockRegion{{Name: "trace", Start: 0x1_0000_0000, Size: 0x100000}}}
	blob, page, err := mb.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) != 210 || be32(blob, 0x24) != 124 || be32(blob, 0x20) != 22 || len(page) != 4096 {
		t.Fatalf("totalsize %d, struct %d, strings %d", len(blob), be32(blob, 0x24), be32(blob, 0x20))
	}
	if !bytes.HasSuffix(blob, []byte("size\x00start\x00compatible\x00")) {
		t.Errorf("strings %q", blob[be32(blob, 0x0c):])
	}
	for _, regions := range [][]MemblockRegion{nil, mb.Regions, {
		{Name: "a", Compatible: "reserve-mem-v1", Start: 1, Size: 2},
		{Name: "trace_buf", Compatible: "reserve-mem-v1", Start: 0x7f000000, Size: 0x1000000},
	}} {
		in := &Memblock{Compatible: "memblock-v1", Regions: regions}
		for i := range in.Regions {
			in.Regions[i].Compatible = "reserve-mem-v1"
		}
		blob, _, err := in.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMemblock(blob)
		if err != nil {
			t.Fatal(err)
		}
		got.Tree = nil
		if !reflect.DeepEqual(got, in) {
			t.Errorf("round trip: got %+v, want %+v", got, in)
		}
	}

	build := func(rootCompat, regCompat string, start []byte) []byte {
		w := fdt.NewSeqWriter(0)
		w.BeginNode("")
		w.PropertyString("compatible", rootCompat)
		w.BeginNode("r")
		w.PropertyString("compatible", regCompat)
		if start != nil {
			w.Property("start", start)
		}
		w.PropertyU64LE("size", 1)
		w.EndNode()
		w.EndNode()
		b, _ := w.Finish()
		return b
	}
	_, err = DecodeMemblock(build("memblock-v2", "reserve-mem-v1", make([]byte, 8)))
	wantErr(t, err, phys.ErrUnsupported, "memblock.compatible")
	_, err = DecodeMemblock(build("memblock-v1", "reserve-mem-v1", make([]byte, 4)))
	wantErr(t, err, phys.ErrMalformed, "memblock/r.start")
	_, err = DecodeMemblock(build("memblock-v1", "reserve-mem-v1", nil))
	wantErr(t, err, phys.ErrMalformed, "memblock/r.start")
	_, err = DecodeMemblock(build("memblock-v1", "x", make([]byte, 8)))
	wantErr(t, err, phys.ErrUnsupported, "memblock/r.compatible")
	_, err = DecodeMemblock([]byte{1, 2, 3})
	wantErr(t, err, phys.ErrMalformed, "memblock")
}

func TestKexecMetadata(t *testing.T) {
	in := &KexecMetadata{Version: 1, PreviousRelease: "7.1.0-rc3-00042-gdeadbeef", KexecCount: 3}
	b, err := in.Encode()
	if err != nil || len(b) != 73 || KexecMetadataSize != 73 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if binary.LittleEndian.Uint32(b[69:]) != 3 || string(b[4:9]) != "7.1.0" {
		t.Errorf("layout: %x", b)
	}
	got, err := DecodeKexecMetadata(append(b, 0xff)) // longer blobs are fine
	if err != nil || *got != *in {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	if _, err := (&KexecMetadata{PreviousRelease: strings.Repeat("x", 65)}).Encode(); err == nil {
		t.Error("65-character release accepted")
	}
	_, err = DecodeKexecMetadata(b[:3])
	wantErr(t, err, phys.ErrMalformed, "kexec-metadata")
	bad := bytes.Clone(b)
	bad[0] = 2
	_, err = DecodeKexecMetadata(bad)
	wantErr(t, err, phys.ErrUnsupported, "kexec-metadata.version")
	_, err = DecodeKexecMetadata(b[:72])
	wantErr(t, err, phys.ErrMalformed, "kexec-metadata")
	copy(bad, b)
	for i := 4; i < 69; i++ {
		bad[i] = 'x'
	}
	_, err = DecodeKexecMetadata(bad)
	wantErr(t, err, phys.ErrMalformed, "kexec-metadata.previous_release")
}

// khoTestBlob writes the FDT lib/test_kho.c writes, with the given value
// lengths overridable.
func khoTestBlob(compat string, magic uint32, info []byte, withData bool) []byte {
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	w := fdt.NewSeqWriter(0)
	w.BeginNode("")
	w.PropertyString("compatible", compat)
	w.Property("magic", u32(magic))
	if withData {
		w.BeginNode("data")
		w.Property("nr_folios", u32(5))
		w.Property("folios_info", info)
		w.Property("csum", u32(0xabcd))
		w.EndNode()
	}
	w.EndNode()
	b, _ := w.Finish()
	return b
}

func TestKhoTest(t *testing.T) {
	v := Vmalloc{First: 0x123000, TotalPages: 1, Flags: VmallocAlloc}
	info := make([]byte, VmallocDescSize)
	v.Put(info)
	kt, err := DecodeKhoTest(khoTestBlob("kho-test-v1", 0x4b484f21, info, true))
	if err != nil {
		t.Fatal(err)
	}
	if kt.Magic != 0x4b484f21 || kt.NrFolios != 5 || kt.Csum != 0xabcd || kt.FoliosInfo != v || kt.Compatible != "kho-test-v1" {
		t.Errorf("decoded %+v", kt)
	}
	_, err = DecodeKhoTest(khoTestBlob("kho-test-v2", 0x4b484f21, info, true))
	wantErr(t, err, phys.ErrUnsupported, "kho_test.compatible")
	_, err = DecodeKhoTest(khoTestBlob("kho-test-v1", 1, info, true))
	wantErr(t, err, phys.ErrMalformed, "kho_test.magic")
	_, err = DecodeKhoTest(khoTestBlob("kho-test-v1", 0x4b484f21, info[:8], true))
	wantErr(t, err, phys.ErrMalformed, "kho_test/data.folios_info")
	_, err = DecodeKhoTest(khoTestBlob("kho-test-v1", 0x4b484f21, info, false))
	wantErr(t, err, phys.ErrMalformed, "kho_test/data")
}

func TestBootHandoff(t *testing.T) {
	d := KhoData{FDTAddr: 0x116be4000, FDTSize: 4096, ScratchAddr: 0x100000, ScratchSize: 48}
	b := d.Encode()
	if len(b) != 32 || binary.LittleEndian.Uint64(b[16:]) != 0x100000 || SetupKexecKHO != 10 {
		t.Fatalf("layout %x", b)
	}
	if got, err := DecodeKhoData(b); err != nil || got != d {
		t.Errorf("round trip %+v %v", got, err)
	}
	_, err := DecodeKhoData(b[:31])
	wantErr(t, err, phys.ErrMalformed, "boot/kho_data")

	areas := []Scratch{{0x1000000, 0x4000000}, {0x100000000, 0x10000000}, {0x200000000, 0x8000000}}
	sb := EncodeScratch(areas)
	if got, err := DecodeScratch(sb); err != nil || !reflect.DeepEqual(got, areas) {
		t.Errorf("scratch round trip %v %v", got, err)
	}
	_, err = DecodeScratch(sb[:40])
	wantErr(t, err, phys.ErrMalformed, "boot/scratch")

	img := phys.NewImage()
	img.Add(0x100000, sb)
	if got, err := ReadScratch(img, d); err != nil || !reflect.DeepEqual(got, areas) {
		t.Errorf("ReadScratch %v %v", got, err)
	}
	d.ScratchSize = 40
	_, err = ReadScratch(img, d)
	var pe *phys.Error
	if !errors.As(err, &pe) || pe.Addr != 0x100000+32 {
		t.Errorf("partial entry: %v", err)
	}
	d.ScratchSize = 64
	_, err = ReadScratch(img, d)
	wantErr(t, err, phys.ErrUnresolved, "boot/scratch")
}
