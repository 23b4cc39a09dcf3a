package source

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Allocation budget of one fuzzed open: a multiple of the input plus a
// constant that covers a scan's 1 MiB chunk buffer, a 1 MiB piece of
// program headers read from a file of unknown size, and small structures.
const (
	fuzzAllocPerByte = 64
	fuzzAllocConst   = 16 << 20
	// fuzzScanBytes bounds the memory a fuzzed scan covers: a core may
	// map the same file bytes at many addresses.
	fuzzScanBytes = 16 << 20
)

// boundedAlloc runs f and fails when it allocated more than the budget
// for n bytes of input.
func boundedAlloc(t *testing.T, n int, f func()) {
	t.Helper()
	if a, max := testutil.Allocated(f), uint64(fuzzAllocPerByte*n+fuzzAllocConst); a > max {
		t.Fatalf("%d bytes of input made %d bytes of allocations, more than %d", n, a, max)
	}
}

// scanSource runs a bounded survey over src and checks its progress.
func scanSource(t *testing.T, src phys.Memory) {
	var last uint64
	_, _ = Scan(context.Background(), src, ScanOptions{Unaligned: true, MaxBytes: fuzzScanBytes, Limit: 4,
		Progress: func(done, total uint64) {
			if done < last || done > total {
				t.Fatalf("progress %d after %d of %d", done, last, total)
			}
			last = done
		}})
}

func FuzzOpenRaw(f *testing.F) {
	root, meta := rootPages(f, 0x1000, 1)
	img := make([]byte, 0x3000)
	copy(img, root)
	copy(img[0x1000:], meta)
	f.Add(img)
	f.Add(make([]byte, 4096))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzFile(t, data)
		bases := []uint64{0, 0x100000000, math.MaxUint64 - uint64(len(data))/2}
		boundedAlloc(t, len(data), func() {
			for _, base := range bases {
				r, err := OpenRaw(p, base)
				if err != nil {
					continue
				}
				checkMemory(t, r)
				scanSource(t, r)
				if sv, err := SurveyWith(context.Background(), r, SurveyOptions{}); err == nil && sv != nil {
					_ = sv.Describe()
				}
				if len(data) >= 8 {
					ptr := binary.LittleEndian.Uint64(data) &^ (phys.PageSize - 1)
					r.BaseHint([]uint64{ptr}, func(m phys.Memory) bool {
						_, err := phys.Read(m, ptr, 4, "probe")
						return err == nil
					})
				}
				r.Close()
			}
		})
	})
}

// debugfsFiles are the files a fuzzed debugfs directory may hold.
var debugfsFiles = []string{
	"in/fdt", "out/fdt", "in/sub_fdts/LUO", "in/sub_fdts/memblock", "in/scratch_phys", "in/scratch_len",
	"out/sub_fdts/kexec-metadata", "out/scratch_phys",
}

// debugfsDir lays out a kho debugfs directory from fuzzed bytes: records
// of a file selector byte, a 2-byte little-endian length and the file's
// bytes (cut to what is left). It returns the memory the rest of data
// (after the records, when a 0xff selector ends them) makes.
func debugfsDir(t testing.TB, dir string, data []byte) []byte {
	for len(data) >= 3 {
		sel := data[0]
		if sel == 0xff {
			return data[1:]
		}
		n := min(int(binary.LittleEndian.Uint16(data[1:])), len(data)-3)
		writeFile(t, filepath.Join(dir, debugfsFiles[int(sel)%len(debugfsFiles)]), data[3:3+n])
		data = data[3+n:]
	}
	return nil
}

// debugfsRecord is one record of debugfsDir's format.
func debugfsRecord(file string, b []byte) []byte {
	i := slices.Index(debugfsFiles, file)
	return append(binary.LittleEndian.AppendUint16([]byte{byte(i)}, uint16(len(b))), b...)
}

func FuzzOpenDebugfs(f *testing.F) {
	root, page := khoRoot(f, "K3", kho.Subtree{Name: "LUO", Addr: 0x2000, Size: 32})
	f.Add(slices.Concat(debugfsRecord("in/fdt", root), debugfsRecord("in/sub_fdts/LUO", luoSer()),
		debugfsRecord("in/scratch_phys", []byte("0x8000\n")), debugfsRecord("in/scratch_len", []byte("0x1000\n"))))
	f.Add(slices.Concat(debugfsRecord("out/fdt", root[:60]), []byte{0xff}, page))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := filepath.Join(t.TempDir(), "kho")
		os.MkdirAll(dir, 0o755)
		mem := debugfsDir(t, dir, data)
		img := phys.NewImage()
		if len(mem) > 0 {
			img.Add(0x1000, mem)
		}
		boundedAlloc(t, len(data), func() {
			for _, side := range []string{"", SideIn, SideOut} {
				d, err := OpenDebugfs(dir, side)
				if err != nil {
					continue
				}
				d.mem = img
				b, err := d.Blobs()
				if err != nil {
					continue
				}
				if !slices.IsSortedFunc(b.Subs, func(x, y Blob) int { return bytes.Compare([]byte(x.Name), []byte(y.Name)) }) {
					t.Fatalf("subs not sorted: %v", b.Subs)
				}
				for _, s := range b.Subs {
					if len(s.Data) > MaxBlobSize {
						t.Fatalf("sub %s of %d bytes", s.Name, len(s.Data))
					}
				}
				d.Close()
			}
		})
	})
}

func FuzzReadBlob(f *testing.F) {
	root, _ := khoRoot(f, "K1a")
	f.Add(root)
	f.Add(root[:50])
	f.Add(luoSer())
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzFile(t, data)
		boundedAlloc(t, len(data), func() {
			got, err := ReadBlob(p)
			var te *TruncatedError
			switch {
			case err == nil:
				if !fdt.HasMagic(got) || len(got) < fdt.MinHeaderSize || uint32(len(got)) != binary.BigEndian.Uint32(got[4:]) {
					t.Fatalf("ReadBlob gave %d bytes that are no whole FDT", len(got))
				}
			case errors.As(err, &te):
				if te.Have != uint64(len(got)) || te.Have >= te.Want || !bytes.Equal(got, data[:len(got)]) {
					t.Fatalf("%v with %d bytes", err, len(got))
				}
			case got != nil:
				t.Fatalf("%v with %d bytes", err, len(got))
			}
			if !bytes.HasPrefix(data, got) {
				t.Fatal("ReadBlob's bytes are not the file's")
			}
			if b, err := ReadAny(p, 1024); (err == nil) != (len(data) <= 1024) || (err == nil && !bytes.Equal(b, data)) {
				t.Fatalf("ReadAny of %d bytes: %d bytes, %v", len(data), len(b), err)
			}
			if s, err := OpenBlobFile(p); err == nil {
				if _, err := s.Blobs(); err != nil {
					t.Fatal(err)
				}
			}
			if s, err := Open(p); err == nil {
				_ = s.Describe()
				_ = Warnings(s)
				s.Close()
			}
		})
		// A pipe gives what the file gives.
		got, err := ReadBlob(p)
		pgot, perr := ReadBlob(pipePath(t, data))
		if !bytes.Equal(got, pgot) || (err == nil) != (perr == nil) {
			t.Fatalf("file: %d bytes, %v; pipe: %d bytes, %v", len(got), err, len(pgot), perr)
		}
	})
}

// fuzzSeeds are the committed seed corpora: for each target, files named
// seed-* under testdata/fuzz/<target>.
func fuzzSeeds(t *testing.T) map[string]map[string][]byte {
	root, page := khoRoot(t, "K1a")
	core := buildCore(t, []coreSeg{{typ: elf.PT_NOTE, data: make([]byte, 24)}, {paddr: 0x1000, data: page}, {paddr: 0x4000, data: pattern(0x800, 2)}})
	truncated := core[:len(core)-0x400]
	kdump := append([]byte("KDUMP   \x06\x00\x00\x00Linux"), make([]byte, 500)...)
	flat := flatFile(core[:200])
	zeros := make([]byte, 4096)
	rawRoot, rawMeta := rootPages(t, 0x1000, 1)
	raw := make([]byte, 0x3000)
	copy(raw, rawRoot)
	copy(raw[0x1000:], rawMeta)
	snapTrunc := fuzzSnapshotSeed(t, true)
	snapTrunc = snapTrunc[:len(snapTrunc)-5]
	common := map[string][]byte{"seed-truncated-core": truncated, "seed-kdump-header": kdump, "seed-zeros": zeros}
	with := func(extra map[string][]byte) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range common {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	return map[string]map[string][]byte{
		"FuzzELFCore":      with(map[string][]byte{"seed-headers-cut": core[:100], "seed-flattened": flat, "seed-notes-cut": core[:250]}),
		"FuzzOpenSnapshot": with(map[string][]byte{"seed-truncated-ranges": snapTrunc}),
		"FuzzOpenRaw":      with(map[string][]byte{"seed-root-image": raw}),
		"FuzzOpenDebugfs": with(map[string][]byte{
			"seed-v1":              slices.Concat(debugfsRecord("out/fdt", root), debugfsRecord("out/sub_fdts/kexec-metadata", rawMeta)),
			"seed-short-root":      slices.Concat(debugfsRecord("out/fdt", rawRoot[:60]), []byte{0xff}, rawRoot),
			"seed-core-as-root":    debugfsRecord("in/fdt", truncated),
			"seed-kdump-as-client": debugfsRecord("in/sub_fdts/LUO", kdump),
			"seed-bad-scratch":     slices.Concat(debugfsRecord("in/fdt", root), debugfsRecord("in/scratch_phys", []byte("0x1\nzz\n"))),
		}),
		"FuzzReadBlob": with(map[string][]byte{"seed-root": root, "seed-cut-root": root[:len(root)-7], "seed-luo-ser": luoSer(), "seed-flattened": flat}),
	}
}

// TestWriteFuzzSeeds rewrites the seed-* files of testdata/fuzz when
// LUOINSPECT_WRITE_FUZZ_SEEDS=1, and otherwise checks that they are
// there (their bytes follow the encoders, which may change).
func TestWriteFuzzSeeds(t *testing.T) {
	seeds := map[string][]any{}
	for target, files := range fuzzSeeds(t) {
		for name, data := range files {
			seeds[target+"/"+name] = []any{data}
		}
	}
	testutil.WriteSeeds(t, "LUOINSPECT_WRITE_FUZZ_SEEDS", testutil.SeedsPresent, seeds)
}
