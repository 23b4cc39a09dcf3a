package main

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

const pageSize = 4096

// filePlan is one memfd the guest preserves.
type filePlan struct {
	token uint64
	size  int64
	// pages lists the pages written; the rest are holes. nil writes every
	// page.
	pages []int64
	pos   int64
	seals int
	// huge makes the memfd with shmem THP forced on (order-9 folios).
	huge bool
}

// sessionPlan is one session and its files.
type sessionPlan struct {
	name  string
	files []filePlan
}

// Tokens the plan uses on purpose: one just above 2^53 (JSON readers that
// go through float64 round it) and one with the top bit set.
const (
	tokenAbove53 = 1<<53 + 1
	tokenHigh    = 0xdeadbeefcafe0003
)

// plan is the whole state: 54 sessions (two session blocks of 51), one
// with 70 files (two file blocks of 63), an empty one, one whose name has
// 63 bytes, and memfds of every shape 7.2 writes: empty, a few pages,
// several MiB, holes, a non-zero position, seals, transparent huge pages.
func plan() []sessionPlan {
	vm := sessionPlan{name: "vm-ram", files: []filePlan{
		{token: tokenAbove53, size: 6 << 20},
		{token: tokenHigh, size: 3 * pageSize},
		{token: 0x10, size: 0},
		{token: 0x11, size: 64 << 10, pages: []int64{0, 5, 15}},
		{token: 0x12, size: 5*pageSize + 100, pos: 12345},
		{token: 0x13, size: 2 * pageSize, seals: unix.F_SEAL_SHRINK | unix.F_SEAL_GROW},
		{token: 0x14, size: pageSize, seals: unix.F_SEAL_SEAL | unix.F_SEAL_WRITE | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW},
		{token: 0x15, size: 4 << 20, huge: true},
		{token: 0x16, size: 6 << 20, huge: true, pages: []int64{0, 600, 1023, 1024}},
	}}
	big := sessionPlan{name: "many-files"}
	for i := range 70 {
		big.files = append(big.files, filePlan{token: 0x1000 + uint64(i), size: pageSize})
	}
	sessions := []sessionPlan{vm, big, {name: "empty"}}
	long := "long-" + strings.Repeat("n", 63-len("long-"))
	sessions = append(sessions, sessionPlan{name: long, files: []filePlan{{token: 0x2000, size: 2 * pageSize, pos: 1}}})
	for i := range 50 {
		sessions = append(sessions, sessionPlan{
			name:  fmt.Sprintf("guest-%02d", i),
			files: []filePlan{{token: 0x3000 + uint64(i), size: int64(1+i%3) * pageSize}},
		})
	}
	return sessions
}

// fill writes the deterministic contents of page p of the file with the
// given token into buf.
func fill(buf []byte, token uint64, p int64) {
	x := token*0x9e3779b97f4a7c15 ^ uint64(p+1)*0xbf58476d1ce4e5b9
	for i := 0; i+8 <= len(buf); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for k := range 8 {
			buf[i+k] = byte(x >> (8 * k))
		}
	}
}
