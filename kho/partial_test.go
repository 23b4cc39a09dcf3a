package kho

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// checkProblems fails unless every leaf of err's errors.Join tree is a
// *phys.Error and every one that is not about unresolved memory names
// the check it failed.
func checkProblems(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			checkProblems(t, e)
		}
		return
	}
	pe, ok := err.(*phys.Error)
	if !ok {
		t.Fatalf("problem %v (%T) is not a *phys.Error", err, err)
	}
	if pe.Check == "" && !errors.Is(pe, phys.ErrUnresolved) {
		t.Fatalf("problem %v carries no check", pe)
	}
}

// hasCheck reports whether err holds a problem of check c at path.
func hasCheck(err error, c phys.Check, path string) bool {
	for _, pe := range phys.Flatten(err, "") {
		if pe.Check == c && (path == "" || pe.Path == path) {
			return true
		}
	}
	return false
}

// client is a hand-written client node: properties in order.
type client struct {
	name  string
	props [][2]string
}

// handRoot writes a root in sequential-write mode; compat nil leaves the
// compatible out, mapValue nil the preserved-memory-map property.
func handRoot(t *testing.T, compat []string, mapValue []byte, clients ...client) []byte {
	t.Helper()
	w := fdt.NewSeqWriter(0)
	w.BeginNode("")
	if compat != nil {
		w.PropertyStrings("compatible", compat...)
	}
	if mapValue != nil {
		w.Property("preserved-memory-map", mapValue)
	}
	for _, c := range clients {
		w.BeginNode(c.name)
		for _, p := range c.props {
			w.Property(p[0], []byte(p[1]))
		}
		w.EndNode()
	}
	w.EndNode()
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func le64(v uint64) string { return string(binary.LittleEndian.AppendUint64(nil, v)) }

// wantClient is what a decoded client must hold.
type wantClient struct {
	addr, size uint64
	hasSize    bool
	check      phys.Check // of its Err; "" for none
}

// TestDecodeRootKeepsGoing: a root with one problem still yields every
// client, and the problem with its check.
func TestDecodeRootKeepsGoing(t *testing.T) {
	encoded := func(tag abi.Tag) []byte {
		r := mustRoot(t, tag, "memblock", "LUO", "kexec-metadata")
		// The last client added carries a long property name, the last
		// string of the strings block: cutting the blob's tail by 40
		// bytes loses that name only.
		r.Subtrees[2].Extra = []Prop{{"x-" + strings.Repeat("n", 60), []byte{1}}}
		blob, _ := encodeRoot(t, r)
		return blob
	}
	encodedClients := map[string]wantClient{
		"memblock":       {0x200000, 0x100, true, ""},
		"LUO":            {0x201000, 0x101, true, ""},
		"kexec-metadata": {0x202000, 0x102, true, ""},
	}
	m8 := []byte(le64(sampleMap))
	good := func(name string, addr, size uint64) client {
		return client{name, [][2]string{{"preserved-data", le64(addr)}, {"blob-size", le64(size)}}}
	}
	handClients := func(luo wantClient) map[string]wantClient {
		return map[string]wantClient{"memblock": {0x3000, 0x30, true, ""}, "LUO": luo, "kexec-metadata": {0x5000, 0x50, true, ""}}
	}

	tests := []struct {
		name    string
		blob    []byte
		check   phys.Check
		path    string
		mapAddr uint64
		clients map[string]wantClient
	}{
		{
			name: "bad magic", check: CheckRootFDT, path: RootPath, mapAddr: sampleMap, clients: encodedClients,
			blob: func() []byte { b := encoded("K3"); b[0] = 0; return b }(),
		},
		{
			name: "blob 40 bytes shorter than totalsize", check: CheckRootFDT, path: RootPath, mapAddr: sampleMap, clients: encodedClients,
			blob: func() []byte { b := encoded("K4"); return b[:len(b)-40] }(),
		},
		{
			name: "totalsize 40 bytes short of the blocks", check: CheckRootFDT, path: RootPath, mapAddr: sampleMap, clients: encodedClients,
			blob: func() []byte {
				b := encoded("K3")
				binary.BigEndian.PutUint32(b[4:], uint32(len(b)-40))
				return b
			}(),
		},
		{
			name: "4-byte preserved-data", check: CheckClientPointer, path: "KHO/LUO.preserved-data", mapAddr: sampleMap,
			blob: handRoot(t, []string{"kho-v3"}, m8, good("memblock", 0x3000, 0x30),
				client{"LUO", [][2]string{{"preserved-data", "1234"}, {"blob-size", le64(0x40)}}},
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0, 0x40, true, CheckClientPointer}),
		},
		{
			name: "no preserved-data", check: CheckClientPointer, path: "KHO/LUO.preserved-data", mapAddr: sampleMap,
			blob: handRoot(t, []string{"kho-v4"}, m8, good("memblock", 0x3000, 0x30),
				client{"LUO", [][2]string{{"blob-size", le64(0x40)}}},
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0, 0x40, true, CheckClientPointer}),
		},
		{
			name: "kho-v3 client without blob-size", check: CheckClientSize, path: "KHO/LUO.blob-size", mapAddr: sampleMap,
			blob: handRoot(t, []string{"kho-v3"}, m8, good("memblock", 0x3000, 0x30),
				client{"LUO", [][2]string{{"preserved-data", le64(0x4000)}}},
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0x4000, 0, false, CheckClientSize}),
		},
		{
			name: "kho-v4 client without blob-size", check: CheckClientSize, path: "KHO/LUO.blob-size", mapAddr: sampleMap,
			blob: handRoot(t, []string{"kho-v4"}, m8, good("memblock", 0x3000, 0x30),
				client{"LUO", [][2]string{{"preserved-data", le64(0x4000)}}},
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0x4000, 0, false, CheckClientSize}),
		},
		{
			name: "kho-v4 9-byte blob-size", check: CheckClientSize, path: "KHO/LUO.blob-size", mapAddr: sampleMap,
			blob: handRoot(t, []string{"kho-v4"}, m8, good("memblock", 0x3000, 0x30),
				client{"LUO", [][2]string{{"preserved-data", le64(0x4000)}, {"blob-size", le64(1) + "x"}}},
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0x4000, 0, false, CheckClientSize}),
		},
		{
			name: "no memory map", check: CheckMemoryMapProp, path: "KHO.preserved-memory-map", mapAddr: 0,
			blob: handRoot(t, []string{"kho-v3"}, nil, good("memblock", 0x3000, 0x30), good("LUO", 0x4000, 0x40),
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0x4000, 0x40, true, ""}),
		},
		{
			name: "7-byte memory map", check: CheckMemoryMapProp, path: "KHO.preserved-memory-map", mapAddr: 0,
			blob: handRoot(t, []string{"kho-v3"}, m8[:7], good("memblock", 0x3000, 0x30), good("LUO", 0x4000, 0x40),
				good("kexec-metadata", 0x5000, 0x50)),
			clients: handClients(wantClient{0x4000, 0x40, true, ""}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeRoot(tc.blob)
			if err == nil {
				t.Fatal("no problem reported")
			}
			checkProblems(t, err)
			if r == nil {
				t.Fatalf("no root (%v)", err)
			}
			if first := phys.Flatten(err, "")[0]; first.Check != tc.check || first.Path != tc.path {
				t.Errorf("first problem %v (check %q), want %q at %s", first, first.Check, tc.check, tc.path)
			}
			if r.MemoryMap != tc.mapAddr {
				t.Errorf("memory map 0x%x, want 0x%x", r.MemoryMap, tc.mapAddr)
			}
			if len(r.Subtrees) != len(tc.clients) {
				t.Fatalf("%d clients, want %d", len(r.Subtrees), len(tc.clients))
			}
			for name, want := range tc.clients {
				s, ok := r.Subtree(name)
				if !ok {
					t.Fatalf("client %s missing", name)
				}
				if s.Addr != want.addr || s.Size != want.size || s.HasSize != want.hasSize {
					t.Errorf("client %s: %+v, want %+v", name, *s, want)
				}
				var got phys.Check
				if s.Err != nil {
					got = s.Err.Check
					if !hasCheck(err, got, s.Err.Path) {
						t.Errorf("client %s: Err %v is not in the returned error", name, s.Err)
					}
				}
				if got != want.check {
					t.Errorf("client %s: Err %v, want check %q", name, s.Err, want.check)
				}
			}
		})
	}
}

// TestDecodeRootNothing: a nil Root only when nothing can be read.
func TestDecodeRootNothing(t *testing.T) {
	for name, blob := range map[string][]byte{
		"empty":        nil,
		"short header": make([]byte, fdt.MinHeaderSize-1),
		"no root node": make([]byte, 4096),
		"not an FDT":   []byte("hello world, this is not an FDT at all!!!!"),
		"header only":  encodeRootBytes(t)[:0x38],
	} {
		r, err := DecodeRoot(blob)
		if r != nil || err == nil {
			t.Errorf("%s: root %v, error %v", name, r != nil, err)
		}
		checkProblems(t, err)
		if !hasCheck(err, CheckRootFDT, RootPath) {
			t.Errorf("%s: %v has no %s problem", name, err, CheckRootFDT)
		}
	}
}

func encodeRootBytes(t *testing.T) []byte {
	blob, _ := encodeRoot(t, mustRoot(t, "K3", "LUO"))
	return blob
}

// TestReadRootPartial: ReadRoot gives every problem, the client's Err
// included, its physical address.
func TestReadRootPartial(t *testing.T) {
	blob := handRoot(t, []string{"kho-v3"}, []byte(le64(sampleMap)),
		client{"LUO", [][2]string{{"preserved-data", "1234"}}},
		client{"memblock", [][2]string{{"preserved-data", le64(0x3000)}, {"blob-size", le64(0x30)}}})
	page := make([]byte, 4096)
	copy(page, blob)
	img := phys.NewImage()
	img.Add(0x5000, page)
	r, err := ReadRoot(img, 0x5000, 4096)
	checkProblems(t, err)
	if r == nil || len(phys.Flatten(err, "")) != 2 {
		t.Fatalf("root %v, problems %v", r != nil, err)
	}
	luo, _ := r.Subtree("LUO")
	mb, _ := r.Subtree("memblock")
	if luo.Err == nil || luo.Err.Addr != 0x5000+uint64(luo.Err.Offset) || mb.Addr != 0x3000 || mb.Err != nil {
		t.Errorf("LUO %+v, memblock %+v", luo, mb)
	}
	for _, pe := range phys.Flatten(err, "") {
		if pe.Addr != 0x5000+uint64(pe.Offset) {
			t.Errorf("problem %v has no PA", pe)
		}
	}
}

// TestRadixKeepsGoing: a radix table that is unresolved, reached twice or
// out of range loses its own branch only.
func TestRadixKeepsGoing(t *testing.T) {
	blocks := []phys.Block{blk(0x1000, 0), blk(0x3000, 0), blk(0x40000000, 9), blk(0x80000000, 18), blk(0x6000, 1)}
	topIndex := func(b phys.Block) int {
		return int(RadixKey(b.Addr, b.Order)>>radixShift(radixTopLevel)) & (radixTable.Count - 1)
	}
	tests := []struct {
		name  string
		entry func(root uint64) uint64 // the new value of the root table entry
		kind  error
		check phys.Check
	}{
		{"outside the memory", func(uint64) uint64 { return 0xdead000 }, phys.ErrUnresolved, ""},
		{"back to the root", func(root uint64) uint64 { return root }, phys.ErrCycle, CheckMemmap},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := phys.NewImage()
			root, err := EncodeMemmapRadix(phys.NewAllocator(img, 0x100000), blocks)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := img.View(root, 4096)
			var used []int
			for i := 0; i < radixTable.Count; i++ {
				if radixTable.Elem(page, i) != 0 {
					used = append(used, i)
				}
			}
			if len(used) < 2 {
				t.Fatalf("the root table uses %v: the test needs two branches", used)
			}
			bad := used[0]
			radixTable.PutElem(page, bad, tc.entry(root))
			mm, err := DecodeMemmapRadix(img, root)
			checkProblems(t, err)
			if mm == nil || !errors.Is(err, tc.kind) {
				t.Fatalf("map %v, error %v, want %v", mm != nil, err, tc.kind)
			}
			pes := phys.Flatten(err, "")
			if len(pes) != 1 || pes[0].Check != tc.check || !strings.HasSuffix(pes[0].Path, "/root.table["+itoa(bad)+"]") {
				t.Errorf("problems %v", err)
			}
			var want []phys.Block
			for _, b := range blocks {
				if topIndex(b) != bad {
					want = append(want, b)
				}
			}
			if len(want) == 0 || len(want) == len(blocks) {
				t.Fatalf("the damaged branch holds %d of %d blocks", len(blocks)-len(want), len(blocks))
			}
			if got := canonical(mm.Blocks()); !slices.Equal(got, canonical(slices.Values(want))) {
				t.Errorf("blocks %v, want %v", got, want)
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestRadixBadBits: a leaf bit without a valid order marker is dropped
// from a copy of the leaf; the other bits stay.
func TestRadixBadBits(t *testing.T) {
	img := phys.NewImage()
	// Key 2 is order 51 at 0; bit 1 of the same leaf (key 1) is invalid.
	root, err := EncodeMemmapRadix(phys.NewAllocator(img, 0x100000), []phys.Block{blk(0, 51)})
	if err != nil {
		t.Fatal(err)
	}
	mm, _ := DecodeMemmapRadix(img, root)
	leaf, _ := img.View(mm.Leaves[0].Addr, 4096)
	leaf[0] |= 1 << 1
	mm, err = DecodeMemmapRadix(img, root)
	checkProblems(t, err)
	if !hasCheck(err, CheckMemmap, "") || len(phys.Flatten(err, "")) != 1 {
		t.Fatalf("error %v", err)
	}
	if got := slices.Collect(mm.Blocks()); !slices.Equal(got, []phys.Block{blk(0, 51)}) {
		t.Errorf("blocks %v", got)
	}
	if leaf[0]&2 == 0 {
		t.Error("the decoder changed the source")
	}
}

// TestMemmapV1KeepsGoing: a bitmap pointer of 0 loses that bitmap, a
// chunk with a bad order loses its own blocks, an unresolved bitmap its
// own; the rest of the list is read.
func TestMemmapV1KeepsGoing(t *testing.T) {
	img, pa, chunks := v1Fixture(t)
	all, err := DecodeMemmapV1(img, pa, "K1b")
	if err != nil || len(chunks) != 4 {
		t.Fatalf("%d chunks, %v", len(chunks), err)
	}
	put64(chunks[0], entryOff(2)+v1PtrBitmap.Offset, 0)
	put64(chunks[1], entryOff(3)+v1PtrBitmap.Offset, 0xdead000)
	v1ChunkOrder.PutUint(chunks[2], 70)
	mm, err := DecodeMemmapV1(img, pa, "K1b")
	checkProblems(t, err)
	if mm == nil || len(mm.Chunks) != 4 {
		t.Fatalf("map %v, error %v", mm, err)
	}
	pes := phys.Flatten(err, "")
	if len(pes) != 3 || !errors.Is(err, phys.ErrUnresolved) ||
		!hasCheck(err, CheckMemmap, MemmapPath+"/chunk[0].bitmap[2]") || !hasCheck(err, CheckMemmap, MemmapPath+"/chunk[2].order") {
		t.Fatalf("problems %v", err)
	}
	var want []phys.Block
	for i, c := range all.Chunks {
		for j, b := range c.Bitmaps {
			if i == 0 && j == 2 || i == 1 && j == 3 || i == 2 {
				continue
			}
			for bit := range setBits(b.Bits) {
				want = append(want, phys.Block{Addr: b.PhysStart + bit<<(uint(c.Order)+12), Order: uint(c.Order)})
			}
		}
	}
	if got := slices.Collect(mm.Blocks()); len(want) != 32-8-2 || !slices.Equal(got, want) {
		t.Errorf("blocks %v, want %v", got, want)
	}
}

// TestProblemsCap: past maxProblems the rest is one counted ErrLimit
// problem with the decoder's check.
func TestProblemsCap(t *testing.T) {
	p := &problems{path: MemmapPath, check: CheckMemmap}
	for range maxProblems + 5 {
		p.add(phys.Errorf(phys.ErrMalformed, MemmapPath, phys.NoAddr, -1, "x").With(CheckMemmap))
	}
	pes := phys.Flatten(p.err(), "")
	last := pes[len(pes)-1]
	if len(pes) != maxProblems+1 || !errors.Is(last, phys.ErrLimit) || last.Check != CheckMemmap || !strings.Contains(last.Msg, "5 more") {
		t.Errorf("%d problems, last %v", len(pes), last)
	}
}

// TestChecksOfChains: the chain readers name their checks.
func TestChecksOfChains(t *testing.T) {
	img := phys.NewImage()
	a := phys.NewAllocator(img, advBase)
	head, err := EncodeBlocks(a, 3*BlockCapacity(8), 8, func(int, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	page, _ := img.View(head, 4096)
	blockCount.PutUint(page, 0)
	if _, err := ReadBlocks(img, head, 8, "x"); !hasCheck(err, CheckBlockCount, "x.block[0].count") {
		t.Errorf("count 0: %v", err)
	}
	blockCount.PutUint(page, 1)
	blockNext.PutUint(page, head)
	if blocks, err := ReadBlocks(img, head, 8, "x"); !hasCheck(err, CheckBlockChain, "") || len(blocks) != 1 {
		t.Errorf("cycle: %d blocks, %v", len(blocks), err)
	}
	v := Vmalloc{First: advBase, TotalPages: 1, Order: 60}
	if area, err := ReadVmalloc(img, v, "v"); area == nil || !hasCheck(err, CheckVmallocOrder, "v.order") {
		t.Errorf("order 60: %v", err)
	}
	if _, err := DecodeVmalloc(nil, "v"); !hasCheck(err, CheckVmalloc, "v") {
		t.Errorf("short descriptor: %v", err)
	}
	if _, err := DecodeKexecMetadata([]byte{1}); !hasCheck(err, CheckKexecMetadata, "") {
		t.Errorf("kexec-metadata: %v", err)
	}
	if _, err := DecodeMemblock(nil); !hasCheck(err, CheckMemblock, "") {
		t.Errorf("memblock: %v", err)
	}
	if _, err := DecodeKhoTest(nil); !hasCheck(err, CheckKhoTest, "") {
		t.Errorf("kho_test: %v", err)
	}
	if _, err := DecodeScratch(make([]byte, 17)); !hasCheck(err, CheckBootHandoff, "") {
		t.Errorf("scratch: %v", err)
	}
}
