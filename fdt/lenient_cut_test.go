package fdt

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// TestLenientStopsAtCut: a property that runs past the structure block is
// the end of what a lenient parse can read; it must not restart at byte 0
// and report the header's magic as an unknown token.
func TestLenientStopsAtCut(t *testing.T) {
	value := bytes.Repeat([]byte{0xab}, 8)
	blob := dtsBuild(t, func(w *SeqWriter) {
		w.FinishReserveMap()
		w.BeginNode("")
		w.Property("a", value)
		w.Property("b", []byte("x\x00"))
		w.EndNode()
	})
	for _, tc := range []struct {
		name string
		cut  func(b []byte) []byte
	}{
		{"value length past the block", func(b []byte) []byte {
			i := bytes.Index(b, value)
			binary.BigEndian.PutUint32(b[i-8:], 0x1000)
			return b
		}},
		{"header past the block", func(b []byte) []byte {
			i := bytes.Index(b, value)
			binary.BigEndian.PutUint32(b[0x24:], uint32(i-4)-binary.BigEndian.Uint32(b[0x08:])) // size_dt_struct
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.cut(bytes.Clone(blob))
			_, errs := ParseLenient(b)
			truncated := false
			for _, e := range errs {
				if strings.Contains(e.Error(), "unknown token") {
					t.Errorf("lenient parse restarted: %v", e)
				}
				truncated = truncated || e.Code == ErrTruncated
			}
			if !truncated {
				t.Errorf("no truncation reported: %v", errs)
			}
		})
	}
}
