package source

import (
	"context"
	"debug/elf"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzSnapshotSeed is a small snapshot with a few blobs and, when
// withRanges, two small adjacent ranges (each starts a page of the file,
// so the seed stays near 8 KiB).
func fuzzSnapshotSeed(t testing.TB, withRanges bool) []byte {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	root, _ := khoRoot(t, "K3", kho.Subtree{Name: "LUO", Addr: 0x2000, Size: 32})
	blobs := &Blobs{Side: SideIn, Origin: "seed", Root: root, RootAddr: 0x1000,
		Subs: []Blob{{Name: "LUO", Data: luoSer()}}, Scratch: []kho.Scratch{{Addr: 0x8000, Size: 0x1000}}}
	var caps []Capture
	if withRanges {
		caps = []Capture{{Addr: 0x1000, Data: pattern(16, 1)}, {Addr: 0x1010, Data: pattern(8, 2)}}
	}
	meta := Metadata{Arch: "x86_64", Source: "seed", Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := WriteSnapshot(context.Background(), path, meta, blobs, caps); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkMemory reads around every range of m and checks the phys.Memory
// contract: bytes inside the ranges read, bytes outside fail with
// phys.ErrUnresolved.
func checkMemory(t *testing.T, m phys.Memory) {
	rs := m.Ranges()
	for i, r := range rs {
		if r.Size == 0 {
			t.Fatalf("range %d %+v is empty", i, r)
		}
		if i > 0 && rs[i-1].End() > r.Start {
			t.Fatalf("ranges %d and %d overlap or are unsorted: %v", i-1, i, rs)
		}
	}
	if len(rs) > 64 {
		rs = rs[:64]
	}
	buf := make([]byte, 64)
	for _, r := range rs {
		n := min(r.Size, uint64(len(buf)))
		if _, err := m.ReadAt(buf[:n], r.Start); err != nil {
			t.Fatalf("read of %d bytes at the start of %+v: %v", n, r, err)
		}
		if _, err := m.ReadAt(buf[:n], r.End()-n); err != nil {
			t.Fatalf("read of %d bytes at the end of %+v: %v", n, r, err)
		}
		if r.End() != math.MaxUint64 && !phys.Holds(m, r.End(), 1) {
			k, err := m.ReadAt(buf[:1], r.End())
			if k != 0 || !errors.Is(err, phys.ErrUnresolved) {
				t.Fatalf("read past %+v = %d, %v", r, k, err)
			}
		}
		if r.Start > 0 && !phys.Holds(m, r.Start-1, 1) {
			if _, err := m.ReadAt(buf[:2], r.Start-1); !errors.Is(err, phys.ErrUnresolved) {
				t.Fatalf("read before %+v: %v", r, err)
			}
		}
	}
	if _, err := m.ReadAt(buf, math.MaxUint64-8); err == nil {
		t.Fatal("read wrapping the address space succeeded")
	}
}

func fuzzFile(t *testing.T, data []byte) string {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzOpenSnapshot(f *testing.F) {
	seed := fuzzSnapshotSeed(f, true)
	f.Add(seed)
	f.Add(seed[:len(seed)-3])
	f.Add(fuzzSnapshotSeed(f, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzFile(t, data)
		boundedAlloc(t, len(data), func() {
			s, err := OpenSnapshot(p)
			if err != nil {
				return
			}
			defer s.Close()
			checkMemory(t, s)
			scanSource(t, s)
			_ = s.Describe()
			if b, err := s.Blobs(); err == nil {
				for _, sub := range b.Subs {
					if got, ok := b.Sub(sub.Name); !ok || len(got) != len(sub.Data) {
						t.Fatalf("Sub(%q) inconsistent", sub.Name)
					}
				}
			} else if !errors.Is(err, ErrNoBlobs) {
				t.Fatalf("Blobs: %v", err)
			}
		})
	})
}

func FuzzELFCore(f *testing.F) {
	f.Add(buildCore(f, []coreSeg{
		{typ: elf.PT_NOTE, data: make([]byte, 12)},
		{paddr: 0x1000, data: pattern(64, 1), memsz: 128},
		{paddr: 0x1040, data: pattern(32, 2)},
		{paddr: 0x1010, vaddr: 0xffffffff81000000, data: pattern(16, 3)},
		{paddr: math.MaxUint64, data: pattern(8, 4)},
	}))
	f.Add(buildCoreWith(f, elf.ELFCLASS32, bigEndian, []coreSeg{{paddr: 0x10, data: pattern(16, 5)}}))
	f.Add(fuzzSnapshotSeed(f, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzFile(t, data)
		boundedAlloc(t, len(data), func() {
			for _, open := range []func() (*Core, error){
				func() (*Core, error) { return OpenCore(p, CoreOptions{}) },
				func() (*Core, error) { return OpenKcore(p) },
			} {
				c, err := open()
				if err != nil {
					continue
				}
				_ = c.Describe()
				_ = c.hasLuoinspectNote()
				if c.kcore {
					// Segments may lie past the end of the file: reads
					// may fail, but only as unresolved.
					for _, r := range c.Ranges() {
						if _, err := c.ReadAt(make([]byte, min(r.Size, 16)), r.Start); err != nil && !errors.Is(err, phys.ErrUnresolved) {
							t.Fatalf("read: %v", err)
						}
					}
				} else {
					// A cut core maps only what the file holds.
					checkMemory(t, c)
					if c.missing > 0 && len(c.Warnings()) == 0 {
						t.Fatalf("missing %d bytes, warnings %q", c.missing, c.Warnings())
					}
				}
				scanSource(t, c)
				c.Close()
			}
			if s, err := Open(p); err == nil {
				_ = Warnings(s)
				s.Close()
			}
		})
	})
}
