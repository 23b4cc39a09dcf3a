package fdt

import (
	"errors"
	"testing"
)

func TestHeaderSniffing(t *testing.T) {
	w := NewSeqWriter(0)
	w.FinishReserveMap()
	w.BeginNode("")
	w.EndNode()
	blob, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !HasMagic(blob) || HasMagic(blob[:3]) || HasMagic([]byte("luo-v5")) {
		t.Error("HasMagic")
	}
	for n, want := range map[int]bool{0: false, 1: true, 3: true, 4: true, 40: true} {
		if got := HasMagicPrefix(blob[:n]); got != want {
			t.Errorf("HasMagicPrefix of %d bytes = %v, want %v", n, got, want)
		}
	}
	if HasMagicPrefix([]byte{0xd0, 0x0e}) {
		t.Error("HasMagicPrefix accepts a wrong second byte")
	}
	if got, ok := TotalSize(blob); !ok || int(got) != len(blob) {
		t.Errorf("TotalSize = %d, %v; want %d", got, ok, len(blob))
	}
	if _, ok := TotalSize(blob[:7]); ok {
		t.Error("TotalSize of 7 bytes")
	}
	h, err := ParseHeader(blob)
	if err != nil || h.TotalSize != uint32(len(blob)) || h.OffMemRsvmap != SeqReserveOffset || h.Version != LastVersion {
		t.Errorf("ParseHeader = %+v, %v", h, err)
	}
	if _, err := ParseHeader(blob[:MinHeaderSize-1]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short header: %v", err)
	}
	bad := append([]byte{0}, blob[1:]...)
	if _, err := ParseHeader(bad); !errors.Is(err, ErrBadMagic) {
		t.Errorf("bad magic: %v", err)
	}
}
