package fdt

import (
	"fmt"
	"testing"
)

// benchBlob builds a tree shaped like a large handover state: n nodes
// under the root, each with a compatible string and three u64 properties.
func benchBlob(tb testing.TB, n int) []byte {
	tb.Helper()
	w := NewSeqWriter(0)
	w.BeginNode("")
	w.PropertyString("compatible", "kho-v4")
	w.PropertyU64LE("preserved-memory-map", 0x116be4000)
	for i := 0; i < n; i++ {
		w.BeginNode(fmt.Sprintf("session-%d", i))
		w.PropertyString("compatible", "memfd-v2")
		w.PropertyU64LE("preserved-data", uint64(i)<<12)
		w.PropertyU64LE("blob-size", 4096)
		w.PropertyU64LE("token", uint64(i))
		w.EndNode()
	}
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// walk visits every node and property the way a consumer does.
func walk(t *Tree) (n int) {
	for node := range t.Nodes() {
		for _, p := range node.Properties() {
			n += len(p.Value) + len(p.Name)
		}
	}
	return n
}

func BenchmarkParseWalk(b *testing.B) {
	for _, n := range []int{10, 1000} {
		blob := benchBlob(b, n)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(blob)))
			for b.Loop() {
				t, err := Parse(blob)
				if err != nil {
					b.Fatal(err)
				}
				walk(t)
			}
		})
	}
}

func BenchmarkSeqWriter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchBlob(b, 100)
	}
}

func BenchmarkEncode(b *testing.B) {
	t, err := Parse(benchBlob(b, 1000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(t.Data)))
	for b.Loop() {
		if _, err := t.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEditorAddSubtree(b *testing.B) {
	root := khoRoot(b)
	for b.Loop() {
		e, err := OpenInto(root, 4096)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{"memblock", "LUO", "kexec-metadata"} {
			e.Reopen()
			e.AddSubnode("/", name)
			e.SetPropU64LE("/"+name, "preserved-data", 0x1000)
			e.SetPropU64LE("/"+name, "blob-size", 0x1000)
			e.Pack()
		}
	}
}
