package luo_test

// Byte-for-byte comparison of the LUO FDTs that Encode writes with the
// real libfdt running the kernel's calls (internal/libfdtoracle). For each
// FDT-era generation the script is the producer's call sequence and the
// comparison covers the exact blob and the whole preserved buffer (page).
//
// Sources of the sequences:
//   - L-v5 … L-FLB, L-luo-v2: luo_fdt_setup() (docs/abi/fdt-layout.md
//     §2.1, docs/abi/kernel-rules.md §8.2, docs/abi/generations.md
//     §4.3-§4.7): sequential-write mode in one page; compatible,
//     liveupdate-number, then the luo-session node (compatible, header
//     address) and, with FLBs, the luo-flb node.
//   - L-RFC / L-v4 (patch v1-v4 postings, 2025-06 … 2025-09):
//     luo_fdt_setup() builds the LUO FDT in read-write mode:
//     fdt_create_empty_tree(PAGE_SIZE), fdt_setprop_string(compatible),
//     then luo_subsystems_fdt_setup(): fdt_add_subnode("subsystems"),
//     fdt_setprop_string(compatible "subsystems-v1"), one fdt_setprop(name,
//     &zero, 8) per registered subsystem in registration order; at prepare
//     luo_subsystems_commit_data_to_fdt() stores each u64 in place (same
//     length). It is never packed. The patch v2/v3 file-descriptors FDT
//     (luo_files_fdt_setup) is sequential-write in PAGE_SIZE <<
//     get_order(1K + 128 n): node "file-descriptors", compatible, per file
//     (xarray, so ascending token order) a node "%#0llx" with compatible and
//     data (fdt_property_u64(0), then fdt_setprop(&data, 8) in place). The
//     v4 session FDT ("[PATCH v4 11/30] liveupdate: luo_session: Add
//     sessions support") is sequential-write in one page: node
//     "luo-session", compatible "luo-session-v1", then count, data and pgcnt
//     written with fdt_property_u64, i.e. big-endian, with pgcnt =
//     DIV_ROUND_UP(count * 80, PAGE_SIZE) and data 0 without sessions.
//
// Every subtest compares the exact blob and the whole preserved buffer.

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	ora "github.com/luoinspect/luoinspect/internal/libfdtoracle"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
)

const luoPage = 4096

// luoSessions returns n sessions; session i has i%3 files.
func luoSessions(n int) []luo.Session {
	var out []luo.Session
	for i := range n {
		s := luo.Session{Name: fmt.Sprintf("vm-%d", i)}
		for j := range i % 3 {
			s.Files = append(s.Files, luo.File{Compatible: "memfd-v1", Token: uint64(10*i + j), Data: 0x7000000 + uint64(i<<16+j<<12)})
		}
		out = append(out, s)
	}
	return out
}

var luoFLBs = []luo.FLB{{Name: "liveupdate-test-flb-v1", Data: 0x1234, Count: 2}, {Name: "iommu-flb", Data: 0x99, Count: 1}}

// luoEncoded is an Encode result with the image it wrote.
type luoEncoded struct {
	img  *phys.Image
	a    *phys.Allocator
	blob []byte
	addr uint64
}

func luoEncode(t *testing.T, gen abi.Tag, s luo.State) *luoEncoded {
	t.Helper()
	img := phys.NewImage()
	a := phys.NewAllocator(img, 0x100000)
	blob, addr, err := luo.Encode(a, &s, gen)
	if err != nil {
		t.Fatalf("Encode %s: %v", gen, err)
	}
	if len(a.Preserved) == 0 || a.Preserved[0].Addr != addr {
		t.Fatalf("Encode %s: the LUO blob at %#x is not the first allocation (%v)", gen, addr, a.Preserved)
	}
	return &luoEncoded{img, a, blob, addr}
}

// block returns the image bytes of the i-th allocation, checking its order.
func (e *luoEncoded) block(t *testing.T, i int, order uint) (uint64, []byte) {
	t.Helper()
	if i >= len(e.a.Preserved) {
		t.Fatalf("allocation %d missing: %v", i, e.a.Preserved)
	}
	b := e.a.Preserved[i]
	if b.Order != order {
		t.Fatalf("allocation %d at %#x has order %d, want %d", i, b.Addr, b.Order, order)
	}
	v, ok := e.img.View(b.Addr, b.Size())
	if !ok {
		t.Fatalf("allocation %d at %#x not in the image", i, b.Addr)
	}
	return b.Addr, v
}

// compareFDT compares a libfdt run with our blob and the whole buffer.
func compareFDT(t *testing.T, o *ora.Oracle, script *ora.Script, blob, page []byte) {
	t.Helper()
	res := o.MustRun(t, script.String())
	ora.Compare(t, "blob", res.Blob(), blob)
	ora.Compare(t, "page", res.Buffer, page)
}

// fdtEraGen is the luo_fdt_setup() vocabulary of one generation.
type fdtEraGen struct {
	tag           abi.Tag
	sessionCompat string
	sessionProp   string
	flbProp       string // "" without a luo-flb node
	hasSer        bool   // L-luo-v2: luo-abi-header → struct luo_ser
}

var fdtEraGens = []fdtEraGen{
	{luo.TagV5, "luo-session-v1", "luo-session-head", "luo-flb-head", false},
	{luo.TagV6, "luo-session-v1", "luo-session-header", "luo-flb-header", false},
	{luo.Tag619Pre, "luo-session-v1", "luo-session-header", "", false},
	{luo.Tag619, "luo-session-v2", "luo-session-header", "", false},
	{luo.TagFLB, "luo-session-v2", "luo-session-header", "luo-flb-header", false},
	{luo.TagLuoV2, "", "", "", true},
}

func TestLibfdtFDTEra(t *testing.T) {
	o := ora.Get(t)
	n := 0
	for _, g := range fdtEraGens {
		states := map[string]luo.State{
			"empty":    {LiveupdateNumber: 1},
			"sessions": {LiveupdateNumber: 3, Sessions: luoSessions(4)},
		}
		if g.tag == luo.Tag619Pre {
			states["sessions"] = luo.State{LiveupdateNumber: 3, Sessions: []luo.Session{{Name: "a"}, {Name: "b"}}}
		}
		if g.flbProp != "" || g.hasSer {
			states["sessions+flbs"] = luo.State{LiveupdateNumber: 0xfffffffffffffffe, Sessions: luoSessions(2), FLBs: luoFLBs}
		}
		for name, st := range states {
			n++
			t.Run(g.tag.String()+"/"+name, func(t *testing.T) {
				t.Parallel()
				e := luoEncode(t, g.tag, st)
				_, page := e.block(t, 0, 0)
				s := ora.NewScript().Create(luoPage).FinishRsv().Begin("")
				if g.hasSer {
					serPA, _ := e.block(t, 1, 0)
					s.PropStr("compatible", "luo-v2").PropU64LE("luo-abi-header", serPA)
				} else {
					sessPA, _ := e.block(t, 1, 4) // LUO_SESSION_PGCNT 16
					s.PropStr("compatible", "luo-v1").PropU64LE("liveupdate-number", st.LiveupdateNumber).
						Begin("luo-session").PropStr("compatible", g.sessionCompat).PropU64LE(g.sessionProp, sessPA).End()
					if g.flbProp != "" {
						flbPA, _ := e.block(t, 2, 0) // LUO_FLB_PGCNT 1
						s.Begin("luo-flb").PropStr("compatible", "luo-flb-v1").PropU64LE(g.flbProp, flbPA).End()
					}
				}
				s.End().Finish()
				compareFDT(t, o, s, e.blob, page)
			})
		}
	}
	t.Logf("%d generation × state cases", n)
}

// rfcEraRoot is the RFC-era luo_fdt_setup() plus the prepare-time commit:
// subsystems in registration order with their final data.
func rfcEraRoot(subs []luo.Subsystem) *ora.Script {
	s := ora.NewScript().
		// fdt_create_empty_tree(fdt, PAGE_SIZE)
		Create(luoPage).FinishRsv().Begin("").End().Finish().OpenInto(luoPage).
		SetProp("/", "compatible", []byte("luo-v1\x00")).
		AddSubnode("/", "subsystems").
		SetProp("/subsystems", "compatible", []byte("subsystems-v1\x00"))
	for _, sub := range subs {
		s.SetPropU64LE("/subsystems", sub.Name, 0)
	}
	for _, sub := range subs {
		s.SetPropU64LE("/subsystems", sub.Name, sub.Data)
	}
	return s
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func TestLibfdtRFCEra(t *testing.T) {
	o := ora.Get(t)
	others := []luo.Subsystem{{Name: "iommu", Data: 0x42}}

	// L-RFC patch v2/v3: the file-descriptors FDT, then the root.
	for _, nfiles := range []int{0, 2, 9} {
		st := luo.State{Subsystems: others}
		for i := range nfiles {
			st.Files = append(st.Files, luo.File{Compatible: "memfd-v1", Token: uint64(i * 7), Data: 0x5000 + uint64(i)<<12})
		}
		t.Run(fmt.Sprintf("L-RFC/files-fdt/%d-files", nfiles), func(t *testing.T) {
			t.Parallel()
			e := luoEncode(t, luo.TagRFC, st)
			order := uint(0)
			for 4096<<order < 1024+128*nfiles {
				order++
			}
			_, fpage := e.block(t, 1, order)
			s := ora.NewScript().Create(len(fpage)).FinishRsv().Begin("file-descriptors").PropStr("compatible", "file-descriptors-v1")
			for _, f := range st.Files {
				name := "0"
				if f.Token != 0 {
					name = fmt.Sprintf("%#x", f.Token)
				}
				s.Begin(name).PropStr("compatible", f.Compatible).Prop("data", be64(0)).End()
			}
			s.End().Finish()
			for _, f := range st.Files {
				name := "0"
				if f.Token != 0 {
					name = fmt.Sprintf("%#x", f.Token)
				}
				s.SetPropU64LE("/"+name, "data", f.Data)
			}
			res := o.MustRun(t, s.String())
			ora.Compare(t, "files FDT blob", res.Blob(), fpage[:min(len(fpage), res.TotalSize)])
			ora.Compare(t, "files FDT buffer", res.Buffer, fpage)
		})
	}
	// The files FDT lists the files in ascending token order (the kernel
	// walks an xarray indexed by token), whatever the order of State.Files.
	t.Run("L-RFC/files-fdt/token-order", func(t *testing.T) {
		t.Parallel()
		st := luo.State{Files: []luo.File{
			{Compatible: "memfd-v1", Token: 0x30, Data: 0x5000},
			{Compatible: "memfd-v1", Token: 0, Data: 0x6000},
			{Compatible: "memfd-v1", Token: 0x7, Data: 0x7000},
		}}
		e := luoEncode(t, luo.TagRFC, st)
		_, fpage := e.block(t, 1, 0)
		s := ora.NewScript().Create(len(fpage)).FinishRsv().Begin("file-descriptors").PropStr("compatible", "file-descriptors-v1")
		for _, name := range []string{"0", "0x7", "0x30"} {
			s.Begin(name).PropStr("compatible", "memfd-v1").Prop("data", be64(0)).End()
		}
		s.End().Finish()
		for name, data := range map[string]uint64{"0": 0x6000, "0x7": 0x7000, "0x30": 0x5000} {
			s.SetPropU64LE("/"+name, "data", data)
		}
		res := o.MustRun(t, s.String())
		ora.Compare(t, "files FDT blob", res.Blob(), fpage[:min(len(fpage), res.TotalSize)])
		ora.Compare(t, "files FDT buffer", res.Buffer, fpage)
	})
	// The RFC-era LUO FDT is built in read-write mode
	// (fdt_create_empty_tree + fdt_setprop/fdt_add_subnode), never packed:
	// reserve map 0x30, totalsize PAGE_SIZE, /subsystems properties newest
	// first, after them compatible.
	for name, subs := range map[string][]luo.Subsystem{
		"":                  others,
		"/three-subsystems": {{Name: "iommu", Data: 0x42}, {Name: "vfio-pci", Data: 0x1234_5678_9abc_def0}, {Name: "kvm", Data: 0}},
	} {
		t.Run("L-RFC/root-read-write-mode"+name, func(t *testing.T) {
			t.Parallel()
			st := luo.State{Subsystems: subs, Files: []luo.File{{Compatible: "memfd-v1", Token: 1, Data: 0x5000}}}
			e := luoEncode(t, luo.TagRFC, st)
			if len(e.blob) != luoPage {
				t.Fatalf("blob is %d bytes, want the whole %d-byte tree", len(e.blob), luoPage)
			}
			_, page := e.block(t, 0, 0)
			filesPA, _ := e.block(t, 1, 0)
			all := append(append([]luo.Subsystem{}, subs...), luo.Subsystem{Name: "file-descriptors", Data: filesPA})
			compareFDT(t, o, rfcEraRoot(all), e.blob, page)
		})
	}

	// L-v4: the root as in L-RFC with the session subsystem, and the
	// session FDT.
	t.Run("L-v4/root-read-write-mode", func(t *testing.T) {
		t.Parallel()
		st := luo.State{Subsystems: others, Sessions: luoSessions(3)}
		e := luoEncode(t, luo.TagV4, st)
		_, page := e.block(t, 0, 0)
		sfdtPA, _ := e.block(t, 1, 0)
		subs := append(append([]luo.Subsystem{}, others...), luo.Subsystem{Name: "luo-session", Data: sfdtPA})
		compareFDT(t, o, rfcEraRoot(subs), e.blob, page)
	})
	// The session FDT: count, data and pgcnt are written with
	// fdt_property_u64 (big-endian, the one exception
	// docs/abi/generations.md §4.2 and docs/abi/fdt-layout.md §6 record),
	// and pgcnt is DIV_ROUND_UP(count * 80, PAGE_SIZE), not a power of two
	// (120 sessions: 3 pages in an order-2 block).
	for _, ns := range []int{0, 3, 120} {
		t.Run(fmt.Sprintf("L-v4/session-fdt/%d-sessions", ns), func(t *testing.T) {
			t.Parallel()
			st := luo.State{Sessions: luoSessions(ns)}
			e := luoEncode(t, luo.TagV4, st)
			_, spage := e.block(t, 1, 0)
			var data uint64
			pgcnt := uint64(ns*80+luoPage-1) / luoPage
			if ns > 0 {
				order := uint(0)
				for 1<<order < pgcnt {
					order++
				}
				data, _ = e.block(t, 2, order) // get_order of the array
			}
			s := ora.NewScript().Create(luoPage).FinishRsv().Begin("luo-session").PropStr("compatible", "luo-session-v1").
				Prop("count", be64(uint64(ns))).Prop("data", be64(data)).Prop("pgcnt", be64(pgcnt)).End().Finish()
			res := o.MustRun(t, s.String())
			ora.Compare(t, "session FDT blob", res.Blob(), spage[:min(len(spage), res.TotalSize)])
			ora.Compare(t, "session FDT page", res.Buffer, spage)
		})
	}
}
