package cheader

import (
	"testing"
)

// FuzzParseHeader checks that the parser never panics, terminates, and
// returns layouts whose fields lie inside their structs.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte("struct a { u64 x:3; u8 y[ALIGN(5, 8)]; } __packed;"))
	f.Add([]byte("#define A(x) x x\n#define B A(A(A(1)))\nstruct s { char c[B]; };"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ParseHeader("fuzz.h", data)
		for _, s := range r.Structs {
			if s.Size < 0 || s.Align < 1 {
				t.Fatalf("struct %s: size %d align %d", s.Name, s.Size, s.Align)
			}
			for _, fl := range s.Fields {
				if fl.Offset < 0 || fl.Size < 0 {
					t.Fatalf("%s.%s: offset %d size %d", s.Name, fl.Name, fl.Offset, fl.Size)
				}
				if fl.BitSize > 0 && fl.Offset*8+fl.BitOffset+fl.BitSize > s.Size*8 {
					t.Fatalf("%s.%s: bits past the end", s.Name, fl.Name)
				}
				if fl.BitSize == 0 && !s.Union && fl.Offset+fl.Size > s.Size {
					t.Fatalf("%s.%s: field past the end", s.Name, fl.Name)
				}
			}
		}
	})
}
