package validate

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// malformed is one fixture: a sample, one targeted mutation, and the rule
// that must fire (with any other rule the mutation cannot avoid).
type malformed struct {
	rule   string
	sample string
	mutate func(f *fixture)
	also   []string
}

const (
	s619  = "k1b-l619-m1"
	sFLB  = "k2-lflb-m1"
	sV3   = "k3-luov3-m2b"
	sFeat = "k4-lfeat-m4"
	sV5   = "k4-luov5-m2b"
)

// session returns the address of session i of the clean walk.
func (f *fixture) session(i int) uint64 { return f.st.LUO.Sessions[i].Addr }

// file returns the address of file j of session i.
func (f *fixture) file(i, j int) uint64 { return f.st.LUO.Sessions[i].Files[j].Addr }

var malformedCases = []malformed{
	{"GEN001", s619, func(f *fixture) { // an FDT token that is not one
		c := f.client("LUO")
		b := f.bytesAt(c.Addr, uint64(len(c.Blob)))
		b[0x38+3] = 9 // struct block starts at 0x38 in a sequential-write FDT: FDT_BEGIN_NODE -> 9
	}, nil},
	{"SRC001", s619, func(f *fixture) {
		m := f.memfdFile(0)
		f.mem = hiding{f.enc.Image, phys.Range{Start: m.Addr, Size: phys.PageSize}}
	}, nil},
	{"KHO001", s619, func(f *fixture) { f.root[0] = 0 }, nil},
	{"KHO002", s619, func(f *fixture) { f.replaceRoot("kho-v1", "kho-v9") }, nil},
	{"KHO003", s619, func(f *fixture) { f.replaceRoot("preserved-memory-map", "preserved-memory-mab") }, nil},
	{"KHO004", sFLB, func(f *fixture) { f.editRoot(func(r *kho.Root) { r.MemoryMap = 0 }) }, nil},
	{"KHO005", sFLB, func(f *fixture) { f.replaceRoot("preserved-data", "preserved-datx") }, nil},
	{"KHO006", sV3, func(f *fixture) { f.replaceRoot("blob-size", "blob-sizx") }, nil},
	{"KHO007", sFLB, func(f *fixture) {
		f.editRoot(func(r *kho.Root) { s, _ := r.Subtree("memblock"); s.Addr = 0 })
	}, nil},
	{"KHO008", sV5, func(f *fixture) {
		f.editRoot(func(r *kho.Root) { r.Compatibles = []string{"kho-v4;vmalloc-v1;radix-v1"} })
	}, nil},
	{"KHO009", sV3, func(f *fixture) { f.replaceRoot("kexec-metadata", "kexec-metadatx") }, nil},

	{"MAP001", sFLB, func(f *fixture) { // the radix root points to itself
		mm := f.st.Root.MemoryMap
		b := f.bytesAt(mm, phys.PageSize)
		for i := 0; i < 512; i++ {
			if binary.LittleEndian.Uint64(b[8*i:]) != 0 {
				for k := range 8 {
					b[8*i+k] = byte(mm >> (8 * k))
				}
				return
			}
		}
	}, []string{"SRC001"}}, // the blocks behind the cycle are unknown: what they would preserve is unverified
	{"MAP002", sFLB, func(f *fixture) {
		a := f.client("LUO").Addr &^ (2*phys.PageSize - 1)
		f.remap(phys.Block{Addr: a, Order: 1})
	}, nil},
	{"MAP003", sFLB, func(f *fixture) {
		f.opts.Scratch = []kho.Scratch{{Addr: f.client("LUO").Addr, Size: phys.PageSize}}
	}, nil},
	{"REF001", sV3, func(f *fixture) { setPFN(f.record(0, 1), 0x7000000) }, nil},
	{"REF002", sV3, func(f *fixture) { setPFN(f.record(0, 1), pfnOf(f.record(0, 0))) }, nil},
	{"REF003", sV3, func(f *fixture) { // the luo_ser blob grown over the kexec-metadata page after it
		f.editRoot(func(r *kho.Root) { s, _ := r.Subtree("LUO"); s.Size = 2 * phys.PageSize })
	}, []string{"REF004"}},
	{"REF004", sV3, func(f *fixture) {
		f.editRoot(func(r *kho.Root) { s, _ := r.Subtree("kexec-metadata"); s.Size = 2 * phys.PageSize })
	}, nil},
	{"REF005", sV3, func(f *fixture) {
		const big = 1 << 40
		f.remap(phys.Block{Addr: big, Order: 11})
		setPFN(f.record(0, 0), big>>12) // index 0: aligned to any order
	}, nil},

	{"LUO001", s619, func(f *fixture) { f.luoBlob("luo-v1", "luo-v9") }, nil},
	{"LUO001", sV3, func(f *fixture) { f.luoBlob("luo-v3", "luo-v7") }, nil},
	{"LUO002", s619, func(f *fixture) { f.luoBlob("liveupdate-number", "liveupdate-numbex") }, nil},
	{"LUO003", s619, func(f *fixture) { f.luoBlob("luo-session-v2", "luo-session-v9") }, nil},
	{"LUO004", sFLB, func(f *fixture) {
		f.luoBlob("luo-flb\x00", "luo-flx\x00")
		f.opts.Walk.LUO = "L-FLB"
	}, nil},
	{"LUO005", sV3, func(f *fixture) {
		f.editRoot(func(r *kho.Root) { s, _ := r.Subtree("LUO"); s.Size = 16 })
	}, nil},
	{"LUO006", s619, func(f *fixture) { f.luoBlobU64(f.st.LUO.Layout.SessionHeader.Addr, 0) }, nil},
	{"LUO007", s619, func(f *fixture) {
		f.put("L-6.19", "luo_session_header_ser", "count", f.st.LUO.Layout.SessionHeader.Addr, 820)
	}, nil},
	{"LUO008", s619, func(f *fixture) {
		f.fill("L-6.19", "luo_session_ser", "name", f.session(1), []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	}, nil},
	{"LUO009", s619, func(f *fixture) {
		f.fill("L-6.19", "luo_file_ser", "compatible", f.file(0, 1), []byte("memfd-v1-memfd-v1-memfd-v1-memfd-v1-memfd-v1-mem"))
	}, []string{"LUO023"}}, // the entry is kept: its 48-byte handler string names no memfd generation
	{"LUO010", sFLB, func(f *fixture) {
		f.fill("L-FLB", "luo_flb_ser", "name", f.st.LUO.FLBs[0].Addr, []byte("iommufd-v1-iommufd-v1-iommufd-v1-iommufd-v1-iom"+"m"))
	}, nil},
	{"LUO011", s619, func(f *fixture) { f.fill("L-6.19", "luo_session_ser", "name", f.session(1), []byte("vm0")) }, nil},
	{"LUO012", s619, func(f *fixture) { f.fill("L-6.19", "luo_session_ser", "name", f.session(2), nil) }, nil},
	{"LUO013", s619, func(f *fixture) { f.put("L-6.19", "luo_file_ser", "token", f.file(0, 1), 1) }, nil},
	{"LUO014", s619, func(f *fixture) { f.put("L-6.19", "luo_session_ser", "file_set_ser.files", f.session(0), 0) }, nil},
	{"LUO015", s619, func(f *fixture) { f.put("L-6.19", "luo_session_ser", "file_set_ser.count", f.session(0), 129) }, nil},
	{"LUO016", sV5, func(f *fixture) {
		bl := f.st.LUO.Layout.SessionBlocks
		f.put("K4", "kho_block_header_ser", "next", bl[1], bl[0])
	}, nil},
	{"LUO017", sV5, func(f *fixture) {
		f.put("K4", "kho_block_header_ser", "count", f.st.LUO.Layout.SessionBlocks[0], 0)
	}, nil},
	{"LUO018", sV5, func(f *fixture) {
		f.put("L-luo-v5", "luo_session_ser", "file_set_ser.count", f.session(0), 71)
	}, nil},
	{"LUO019", sFLB, func(f *fixture) {
		f.put("L-FLB", "luo_flb_header_ser", "count", f.st.LUO.Layout.FLBHeader.Addr, 64)
	}, nil},
	{"LUO020", sFLB, func(f *fixture) { f.put("L-FLB", "luo_flb_ser", "count", f.st.LUO.FLBs[0].Addr, 0) }, nil},
	{"LUO021", sFLB, func(f *fixture) { f.luoBlobU64(f.st.LUO.Layout.FLBHeader.Addr, 0) }, nil},
	{"LUO022", sFeat, func(f *fixture) { f.bytesAt(f.client("LUO").Addr+24, 8)[0] = 1 }, nil},
	{"LUO023", s619, func(f *fixture) {
		f.fill("L-6.19", "luo_file_ser", "compatible", f.file(0, 0), []byte("memfd-v9"))
	}, nil},
	{"LUO024", s619, func(f *fixture) {
		f.fill("L-6.19", "luo_file_ser", "compatible", f.file(0, 0), []byte("iommufd-v1"))
	}, nil},
	{"LUO025", s619, func(f *fixture) { f.put("L-6.19", "luo_file_ser", "data", f.file(0, 0), 0) }, nil},

	{"MFD001", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "seals", f.memfdFile(0).Addr, 0x40) }, nil},
	{"MFD002", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "flags", f.memfdFile(0).Addr, 1) }, nil},
	{"MFD003", sFeat, func(f *fixture) {
		fl := f.field("M4", "memfd_luo_ser", "features.reserved")
		f.bytesAt(f.memfdFile(0).Addr+uint64(fl.Offset), 8)[0] = 1
	}, nil},
	{"MFD004", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "size", f.memfdFile(0).Addr, 4096) }, []string{"MFD011"}},
	{"MFD005", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "folios.flags", f.memfdFile(0).Addr, 0x5) }, nil},
	{"MFD006", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "folios.total_pages", f.memfdFile(0).Addr, 2) }, nil},
	{"MFD007", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "folios.order", f.memfdFile(0).Addr, 60) }, nil},
	{"MFD008", sV3, func(f *fixture) {
		a := f.memfdFile(0).Addr
		f.put("M2b", "memfd_luo_ser", "nr_folios", a, 257)
		f.put("M2b", "memfd_luo_ser", "size", a, 257*4096)
	}, nil},
	{"MFD009", sV3, func(f *fixture) { setPFN(f.record(0, 1), 0) }, nil},
	{"MFD010", sV3, func(f *fixture) { f.record(0, 1)[7] |= 0x40 }, nil},
	{"MFD011", sV3, func(f *fixture) { f.record(0, 2)[8] = 99 }, nil},
	{"MFD012", sV3, func(f *fixture) { f.record(0, 2)[8] = 1 }, []string{"FP003"}},
	{"MFD013", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "pos", f.memfdFile(0).Addr, 1<<63) }, nil},
	{"MFD014", s619, func(f *fixture) { // folio 1 made the head of the 16-page session array
		setPFN(f.record(0, 1), f.st.LUO.Layout.SessionHeader.Addr>>12)
	}, []string{"REF002"}},

	{"KHO010", s619, func(f *fixture) { f.opts.RootMapped = 64 }, nil},
	{"KHO011", s619, func(f *fixture) {
		f.opts.Scratch = []kho.Scratch{{Addr: 0x7000000, Size: 0x100000}, {Addr: 0x8000000}, {Addr: 0x7080000, Size: 0x100000}}
	}, nil},
	{"CLI001", sV3, func(f *fixture) { f.bytesAt(f.client("kexec-metadata").Addr, 4)[0] = 2 }, nil},
	{"CLI002", sFLB, func(f *fixture) {
		c := f.client("memblock")
		f.replaceIn(c.Addr, uint64(len(c.Blob)), []byte("reserve-mem-v1"), []byte("reserve-mem-v9"))
	}, nil},
	{"CLI003", sFLB, func(f *fixture) { f.replaceRoot("memblock", "kho_test") }, nil},
	{"CLI004", sFLB, func(f *fixture) { // the next kernel asks for 4 MiB, the region has 2
		f.opts.NextReserveMem = []ReserveMem{{Name: "trace", Size: 4 << 20, Align: 4096}}
	}, nil},

	{"FP001", s619, func(f *fixture) { f.fill("L-6.19", "luo_session_ser", "name", f.session(1), []byte("vm1\x00x")) }, nil},
	{"FP002", s619, func(f *fixture) {
		h := f.st.LUO.Layout.SessionHeader
		f.bytesAt(h.Addr+8+3*80+5, 1)[0] = 1
	}, nil},
	{"FP003", sV3, func(f *fixture) {
		f.record(0, 0)[8], f.record(0, 2)[8] = 2, 0
	}, nil},
	{"FP004", sV3, func(f *fixture) { f.put("M2b", "memfd_luo_ser", "nr_folios", f.memfdFile(1).Addr, 0) }, nil},
	{"FP005", sV5, func(f *fixture) { // move the last entry of block 0 into block 1
		bl := f.st.LUO.Layout.SessionBlocks
		const e = 80
		last := f.bytesAt(bl[0]+16+50*e, e)
		n := f.get("K4", "kho_block_header_ser", "count", bl[1])
		dst := f.bytesAt(bl[1]+16+n*e, e)
		copy(dst, last)
		clear(last)
		f.put("K4", "kho_block_header_ser", "count", bl[0], 50)
		f.put("K4", "kho_block_header_ser", "count", bl[1], n+1)
	}, nil},
	{"FP006", s619, func(f *fixture) { f.root[0x1f] = 1 }, nil},
}

// TestMalformed runs one fixture per rule: the rule must fire, and no
// other rule than those the mutation cannot avoid.
func TestMalformed(t *testing.T) {
	for _, tc := range malformedCases {
		t.Run(tc.rule+"/"+tc.sample, func(t *testing.T) {
			f := newFixture(t, tc.sample)
			tc.mutate(f)
			r := f.run()
			got := r.RuleIDs()
			want := append([]string{tc.rule}, tc.also...)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				for _, fi := range r.Findings {
					t.Logf("%s", fi.String())
				}
				t.Errorf("rules %v, want %v", got, want)
			}
		})
	}
}

// TestEveryRuleHasFixture requires a malformed fixture for every rule of
// the catalogue.
func TestEveryRuleHasFixture(t *testing.T) {
	have := map[string]bool{}
	for _, tc := range malformedCases {
		have[tc.rule] = true
	}
	for _, r := range Rules() {
		if !have[r.ID] {
			t.Errorf("rule %s (%s) has no malformed fixture", r.ID, r.Name)
		}
	}
}
