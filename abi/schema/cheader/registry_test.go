package cheader_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/abi/schema/cheader"
)

// fixtureSets are the header fixtures (written for this project from the
// field tables in docs/abi/generations.md) and the registry generation each one
// describes, with the structs that must be found.
var fixtureSets = []struct {
	gen     abi.Tag
	files   []string
	structs []string
}{
	{"K1a", []string{"kho_k1a.h", "kho_k1.h"}, []string{"kho_mem_phys_bits", "khoser_mem_chunk", "khoser_mem_chunk_hdr", "khoser_mem_bitmap_ptr", "kho_scratch", "kho_data"}},
	{"K1b", []string{"kho_k1.h", "kho_vmalloc.h"}, []string{"kho_mem_phys_bits", "khoser_mem_chunk", "kho_vmalloc", "kho_vmalloc_chunk", "kho_vmalloc_hdr"}},
	{"K4", []string{"kho_vmalloc.h", "kho_block.h"}, []string{"kho_vmalloc", "kho_vmalloc_chunk", "kho_block_header_ser"}},
	{"K4", []string{"kho_radix.h"}, []string{"kho_radix_node", "kho_radix_leaf"}},
	{"L-v5", []string{"luo_v5.h"}, []string{"luo_session_head_ser", "luo_session_ser", "luo_file_ser", "luo_flb_head_ser", "luo_flb_ser"}},
	{"L-6.19", []string{"luo_619.h"}, []string{"luo_session_header_ser", "luo_session_ser", "luo_file_set_ser", "luo_file_ser"}},
	{"L-RFC-compat", []string{"kho_block.h", "luo_rfc_ser.h"}, []string{"luo_ser", "kho_block_header_ser"}},
	{"L-feat", []string{"kho_vmalloc.h", "luo_feat.h"}, []string{"luo_feature_hdr", "luo_ser", "liveupdate_ver_hdr", "liveupdate_feature_entry"}},
	{"M4", []string{"kho_vmalloc.h", "luo_feat.h"}, []string{"memfd_luo_ser", "luo_feature_hdr"}},
	{"M1", []string{"kho_vmalloc.h", "memfd_m1.h"}, []string{"memfd_luo_ser", "memfd_luo_folio_ser", "kho_vmalloc"}},
	{"M2a", []string{"kho_vmalloc.h", "memfd_m2a.h"}, []string{"memfd_luo_ser", "memfd_luo_folio_ser"}},
	{"M2b", []string{"kho_vmalloc.h", "memfd_m2b.h"}, []string{"memfd_luo_ser", "memfd_luo_folio_ser"}},
	{"kexec-metadata", []string{"kexec_metadata.h"}, []string{"kho_kexec_metadata"}},
}

func parseFixtures(t *testing.T, files []string) *cheader.Result {
	t.Helper()
	p := cheader.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", "headers", f))
		if err != nil {
			t.Fatal(err)
		}
		p.AddFile(f, b)
	}
	r := p.Parse()
	for _, e := range r.Errors {
		t.Errorf("parse error: %v", e)
	}
	return r
}

// TestFixturesMatchRegistry parses the fixtures and compares every struct
// with the registry's layout of the same generation.
func TestFixturesMatchRegistry(t *testing.T) {
	for _, fs := range fixtureSets {
		t.Run(string(fs.gen), func(t *testing.T) {
			g, ok := abi.Lookup(fs.gen)
			if !ok {
				t.Fatalf("no generation %s", fs.gen)
			}
			r := parseFixtures(t, fs.files)
			for _, name := range fs.structs {
				want, ok := g.Struct(name)
				if !ok {
					t.Fatalf("registry %s has no struct %s", fs.gen, name)
				}
				got, ok := r.Struct(name)
				if !ok {
					t.Errorf("fixture lacks struct %s", name)
					continue
				}
				compareStruct(t, got, want)
			}
		})
	}
}

func compareStruct(t *testing.T, got *cheader.Struct, want *abi.Struct) {
	t.Helper()
	if got.Size != want.Size || got.Packed != want.Packed {
		t.Errorf("%s: size %d packed %v, registry %d packed %v", want.Name, got.Size, got.Packed, want.Size, want.Packed)
	}
	if len(got.Fields) != len(want.Fields) {
		t.Errorf("%s: %d fields, registry %d", want.Name, len(got.Fields), len(want.Fields))
	}
	for _, wf := range want.Fields {
		var gf *cheader.Field
		for i := range got.Fields {
			if got.Fields[i].Name == wf.Name {
				gf = &got.Fields[i]
			}
		}
		if gf == nil {
			t.Errorf("%s: no field %s", want.Name, wf.Name)
			continue
		}
		gotPos, wantPos := gf.Offset*8+gf.BitOffset, wf.Offset*8+wf.BitOffset
		if gf.Size != wf.Size || gf.Count != wf.Count || gotPos != wantPos || gf.BitSize != wf.BitSize {
			t.Errorf("%s.%s: off %d size %d count %d bits %d+%d; registry off %d size %d count %d bits %d+%d", want.Name, wf.Name,
				gf.Offset, gf.Size, gf.Count, gotPos, gf.BitSize, wf.Offset, wf.Size, wf.Count, wantPos, wf.BitSize)
		}
		if (wf.Kind == abi.KindCString) != (gf.Kind == cheader.KindCString) ||
			(wf.Kind == abi.KindBitfield) != (gf.Kind == cheader.KindBitfield) ||
			(wf.Kind == abi.KindStruct) != (gf.Kind == cheader.KindStruct) {
			t.Errorf("%s.%s: kind %s, registry %s", want.Name, wf.Name, gf.Kind, wf.Kind)
		}
	}
}

func TestFixtureDefines(t *testing.T) {
	r := parseFixtures(t, []string{"kho_block.h", "luo_rfc_ser.h", "luo_v5.h", "kho_vmalloc.h"})
	want := map[string]any{
		"KHO_FDT_COMPATIBLE": "kho-v4;radix-v1;vmalloc-v1",
		"LUO_ABI_COMPATIBLE": "luo-v5;block-v1",
		"LUO_ABI_COMPAT_LEN": uint64(16),
		"LUO_SESSION_MAX":    uint64(819),
		"KHO_VMALLOC_SIZE":   uint64(511),
		"KHO_BLOCK_SIZE":     uint64(4096),
	}
	for name, w := range want {
		d, ok := r.Define(name)
		if !ok || !d.OK {
			t.Errorf("%s not evaluated", name)
			continue
		}
		switch w := w.(type) {
		case string:
			if !d.IsString || d.Str != w {
				t.Errorf("%s = %q, want %q", name, d.Str, w)
			}
		case uint64:
			if d.IsString || d.Value != w {
				t.Errorf("%s = %d, want %d", name, d.Value, w)
			}
		}
	}
}
