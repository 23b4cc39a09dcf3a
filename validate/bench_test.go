//go:build unix

package validate

import (
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// benchFolios is the folio count of the large memfd: 2^20 (4 GiB) by
// default, LUOINSPECT_BENCH_FOLIOS to change it (scripts/bench.sh uses
// 16777216, a 64 GiB guest).
func benchFolios(tb testing.TB) uint64 {
	if s := os.Getenv("LUOINSPECT_BENCH_FOLIOS"); s != "" {
		n, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			tb.Fatalf("LUOINSPECT_BENCH_FOLIOS: %v", err)
		}
		return n
	}
	return 1 << 20
}

// largeState encodes and walks a state with one memfd of n order-0
// folios (their pages preserved, not placed).
func largeState(b *testing.B, n uint64) (*handover.State, *phys.Image, *memfd.File) {
	b.Helper()
	spec := &handover.Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", Sessions: []handover.SessionSpec{
		{Name: "guest", Files: []handover.FileSpec{{Token: 1, Memfd: &handover.MemfdSpec{Size: n << 12}}}},
	}}
	enc, err := handover.Encode(spec)
	if err != nil {
		b.Fatal(err)
	}
	st, err := handover.Walk(enc.Root, enc.Image, handover.Options{})
	files := slices.Collect(st.Files())
	if err != nil || len(st.Problems) != 0 || len(files) != 1 || files[0].Memfd == nil {
		b.Fatal(err, st.Problems)
	}
	return st, enc.Image, files[0].Memfd
}

// BenchmarkCheckLarge validates the large state: every folio record
// streamed, range-checked and looked up in the preserved-memory map
// (REF001/REF002/REF005), on one goroutine. MemcpyBaseline copies the
// same folio-array bytes from the same image into one buffer; Check's
// MB/s over MemcpyBaseline's is the fraction of memory speed reached.
func BenchmarkCheckLarge(b *testing.B) {
	n := benchFolios(b)
	st, img, f := largeState(b, n)
	t, err := f.Table(img)
	if err != nil {
		b.Fatal(err)
	}
	bytes := int64(n * 16)
	b.Run("Check", func(b *testing.B) {
		b.SetBytes(bytes)
		c0 := cpuNow()
		for b.Loop() {
			if r := Check(st, img, Options{}); len(r.Findings) != 0 {
				b.Fatal(r.Findings)
			}
		}
		b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "folios/s")
	})
	b.Run("MemcpyBaseline", func(b *testing.B) {
		var views [][]byte
		for i, pa := range t.Area.Blocks {
			size := min(phys.PageSize, uint64(bytes)-uint64(i)*phys.PageSize)
			v, ok := img.View(pa, size)
			if !ok {
				b.Fatal("folio block not in the image")
			}
			views = append(views, v)
		}
		dst := make([]byte, bytes)
		for off := 0; off < len(dst); off += phys.PageSize {
			dst[off] = 1 // fault the pages in before timing
		}
		b.SetBytes(bytes)
		c0 := cpuNow()
		for b.Loop() {
			off := 0
			for _, v := range views {
				off += copy(dst[off:], v)
			}
		}
		b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "folios/s")
	})
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
