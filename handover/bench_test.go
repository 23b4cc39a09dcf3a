//go:build unix

package handover

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchFolios is the folio count of the large benchmark state: 2^20 (a
// 4 GiB memfd) by default, LUOINSPECT_BENCH_FOLIOS to change it
// (scripts/bench.sh sets 16777216, a 64 GiB guest).
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

// largeSpec is a state shaped like a busy host: one memfd of the given
// number of order-0 folios plus 64 sessions of four 1 MiB memfds and one
// other file each.
func largeSpec(folios uint64) *Spec {
	s := &Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", LiveupdateNumber: 3}
	s.Sessions = append(s.Sessions, SessionSpec{Name: "guest", Files: []FileSpec{
		{Token: 1, Memfd: &MemfdSpec{Size: folios << 12}},
	}})
	for i := range 64 {
		ss := SessionSpec{Name: fmt.Sprintf("vm%d", i)}
		for j := range 4 {
			ss.Files = append(ss.Files, FileSpec{Token: uint64(j + 1), Memfd: &MemfdSpec{Size: 1 << 20}})
		}
		ss.Files = append(ss.Files, FileSpec{Token: 9, Handler: "iommufd-v1", Data: 0})
		s.Sessions = append(s.Sessions, ss)
	}
	return s
}

func BenchmarkEncodeSample(b *testing.B) {
	for _, name := range SampleNames() {
		spec, err := Sample(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuNow()
			for b.Loop() {
				if _, err := Encode(spec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkEncodeLarge encodes the large state (the folio pages reserved,
// not placed) and reports folios/s.
func BenchmarkEncodeLarge(b *testing.B) {
	n := benchFolios(b)
	spec := largeSpec(n)
	b.ReportAllocs()
	c0 := cpuNow()
	for b.Loop() {
		if _, err := Encode(spec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "folios/s")
}

func BenchmarkWalkSample(b *testing.B) {
	for _, name := range SampleNames() {
		spec, err := Sample(name)
		if err != nil {
			b.Fatal(err)
		}
		enc, err := Encode(spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuNow()
			for b.Loop() {
				if _, err := Walk(enc.Root, enc.Image, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkWalkLarge walks the large state: root, preserved-memory map
// (indexed for lookups), LUO and every memfd descriptor; folio records
// are streamed by validate, not by the walk.
func BenchmarkWalkLarge(b *testing.B) {
	n := benchFolios(b)
	enc, err := Encode(largeSpec(n))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	c0 := cpuNow()
	for b.Loop() {
		st, err := Walk(enc.Root, enc.Image, Options{})
		if err != nil || len(st.Problems) != 0 {
			b.Fatal(err, st.Problems)
		}
	}
	b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "folios/s")
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
