package fdt

import (
	"bytes"
	"testing"
)

// FuzzParse checks that no input makes the parsers panic, that every blob
// Parse accepts survives Encode byte for byte (when it has no notices) and
// a read-write open and pack, and that accessors never panic.
func FuzzParse(f *testing.F) {
	f.Add(khoRoot(f))
	f.Add(nested(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		lt, problems := ParseLenient(data)
		for n := range lt.Nodes() {
			if n.i > 64 {
				break // Path is O(depth): all paths of a deep tree are quadratic
			}
			_ = n.Path()
		}
		tr, err := Parse(data)
		if err != nil {
			if len(problems) == 0 {
				t.Fatalf("strict parse failed (%v) but lenient parse found nothing", err)
			}
			return
		}
		if len(problems) != 0 {
			t.Fatalf("lenient parse found %v in a blob strict parse accepts", problems)
		}
		for _, p := range tr.props {
			p.U64LE()
			p.U32BE()
			p.String()
			p.Strings()
			p.IsPrintableStrings()
		}
		out, err := tr.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Notices) == 0 && !bytes.Equal(out, tr.Data) {
			t.Fatalf("Encode differs:\n got % x\nwant % x", out, tr.Data)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("Encode output does not parse: %v", err)
		}
		e, err := OpenInto(data, len(tr.Data)+64)
		if err != nil {
			return // version 16 or older, or no room: libfdt refuses too
		}
		e.Pack()
		if _, err := Parse(e.Blob()); err != nil {
			t.Fatalf("open+pack output does not parse: %v", err)
		}
	})
}

// FuzzSeqWriter drives the sequential writer with an op stream and checks
// that every blob it finishes parses cleanly and encodes back identically.
func FuzzSeqWriter(f *testing.F) {
	f.Add([]byte{0, 1, 'a', 2, 'c', 3, 0, 1, 'b', 2, 'd', 3, 3})
	f.Add([]byte{4, 0, 1, 0, 2, 'x', 2, 'x', 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		w := NewSeqWriter(0)
		names := []string{"", "a", "compatible", "data", "preserved-data", "node@1"}
		for i := 0; i < len(ops); i++ {
			arg := 0
			if i+1 < len(ops) {
				arg = int(ops[i+1])
			}
			switch ops[i] % 5 {
			case 0:
				w.BeginNode(names[arg%len(names)])
				i++
			case 1:
				w.Property(names[arg%len(names)], bytes.Repeat([]byte{byte(arg)}, arg%11))
				i++
			case 2:
				w.PropertyString(names[arg%len(names)], names[(arg/7)%len(names)])
				i++
			case 3:
				w.EndNode()
			case 4:
				w.AddReserve(uint64(arg), uint64(arg)+1)
				i++
			}
		}
		b, err := w.Finish()
		if err != nil {
			return
		}
		tr, err := Parse(b)
		if err != nil {
			if bytes.IndexByte(b[0x40:], 0) >= 0 && err.(*Error).Code == ErrBadStructure {
				return // the ops made two roots or a named root: libfdt writes those too
			}
			t.Fatalf("writer output does not parse: %v\n% x", err, b)
		}
		if len(tr.Notices) != 0 {
			t.Fatalf("writer output has notices: %v", tr.Notices)
		}
		out, _ := tr.Encode()
		if !bytes.Equal(out, b) {
			t.Fatal("Encode differs from writer output")
		}
	})
}
