package testutil

import "runtime"

// Allocated returns the bytes f allocates on the heap, freed or not: the
// growth of runtime.MemStats.TotalAlloc across the call. ReadMemStats
// flushes the per-processor caches, so the count is exact without a
// collection first. TotalAlloc counts the whole process, so what other
// goroutines allocate meanwhile (parallel tests) is counted too.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// AllocBound is what a decoder may allocate for an input of n bytes: 16
// bytes a byte plus 1 MiB, a small multiple of what it was given whatever
// sizes the input claims.
func AllocBound(n int) uint64 { return 16*uint64(n) + 1<<20 }
