package memfd

import (
	"errors"
	"fmt"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// validFile returns a descriptor of gen that raises no problem: one folio
// for a one-page file, in a one-block area.
func validFile(gen abi.Tag) *File {
	f := &File{Generation: abi.Tag(gen), Path: testPath, Addr: 0x100000, Size: 4096, NrFolios: 1}
	switch gen {
	case M0:
		f.FDT = &FDTInfo{TotalSize: 4096, Folios: 0x100100}
	default:
		f.Folios = kho.Vmalloc{First: 0x200000, TotalPages: 1, Flags: kho.VmallocAlloc}
	}
	if gen == M4 {
		f.Features = DefaultFeatures()
	}
	return f
}

// registryOffset reads a memfd_luo_ser member's offset from the registry,
// independently of the package's layouts; -1 when gen has no such struct.
func registryOffset(t *testing.T, gen, field string, elem int) int64 {
	t.Helper()
	g, ok := abi.Lookup(abi.Tag(gen))
	if !ok {
		t.Fatalf("no generation %s", gen)
	}
	s, ok := g.Struct("memfd_luo_ser")
	if !ok {
		return -1
	}
	fl, ok := s.Field(field)
	if !ok {
		t.Fatalf("%s memfd_luo_ser has no %s", gen, field)
	}
	return int64(fl.Offset + elem*fl.ElemSize())
}

func TestCheckDescriptorValid(t *testing.T) {
	for _, gen := range Tags {
		if p := validFile(gen).CheckDescriptor(); len(p) != 0 {
			t.Errorf("%s: %v", gen, p)
		}
	}
}

// descriptorCase breaks one descriptor rule of a validFile.
type descriptorCase struct {
	name   string
	gen    abi.Tag
	mutate func(f *File)
	check  phys.Check
	kind   error
	field  string
	elem   int // element of an array field
}

// descriptorCases lists every descriptor rule, broken on its own.
func descriptorCases() []descriptorCase {
	noFolios := func(f *File) { f.NrFolios, f.Folios = 0, kho.Vmalloc{} }
	return []descriptorCase{
		{"M2a seals past ALL_SEALS", M2a, func(f *File) { f.Seals = 0x40 }, CheckSeals, phys.ErrMalformed, "seals", 0},
		{"M2b seals past ALL_SEALS", M2b, func(f *File) { f.Seals = 0x100 }, CheckSeals, phys.ErrMalformed, "seals", 0},
		{"M3 seals past ALL_SEALS", M3, func(f *File) { f.Seals = 0x80 }, CheckSeals, phys.ErrMalformed, "seals", 0},
		{"M4 seals past BASE_SEALS", M4, func(f *File) { f.Seals = 0x40 }, CheckSeals, phys.ErrMalformed, "seals", 0},
		{"M4 seals without the seals feature", M4, func(f *File) {
			f.Features = Features{Supp: features, Req: featFolios, Active: featFolios}
			f.Seals = 0x1
		}, CheckSeals, phys.ErrMalformed, "seals", 0},
		{"M2a reserved bits", M2a, func(f *File) { f.Reserved = 1 }, CheckFlags, phys.ErrMalformed, "__reserved", 0},
		{"M2b flags", M2b, func(f *File) { f.Flags = 1 }, CheckFlags, phys.ErrMalformed, "flags", 0},
		{"M3 flags", M3, func(f *File) { f.Flags = 2 }, CheckFlags, phys.ErrMalformed, "flags", 0},
		{"M4 flags", M4, func(f *File) { f.Flags = 4 }, CheckFlags, phys.ErrMalformed, "flags", 0},
		{"M4 unknown req bit", M4, func(f *File) {
			f.Features = Features{Supp: features | 0x8, Req: features | 0x8, Active: features}
		}, CheckFeatures, phys.ErrUnsupported, "features.req", 0},
		{"M4 req not within supp", M4, func(f *File) {
			f.Features = Features{Supp: featSeals, Req: features, Active: featSeals}
			noFolios(f)
		}, CheckFeatures, phys.ErrMalformed, "features.req", 0},
		{"M4 active not within supp", M4, func(f *File) {
			f.Features = Features{Supp: featSeals, Req: featSeals, Active: features}
		}, CheckFeatures, phys.ErrMalformed, "features.active", 0},
		{"M4 req and active not within supp", M4, func(f *File) {
			f.Features = Features{Supp: featSeals, Req: features, Active: features}
		}, CheckFeatures, phys.ErrMalformed, "features.req", 0},
		{"M4 reserved words", M4, func(f *File) {
			f.Features.Reserved[5], f.Features.Reserved[9] = 1, 2
		}, CheckFeatures, phys.ErrMalformed, "features.reserved", 5},
		{"M4 folios without the folios feature", M4, func(f *File) {
			f.Features = Features{Supp: features, Req: featSeals, Active: featSeals}
		}, CheckFeatures, phys.ErrMalformed, "nr_folios", 0},
		{"M0 nr_folios property disagrees", M0, func(f *File) {
			f.FDT.HasNrFolios, f.FDT.NrFolios = true, 2
		}, CheckNrFolios, phys.ErrMalformed, "nr_folios", 0},
		{"M0 nr_folios past the pages", M0, func(f *File) { f.Size = 0 }, CheckNrFolios, phys.ErrMalformed, "nr_folios", 0},
		{"M1 nr_folios past the pages", M1, func(f *File) { f.NrFolios = 2 }, CheckNrFolios, phys.ErrMalformed, "nr_folios", 0},
		{"M4 nr_folios past the pages", M4, func(f *File) { f.Size = 0 }, CheckNrFolios, phys.ErrMalformed, "nr_folios", 0},
		{"M0 pos past MAX_LFS_FILESIZE", M0, func(f *File) { f.Pos = 1 << 63 }, CheckPos, phys.ErrMalformed, "pos", 0},
		{"M1 pos past MAX_LFS_FILESIZE", M1, func(f *File) { f.Pos = 1<<64 - 1 }, CheckPos, phys.ErrMalformed, "pos", 0},
		{"M2a vmalloc flags", M2a, func(f *File) { f.Folios.Flags = 0x5 }, CheckVmallocFlags, phys.ErrMalformed, "folios.flags", 0},
		{"M4 vmalloc flags", M4, func(f *File) { f.Folios.Flags = 0x8 }, CheckVmallocFlags, phys.ErrMalformed, "folios.flags", 0},
		{"M1 stale folio descriptor", M1, func(f *File) { f.NrFolios = 0 }, CheckStaleFolios, phys.ErrMalformed, "folios", 0},
		{"M3 stale folio descriptor", M3, func(f *File) {
			f.NrFolios, f.Folios = 0, kho.Vmalloc{Order: 1}
		}, CheckStaleFolios, phys.ErrMalformed, "folios", 0},
	}
}

// TestCheckDescriptorConditions makes every descriptor rule fail on its
// own and expects exactly one problem, with the rule's check, sentinel,
// field path and registry offset.
func TestCheckDescriptorConditions(t *testing.T) {
	for _, tc := range descriptorCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := validFile(tc.gen)
			tc.mutate(f)
			got := f.CheckDescriptor()
			if len(got) != 1 {
				t.Fatalf("%d problems, want 1: %v", len(got), got)
			}
			e := got[0]
			path := testPath + "." + tc.field
			if tc.elem > 0 {
				path += fmt.Sprintf("[%d]", tc.elem)
			}
			off := int64(-1)
			if tc.gen != M0 {
				off = registryOffset(t, string(tc.gen), tc.field, tc.elem)
			}
			if e.Check != tc.check || !errors.Is(e, tc.kind) || e.Path != path || e.Addr != f.Addr || e.Offset != off {
				t.Fatalf("got %v (check %q, offset %d), want %v %s at %s offset %d", e, e.Check, e.Offset, tc.kind, tc.check, path, off)
			}
		})
	}
}

// TestCheckDescriptorTwoConditions: a zero-count folio descriptor under an
// M4 header without the folios feature breaks two rules, each reported
// once with its own check.
func TestCheckDescriptorTwoConditions(t *testing.T) {
	f := validFile(M4)
	f.Features = Features{Supp: features, Req: featSeals, Active: featSeals}
	f.NrFolios = 0
	got := f.CheckDescriptor()
	if len(got) != 2 || got[0].Check != CheckFeatures || got[1].Check != CheckStaleFolios {
		t.Fatalf("%v", got)
	}
}
