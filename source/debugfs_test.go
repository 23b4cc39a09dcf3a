package source

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// debugfsTree writes a kho debugfs tree: files maps paths under dir to
// contents.
func debugfsTree(t *testing.T, files map[string][]byte) string {
	dir := filepath.Join(t.TempDir(), "kho")
	for p, b := range files {
		writeFile(t, filepath.Join(dir, p), b)
	}
	return dir
}

func TestDebugfs(t *testing.T) {
	memblock := smallFDT(t, "memblock-v1", 3)
	luoFDT := smallFDT(t, "luo-v1", 40)
	v1Root, v1Page := khoRoot(t, "K1a", kho.Subtree{Name: "memblock", Addr: 0x10000}, kho.Subtree{Name: "LUO", Addr: 0x20000})
	v3Root, v3Page := khoRoot(t, "K3", kho.Subtree{Name: "memblock", Addr: 0x10000, Size: uint64(len(memblock))},
		kho.Subtree{Name: "LUO", Addr: 0x20000, Size: 32}, kho.Subtree{Name: "kexec-metadata", Addr: 0x30000, Size: 73})
	longLUO := append(luoSer(), bytes.Repeat([]byte{0xee}, 100)...) // view longer than blob-size
	tests := []struct {
		name      string
		files     map[string][]byte
		dir, side string
		wantSide  string
		root      []byte
		subs      map[string][]byte
		scratch   []kho.Scratch
		warnings  []string
	}{
		{
			name: "kho-v1 out, finalized (page-sized views)",
			files: map[string][]byte{
				"out/finalize":          []byte("1\n"),
				"out/fdt":               v1Page, // view longer than totalsize
				"out/sub_fdts/memblock": append(bytes.Clone(memblock), make([]byte, 100)...),
				"out/sub_fdts/LUO":      luoFDT,
				"out/scratch_phys":      []byte("0x100000000\n0x200000000\n"),
				"out/scratch_len":       []byte("0x4000000\n0x2000000\n"),
			},
			wantSide: SideOut, root: v1Root,
			subs:    map[string][]byte{"memblock": memblock, "LUO": luoFDT},
			scratch: []kho.Scratch{{Addr: 0x100000000, Size: 0x4000000}, {Addr: 0x200000000, Size: 0x2000000}},
		},
		{
			name: "kho-v1 in, truncated LUO view",
			files: map[string][]byte{
				"in/fdt":               v1Root,
				"in/sub_fdts/memblock": memblock,
				"in/sub_fdts/LUO":      luoFDT[:len(luoFDT)-8],
				"out/scratch_phys":     []byte("0x1000\n"),
				"out/scratch_len":      []byte("0x1000\n"),
			},
			wantSide: SideIn, root: v1Root,
			subs:     map[string][]byte{"memblock": memblock, "LUO": luoFDT[:len(luoFDT)-8]},
			warnings: []string{"sub_fdts/LUO: truncated view"},
		},
		{
			name: "kho-v3 in, blob-size sizing, out/fdt absent",
			files: map[string][]byte{
				"in/fdt":                     v3Page,
				"in/sub_fdts/memblock":       memblock,
				"in/sub_fdts/LUO":            longLUO,
				"in/sub_fdts/kexec-metadata": bytes.Repeat([]byte{1}, 73),
				"out/scratch_phys":           []byte("0x5000\n"),
				"out/scratch_len":            []byte("0x1000\n"),
			},
			wantSide: SideIn, root: v3Root,
			subs: map[string][]byte{"memblock": memblock, "LUO": luoSer(), "kexec-metadata": bytes.Repeat([]byte{1}, 73)},
		},
		{
			name: "kho-v3 out side forced, no fdt on a KHO-booted kernel",
			files: map[string][]byte{
				"in/fdt":           v3Root,
				"out/scratch_phys": []byte("0x5000\n"),
				"out/scratch_len":  []byte("0x1000\n"),
			},
			side: SideOut, wantSide: SideOut,
			subs:     map[string][]byte{},
			scratch:  []kho.Scratch{{Addr: 0x5000, Size: 0x1000}},
			warnings: []string{"out/fdt is absent: normal"},
		},
		{
			name: "side directory given directly, missing client",
			files: map[string][]byte{
				"in/fdt":               v3Root,
				"in/sub_fdts/memblock": memblock,
			},
			dir: "in", wantSide: SideIn, root: v3Root,
			subs:     map[string][]byte{"memblock": memblock},
			warnings: []string{`client "LUO" but sub_fdts/LUO is missing`, `client "kexec-metadata"`},
		},
		{
			name: "mismatched scratch files",
			files: map[string][]byte{
				"out/fdt":          v1Root,
				"out/scratch_phys": []byte("0x5000\n0x6000\n"),
				"out/scratch_len":  []byte("0x1000\n"),
			},
			wantSide: SideOut, root: v1Root, subs: map[string][]byte{},
			warnings: []string{"scratch_phys has 2 lines but scratch_len 1", `client "memblock"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := debugfsTree(t, tc.files)
			if tc.dir != "" {
				dir = filepath.Join(dir, tc.dir)
			}
			d, err := OpenDebugfs(dir, tc.side)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			b, err := d.Blobs()
			if err != nil {
				t.Fatal(err)
			}
			if b.Side != tc.wantSide || d.Side() != tc.wantSide {
				t.Errorf("side %q, want %q", b.Side, tc.wantSide)
			}
			if !bytes.Equal(b.Root, tc.root) {
				t.Errorf("root is %d bytes, want %d", len(b.Root), len(tc.root))
			}
			if b.RootAddr != phys.NoAddr {
				t.Errorf("root addr %#x", b.RootAddr)
			}
			if len(b.Subs) != len(tc.subs) {
				t.Errorf("subs %d, want %d", len(b.Subs), len(tc.subs))
			}
			for name, want := range tc.subs {
				if got, ok := b.Sub(name); !ok || !bytes.Equal(got, want) {
					t.Errorf("sub %s: %d bytes, want %d", name, len(got), len(want))
				}
			}
			if tc.scratch != nil && !equalScratch(b.Scratch, tc.scratch) {
				t.Errorf("scratch %v, want %v", b.Scratch, tc.scratch)
			}
			all := strings.Join(b.Warnings, "\n")
			for _, w := range tc.warnings {
				if !strings.Contains(all, w) {
					t.Errorf("warnings lack %q:\n%s", w, all)
				}
			}
			if len(tc.warnings) == 0 && len(b.Warnings) > 0 {
				t.Errorf("unexpected warnings:\n%s", all)
			}
			if _, err := d.ReadAt(make([]byte, 1), 0); !errors.Is(err, phys.ErrUnresolved) {
				t.Errorf("memory read: %v", err)
			}
			if len(d.Ranges()) != 0 {
				t.Error("debugfs has ranges")
			}
		})
	}
}

func equalScratch(a, b []kho.Scratch) bool {
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

func TestDebugfsErrors(t *testing.T) {
	tmp := t.TempDir()
	mounts := filepath.Join(tmp, "mounts")
	writeFile(t, mounts, []byte("debugfs "+filepath.Join(tmp, "mounted")+" debugfs rw 0 0\n"))
	old := mountsPath
	mountsPath = mounts
	defer func() { mountsPath = old }()
	os.Mkdir(filepath.Join(tmp, "mounted"), 0o755)
	onlyOut := debugfsTree(t, map[string][]byte{"out/fdt": smallFDT(t, "kho-v1", 0)})
	tests := []struct {
		dir, side, want string
	}{
		{filepath.Join(tmp, "unmounted", "kho"), "", "no debugfs is mounted"},
		{filepath.Join(tmp, "mounted", "kho"), "", "CONFIG_KEXEC_HANDOVER_DEBUGFS"},
		{filepath.Join(tmp, "elsewhere"), "", "no such directory"},
		{mounts, "", "not a directory"},
		{tmp, "", "not a kho debugfs directory"},
		{onlyOut, SideIn, "not booted by a KHO kexec"},
		{onlyOut, "sideways", "want"},
	}
	for _, tc := range tests {
		_, err := OpenDebugfs(tc.dir, tc.side)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenDebugfs(%s, %q) = %v, want %q", tc.dir, tc.side, err, tc.want)
		}
	}
	if err := explainDebugfs("/x", os.ErrPermission); !strings.Contains(err.Error(), "needs root") {
		t.Errorf("permission: %v", err)
	}
}
