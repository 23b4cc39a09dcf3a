package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

var (
	bigEndian       = binary.BigEndian
	errEPERM  error = syscall.EPERM
	errEACCES error = syscall.EACCES
)

// fakeDevMem writes a 2 MiB "physical memory" file; low is what RAM
// below 1 MiB holds.
func fakeDevMem(t *testing.T, low byte) (mem, iomem string) {
	dir := t.TempDir()
	b := make([]byte, 0x200000)
	for i := 0x1000; i < 0xa0000; i++ {
		b[i] = low
	}
	copy(b[0x100000:], pattern(0x100000, 7))
	mem, iomem = filepath.Join(dir, "mem"), filepath.Join(dir, "iomem")
	writeFile(t, mem, b)
	writeFile(t, iomem, []byte(`00000000-00000fff : Reserved
00001000-0009ffff : System RAM
000a0000-000fffff : PCI Bus 0000:00
  000c0000-000c7fff : Video ROM
00100000-001fffff : System RAM
  00100000-0010ffff : Kernel code
fee00000-fee00fff : Local APIC
`))
	return mem, iomem
}

func TestDevMemStrictZeros(t *testing.T) {
	mem, iomem := fakeDevMem(t, 0)
	d, err := OpenDevMem(mem, iomem)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.ZeroFilledLow() || !strings.Contains(d.Describe(), "CONFIG_STRICT_DEVMEM") {
		t.Errorf("zero-filled low memory not detected: %s", d.Describe())
	}
	if r := d.Ranges(); len(r) != 1 || r[0] != (phys.Range{Start: 0x100000, Size: 0x100000}) {
		t.Errorf("ranges %v", r)
	}
	_, err = d.ReadAt(make([]byte, 16), 0x2000)
	if !errors.Is(err, phys.ErrUnresolved) || !strings.Contains(err.Error(), "STRICT_DEVMEM") || !strings.Contains(err.Error(), "/proc/kcore") {
		t.Errorf("low read: %v", err)
	}
	got := make([]byte, 64)
	if _, err := d.ReadAt(got, 0x100000); err != nil || !bytes.Equal(got, pattern(0x100000, 7)[:64]) {
		t.Errorf("high read: %v", err)
	}
	if _, err := d.ReadAt(make([]byte, 32), 0x1ffff0); !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("read past RAM: %v", err)
	}
}

func TestDevMemNormal(t *testing.T) {
	mem, iomem := fakeDevMem(t, 0x5a)
	d, err := OpenDevMem(mem, iomem)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.ZeroFilledLow() {
		t.Error("zeros detected in non-zero memory")
	}
	if len(d.Ranges()) != 2 {
		t.Errorf("ranges %v", d.Ranges())
	}
	got := make([]byte, 16)
	if _, err := d.ReadAt(got, 0x2000); err != nil || got[0] != 0x5a {
		t.Errorf("low read: %v %x", err, got)
	}
	// Not System RAM: refused without touching the device.
	if _, err := d.ReadAt(got, 0xa0000); !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("ROM read: %v", err)
	}
}

func TestDevMemUnknownRanges(t *testing.T) {
	mem, _ := fakeDevMem(t, 0x5a)
	iomem := filepath.Join(t.TempDir(), "iomem")
	writeFile(t, iomem, []byte("00000000-00000000 : System RAM\n"))
	d, err := OpenDevMem(mem, iomem)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Ranges() != nil || !strings.Contains(d.Describe(), "not root") {
		t.Errorf("ranges %v, %s", d.Ranges(), d.Describe())
	}
	if _, err := d.ReadAt(make([]byte, 16), 0x100000); err != nil {
		t.Errorf("read: %v", err)
	}
	if _, err := d.ReadAt(make([]byte, 16), 0x1ffff8); !errors.Is(err, phys.ErrUnresolved) {
		t.Errorf("read past the end: %v", err)
	}
}

func TestDevMemErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenDevMem(filepath.Join(dir, "mem"), "")
	if err == nil || !strings.Contains(err.Error(), "CONFIG_DEVMEM") {
		t.Errorf("missing: %v", err)
	}
	if _, err := OpenDevMem(dir, ""); err == nil || !strings.Contains(err.Error(), "not a memory device") {
		t.Errorf("directory: %v", err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "open", Path: "/dev/mem", Err: errEPERM}, "CAP_SYS_RAWIO"},
		{&os.PathError{Op: "open", Path: "/dev/mem", Err: errEPERM}, "lockdown"},
		{&os.PathError{Op: "open", Path: "/dev/mem", Err: errEACCES}, "run as root"},
	} {
		if got := devmemOpenError("/dev/mem", tc.err); !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%v: %v", tc.err, got)
		}
	}
	e := strictDevmemError("/dev/mem", 0x100000, syscall.EPERM)
	if !errors.Is(e, phys.ErrUnresolved) || !errors.Is(e, syscall.EPERM) || !strings.Contains(e.Error(), "CONFIG_STRICT_DEVMEM") {
		t.Errorf("strict error: %v", e)
	}
}
