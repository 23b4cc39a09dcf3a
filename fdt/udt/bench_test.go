//go:build unix

package udt

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/u-root/u-root/pkg/dt"
)

// benchBlob builds the tree of fdt's BenchmarkParseWalk: n nodes under the
// root, each with a compatible string and three u64 properties.
func benchBlob(tb testing.TB, n int) []byte {
	tb.Helper()
	w := fdt.NewSeqWriter(0)
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

type benchCase struct {
	name string
	blob []byte
}

// benchBlobs returns the blobs compared with u-root (and, through
// scripts/bench.sh, with libfdt): the bundled KHO root and the generated
// trees. With LUOINSPECT_BENCH_FDT_DIR set it also writes each one there
// as NAME.dtb, so the C harness reads the very same bytes.
func benchBlobs(tb testing.TB) []benchCase {
	root, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fdt", "kho-v1-root.dtb"))
	if err != nil {
		tb.Fatal(err)
	}
	cases := []benchCase{{"kho-root", root}}
	for _, n := range []int{10, 1000} {
		cases = append(cases, benchCase{fmt.Sprintf("nodes=%d", n), benchBlob(tb, n)})
	}
	if dir := os.Getenv("LUOINSPECT_BENCH_FDT_DIR"); dir != "" {
		for _, c := range cases {
			if err := os.WriteFile(filepath.Join(dir, c.name+".dtb"), c.blob, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return cases
}

// BenchmarkParseWalk parses each blob with fdt.Parse (which checks it as
// strictly as fdt_check_full) and visits every node and property.
func BenchmarkParseWalk(b *testing.B) {
	for _, c := range benchBlobs(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.blob)))
			b.ReportAllocs()
			c0 := cpuNow()
			for b.Loop() {
				t, err := fdt.Parse(c.blob)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for node := range t.Nodes() {
					for _, p := range node.Properties() {
						n += len(p.Value) + len(p.Name)
					}
				}
				if n == 0 {
					b.Fatal("empty walk")
				}
			}
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkURootReadFDT is the same work with u-root v0.16.0: dt.ReadFDT
// on the same bytes, then a walk over every node and property.
func BenchmarkURootReadFDT(b *testing.B) {
	for _, c := range benchBlobs(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.blob)))
			b.ReportAllocs()
			c0 := cpuNow()
			for b.Loop() {
				f, err := dt.ReadFDT(bytes.NewReader(c.blob))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				err = f.RootNode.Walk(func(node *dt.Node) error {
					for _, p := range node.Properties {
						n += len(p.Value) + len(p.Name)
					}
					return nil
				})
				if err != nil || n == 0 {
					b.Fatal(err, "empty walk")
				}
			}
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuNow returns the CPU time the process has used (user + system), so
// that benchmarks can report cpu-ns/op next to wall time on a loaded
// machine.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
