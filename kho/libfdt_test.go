package kho_test

// Byte-for-byte comparison of the KHO FDT encoders with the real libfdt.
// Each case writes, as an op script for internal/libfdtoracle, the libfdt
// calls the kernel makes (docs/abi/fdt-layout.md §2.1, §3.1;
// docs/abi/kernel-rules.md §8.1; docs/abi/generations.md §2, §3.1) and
// requires EncodeRoot / Memblock.Encode to return libfdt's exact blob and
// its whole one-page buffer.
//
// Needs gcc and libfdt-dev; without them the test skips, unless
// LUOINSPECT_REQUIRE_ORACLES=1.

import (
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	ora "github.com/luoinspect/luoinspect/internal/libfdtoracle"
	"github.com/luoinspect/luoinspect/kho"
)

const (
	khoPageSize = 4096
	khoMapPA    = 0x116be4000 // sample preserved-memory-map value
)

// khoGen is what the kernel of a KHO generation writes into the root.
type khoGen struct {
	tag    abi.Tag
	compat string // the single root compatible string
	ptr    string // client pointer property
	sized  bool   // kho_add_subtree also sets blob-size
}

var khoGens = []khoGen{
	{"K1a", "kho-v1", "fdt", false},
	{"K1b", "kho-v1", "fdt", false},
	{"K2", "kho-v2", "preserved-data", false},
	{"K3", "kho-v3", "preserved-data", true},
	{"K4", "kho-v4", "preserved-data", true},
	{"K-RFC-compat", "kho-v4;radix-v1;vmalloc-v1", "preserved-data", true},
}

type khoClientNode struct {
	name       string
	addr, size uint64
}

var khoClients = []khoClientNode{
	{"memblock", 0x100000000, 210},
	{"LUO", 0x100001000, 311},
	{"kexec-metadata", 0x100002000, 73},
}

// khoKernelRoot is the kernel's call sequence for a root of generation g
// whose clients register in the given order.
//
//   - K1a (6.16, 6.17), kho_finalize: fdt_create(PAGE_SIZE),
//     fdt_finish_reservemap, fdt_begin_node(""), compatible, the
//     preserved-memory-map placeholder (filled in before fdt_finish, so
//     the same bytes as a plain fdt_property), then the notifier chain's
//     kho_add_subtree calls, each fdt_begin_node(name), fdt_property("fdt"),
//     fdt_end_node; then fdt_end_node, fdt_finish.
//   - 6.19-era K1b and later, kho_init: the same sequential-write root
//     without clients (K1b writes preserved-memory-map = 0), then per
//     client kho_add_subtree: fdt_open_into(PAGE_SIZE), fdt_add_subnode,
//     fdt_setprop(pointer), fdt_setprop(blob-size) from K3 on, fdt_pack.
//     K1b's kho_finalize then stores the map address in place
//     (fdt_setprop_inplace; a same-length fdt_setprop changes the same
//     bytes).
func khoKernelRoot(g khoGen, mapPA uint64, clients []khoClientNode) *ora.Script {
	s := ora.NewScript().Create(khoPageSize).FinishRsv().Begin("").PropStr("compatible", g.compat)
	if g.tag == "K1a" {
		s.PropU64LE("preserved-memory-map", mapPA)
		for _, c := range clients {
			s.Begin(c.name).PropU64LE(g.ptr, c.addr).End()
		}
		return s.End().Finish()
	}
	bootMap := mapPA
	if g.tag == "K1b" {
		bootMap = 0
	}
	s.PropU64LE("preserved-memory-map", bootMap).End().Finish()
	for _, c := range clients {
		path := "/" + c.name
		s.OpenInto(khoPageSize).AddSubnode("/", c.name).SetPropU64LE(path, g.ptr, c.addr)
		if g.sized {
			s.SetPropU64LE(path, "blob-size", c.size)
		}
		s.Pack()
	}
	if g.tag == "K1b" {
		s.SetPropU64LE("/", "preserved-memory-map", mapPA)
	}
	return s
}

func TestLibfdtRoot(t *testing.T) {
	o := ora.Get(t)
	n := 0
	for _, g := range khoGens {
		for nc := 0; nc <= len(khoClients); nc++ {
			n++
			t.Run(fmt.Sprintf("%s/%d-clients", g.tag, nc), func(t *testing.T) {
				t.Parallel()
				clients := khoClients[:nc]
				r, err := kho.NewRoot(g.tag, khoMapPA)
				if err != nil {
					t.Fatal(err)
				}
				if r.Compatible != g.compat {
					t.Fatalf("NewRoot(%s) compatible %q, the kernel writes %q", g.tag, r.Compatible, g.compat)
				}
				for _, c := range clients {
					r.AddSubtree(c.name, c.addr, c.size)
				}
				blob, page, err := kho.EncodeRoot(r)
				if err != nil {
					t.Fatal(err)
				}
				res := o.MustRun(t, khoKernelRoot(g, khoMapPA, clients).String())
				ora.Compare(t, "blob", res.Blob(), blob)
				ora.Compare(t, "page", res.Buffer, page)
			})
		}
	}
	t.Logf("%d generation × client-count cases", n)

	// What EncodeRoot documents beyond the kernel's calls: root extras
	// after preserved-memory-map; in sequential layout each client's
	// pointer, blob-size, then extras; in packed layout each client's
	// extras set in reverse before the pointer and blob-size.
	t.Run("encoder-extras", func(t *testing.T) {
		extra := []kho.Prop{{Name: "x-a", Value: []byte{1, 2, 3}}, {Name: "x-b", Value: ora.LE64(7)}}
		for _, g := range []khoGen{khoGens[0], khoGens[3]} {
			t.Run(string(g.tag), func(t *testing.T) {
				r, err := kho.NewRoot(g.tag, khoMapPA)
				if err != nil {
					t.Fatal(err)
				}
				r.Extra = extra[:1]
				for _, c := range khoClients[:2] {
					r.AddSubtree(c.name, c.addr, c.size)
					r.Subtrees[len(r.Subtrees)-1].Extra = extra
				}
				blob, page, err := kho.EncodeRoot(r)
				if err != nil {
					t.Fatal(err)
				}
				s := ora.NewScript().Create(khoPageSize).FinishRsv().Begin("").PropStr("compatible", g.compat).
					PropU64LE("preserved-memory-map", khoMapPA).Prop(extra[0].Name, extra[0].Value)
				if r.Layout == kho.LayoutSequential {
					for _, c := range khoClients[:2] {
						s.Begin(c.name).PropU64LE(g.ptr, c.addr)
						for _, p := range extra {
							s.Prop(p.Name, p.Value)
						}
						s.End()
					}
					s.End().Finish()
				} else {
					s.End().Finish()
					for _, c := range khoClients[:2] {
						path := "/" + c.name
						s.OpenInto(khoPageSize).AddSubnode("/", c.name)
						for i := len(extra) - 1; i >= 0; i-- {
							s.SetProp(path, extra[i].Name, extra[i].Value)
						}
						s.SetPropU64LE(path, g.ptr, c.addr).SetPropU64LE(path, "blob-size", c.size).Pack()
					}
				}
				res := o.MustRun(t, s.String())
				ora.Compare(t, "blob", res.Blob(), blob)
				ora.Compare(t, "page", res.Buffer, page)
			})
		}
	})
}

// memblockKernel is prepare_kho_fdt() of mm/memblock.c: one page in
// sequential-write mode, compatible, then per reserve_mem= region (table
// order) a node with compatible, start and size.
func memblockKernel(regions []kho.MemblockRegion) *ora.Script {
	s := ora.NewScript().Create(khoPageSize).FinishRsv().Begin("").PropStr("compatible", "memblock-v1")
	for _, r := range regions {
		s.Begin(r.Name).PropStr("compatible", "reserve-mem-v1").PropU64LE("start", r.Start).PropU64LE("size", r.Size).End()
	}
	return s.End().Finish()
}

func TestLibfdtMemblock(t *testing.T) {
	o := ora.Get(t)
	all := []kho.MemblockRegion{
		{Name: "ramoops", Start: 0x180000000, Size: 0x100000},
		{Name: "trace", Start: 0x190000000, Size: 0x4000000},
		{Name: "kdump_data", Start: 0x1a0000000, Size: 0x1000},
	}
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("%d-regions", n), func(t *testing.T) {
			t.Parallel()
			mb := &kho.Memblock{Regions: all[:n]}
			blob, page, err := mb.Encode()
			if err != nil {
				t.Fatal(err)
			}
			res := o.MustRun(t, memblockKernel(all[:n]).String())
			ora.Compare(t, "blob", res.Blob(), blob)
			ora.Compare(t, "page", res.Buffer, page)
		})
	}
}
