package phys

import (
	"bytes"
	"errors"
	"testing"
)

func TestImageReads(t *testing.T) {
	m := NewImage()
	if err := m.Add(0x1000, bytes.Repeat([]byte{1}, 0x1000)); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(0x2000, bytes.Repeat([]byte{2}, 0x1000)); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(0x2800, []byte{9}); err == nil {
		t.Fatal("overlap accepted")
	}
	if err := m.Add(^uint64(0)-1, []byte{1, 2, 3}); err == nil {
		t.Fatal("wrap accepted")
	}
	tests := []struct {
		addr, n uint64
		ok      bool
	}{
		{0x1000, 0x2000, true},
		{0x1ffc, 8, true},
		{0xfff, 2, false},
		{0x2fff, 2, false},
		{0x5000, 1, false},
		{^uint64(0) - 2, 8, false},
	}
	for _, tc := range tests {
		if got := Holds(m, tc.addr, tc.n); got != tc.ok {
			t.Errorf("Holds(%#x, %d) = %v", tc.addr, tc.n, got)
		}
		b, err := Read(m, tc.addr, tc.n, "x")
		if tc.ok != (err == nil) {
			t.Errorf("Read(%#x, %d): %v", tc.addr, tc.n, err)
		}
		if err != nil && !errors.Is(err, ErrUnresolved) {
			t.Errorf("Read error %v is not ErrUnresolved", err)
		}
		if err == nil && uint64(len(b)) != tc.n {
			t.Errorf("Read returned %d bytes", len(b))
		}
	}
	b, _ := Read(m, 0x1ffe, 4, "x")
	if !bytes.Equal(b, []byte{1, 1, 2, 2}) {
		t.Errorf("cross-segment read = %v", b)
	}
	p := make([]byte, 8)
	if n, err := m.ReadAt(p, 0x2ffc); n != 4 || !errors.Is(err, ErrUnresolved) {
		t.Errorf("short ReadAt = %d, %v", n, err)
	}
}

func TestErrorFormat(t *testing.T) {
	e := Errorf(ErrCycle, "LUO/sessions[3].files[7].data", 0x1000, 0x10, "next points back to 0x%x", 0x800)
	want := "LUO/sessions[3].files[7].data: pointer cycle at PA 0x1000 (+0x10): next points back to 0x800"
	if e.Error() != want || !errors.Is(e, ErrCycle) {
		t.Errorf("got %q", e.Error())
	}
}

func TestAllocator(t *testing.T) {
	m := NewImage()
	m.Add(0x3000, make([]byte, 0x1000))
	a := NewAllocator(m, 0x1001)
	p1, b1 := a.Alloc(0)
	p2, _ := a.Alloc(1)
	p3, _ := a.AllocUnpreserved(0)
	if p1 != 0x2000 || p2 != 0x4000 || p3 != 0x6000 || len(b1) != PageSize {
		t.Fatalf("addresses %#x %#x %#x", p1, p2, p3)
	}
	if len(a.Preserved) != 2 || a.Preserved[1] != (Block{0x4000, 1}) || a.Preserved[1].Size() != 0x2000 {
		t.Fatalf("preserved = %v", a.Preserved)
	}
	b1[0] = 7
	if v, _ := Read(m, p1, 1, "x"); v[0] != 7 {
		t.Error("allocation is not the image's memory")
	}
}

func TestMerge(t *testing.T) {
	got := Merge([]Range{{0x3000, 0x1000}, {0x1000, 0x1000}, {0x2000, 0x800}, {0x2400, 0x100}, {0x8000, 0}})
	want := []Range{{0x1000, 0x1800}, {0x3000, 0x1000}, {0x8000, 0}}
	if len(got) != len(want) {
		t.Fatalf("Merge = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Merge = %v, want %v", got, want)
		}
	}
}

func TestRecorder(t *testing.T) {
	m := NewImage()
	m.Add(0x1000, make([]byte, 0x3000))
	r := NewRecorder(m)
	if _, err := Read(r, 0x1010, 8, "x"); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 0x10)
	r.ReadAt(p, 0x2ff8)
	r.ReadAt(p, 0x9000) // not held: nothing recorded
	got := r.Pages()
	if len(got) != 1 || got[0] != (Range{0x1000, 0x3000}) {
		t.Fatalf("Pages = %v", got)
	}
}
