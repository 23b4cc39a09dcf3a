package testutil

import "testing"

var sink []byte

func TestAllocated(t *testing.T) {
	if n := Allocated(func() {}); n > 64<<10 {
		t.Errorf("an empty function allocated %d bytes", n)
	}
	n := Allocated(func() { sink = make([]byte, 1<<20) })
	if n < 1<<20 || n > 2<<20 {
		t.Errorf("a 1 MiB slice allocated %d bytes", n)
	}
	sink = nil
}

func TestAllocBound(t *testing.T) {
	if AllocBound(0) != 1<<20 || AllocBound(4096) != 16*4096+1<<20 {
		t.Errorf("AllocBound(0) = %d, AllocBound(4096) = %d", AllocBound(0), AllocBound(4096))
	}
}
