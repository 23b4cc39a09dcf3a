package source

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
)

// roViolations collects every file a source opened with a write access
// mode, as /proc/self/fdinfo shows it.
var (
	roMu         sync.Mutex
	roViolations []string
	roChecked    = map[string]bool{}
)

// fdFlags returns the open flags of f from /proc/self/fdinfo.
func fdFlags(f *os.File) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", f.Fd()))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			x, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			return int(x), err
		}
	}
	return 0, fmt.Errorf("no flags line in fdinfo")
}

func TestMain(m *testing.M) {
	openHook = func(f *os.File) {
		flags, err := fdFlags(f)
		roMu.Lock()
		defer roMu.Unlock()
		if err != nil {
			roViolations = append(roViolations, f.Name()+": "+err.Error())
			return
		}
		if flags&syscall.O_ACCMODE != syscall.O_RDONLY {
			roViolations = append(roViolations, fmt.Sprintf("%s: flags %o", f.Name(), flags))
		}
		roChecked[f.Name()] = true
	}
	os.Exit(m.Run())
}

// writeFile writes b to dir/name, creating parents.
func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallFDT returns an FDT whose root compatible is compat, padded by pad
// bytes of properties so sizes differ.
func smallFDT(t testing.TB, compat string, pad int) []byte {
	t.Helper()
	w := fdt.NewSeqWriter(8192)
	w.FinishReserveMap()
	w.BeginNode("")
	w.PropertyString("compatible", compat)
	if pad > 0 {
		w.Property("pad", bytes.Repeat([]byte{0xab}, pad))
	}
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// khoRoot builds a KHO root of tag with clients (name → addr, size).
func khoRoot(t testing.TB, tag string, clients ...kho.Subtree) (blob, page []byte) {
	t.Helper()
	r, err := kho.NewRoot(abi.Tag(tag), 0x7000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		r.AddSubtree(c.Name, c.Addr, c.Size)
	}
	blob, page, err = kho.EncodeRoot(r)
	if err != nil {
		t.Fatal(err)
	}
	return blob, page
}

// luoSer returns a 32-byte raw luo_ser-like blob (luo-v3 era).
func luoSer() []byte {
	b := make([]byte, 32)
	copy(b, "luo-v3")
	binary.LittleEndian.PutUint64(b[8:], 7)
	binary.LittleEndian.PutUint64(b[16:], 0x123000)
	return b
}

func TestReadOnlyOpens(t *testing.T) {
	dir := t.TempDir()
	root, _ := khoRoot(t, "K1a")
	writeFile(t, filepath.Join(dir, "kho", "out", "fdt"), root)
	writeFile(t, filepath.Join(dir, "kho", "out", "sub_fdts", "memblock"), smallFDT(t, "memblock-v1", 0))
	core := buildCore(t, []coreSeg{{paddr: 0x1000, data: bytes.Repeat([]byte{1}, 4096)}})
	corePath := filepath.Join(dir, "core")
	writeFile(t, corePath, core)
	rawPath := filepath.Join(dir, "raw")
	writeFile(t, rawPath, make([]byte, 8192))
	if err := os.Chmod(rawPath, 0o444); err != nil {
		t.Fatal(err)
	}
	memPath := filepath.Join(dir, "mem")
	writeFile(t, memPath, bytes.Repeat([]byte{5}, 0x200000))
	iomem := filepath.Join(dir, "iomem")
	writeFile(t, iomem, []byte("00001000-0009ffff : System RAM\n00100000-001fffff : System RAM\n"))
	snap := filepath.Join(dir, "snap")
	if err := WriteSnapshot(t.Context(), snap, Metadata{Arch: "x86_64"}, nil, []Capture{{Addr: 0x1000, Data: make([]byte, 100)}}); err != nil {
		t.Fatal(err)
	}

	roMu.Lock()
	clear(roChecked)
	roViolations = nil
	roMu.Unlock()
	open := []struct {
		name, path string
		open       func() (Source, error)
	}{
		{"debugfs", filepath.Join(dir, "kho", "out", "fdt"), func() (Source, error) { return OpenDebugfs(filepath.Join(dir, "kho"), "") }},
		{"elf", corePath, func() (Source, error) { return OpenCore(corePath, CoreOptions{}) }},
		{"kcore", corePath, func() (Source, error) { return OpenKcore(corePath) }},
		{"raw", rawPath, func() (Source, error) { return OpenRaw(rawPath, 0x1000) }},
		{"devmem", memPath, func() (Source, error) { return OpenDevMem(memPath, iomem) }},
		{"snapshot", snap, func() (Source, error) { return OpenSnapshot(snap) }},
	}
	for _, tc := range open {
		s, err := tc.open()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := s.Blobs(); err != nil && tc.name == "debugfs" {
			t.Fatal(err)
		}
		s.Close()
		roMu.Lock()
		if !roChecked[tc.path] {
			t.Errorf("%s: %s was not opened through the checked path", tc.name, tc.path)
		}
		roMu.Unlock()
	}
	roMu.Lock()
	defer roMu.Unlock()
	if len(roViolations) > 0 {
		t.Errorf("files opened for writing: %v", roViolations)
	}
}
