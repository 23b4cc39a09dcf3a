package abi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// allStructs returns every distinct struct reachable from the registry,
// including embedded ones, with one "tag/name" label each.
func allStructs() map[*Struct]string {
	out := map[*Struct]string{}
	var walk func(s *Struct, label string)
	walk = func(s *Struct, label string) {
		if _, ok := out[s]; ok {
			return
		}
		out[s] = label
		for _, f := range s.Fields {
			if f.Type != nil {
				walk(f.Type, label+"."+f.Name)
			}
		}
	}
	for _, g := range All() {
		for _, s := range g.Structs {
			walk(s, g.Tag.String()+"/"+s.Name)
		}
	}
	return out
}

func TestGenerations(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range All() {
		if g.Tag == "" || seen[string(g.Tag)] {
			t.Errorf("empty or duplicate tag %q", g.Tag)
		}
		seen[string(g.Tag)] = true
		if got, ok := Lookup(g.Tag); !ok || got != g {
			t.Errorf("Lookup(%q) does not return the generation", g.Tag)
		}
		if strings.HasPrefix(g.Component.String(), "Component(") || strings.HasPrefix(g.Status.String(), "Status(") {
			t.Errorf("%s: invalid component %d or status %d", g.Tag, g.Component, g.Status)
		}
		if g.Summary == "" || len(g.Kernels) == 0 {
			t.Errorf("%s: missing summary or kernels", g.Tag)
		}
		if !g.Verified && len(g.Unverified) == 0 {
			t.Errorf("%s: not verified but no unverified points listed", g.Tag)
		}
		for _, c := range g.Compatibles {
			if c == "" {
				t.Errorf("%s: empty compatible string", g.Tag)
			}
			found := false
			for _, h := range ByCompatible(c) {
				found = found || h == g
			}
			if !found {
				t.Errorf("%s: ByCompatible(%q) misses it", g.Tag, c)
			}
		}
		if len(g.Compatibles) == 0 && g.Root == "" {
			t.Errorf("%s: neither a compatible string nor a root struct identifies it", g.Tag)
		}
		if g.Root != "" {
			if _, ok := g.Struct(g.Root); !ok {
				t.Errorf("%s: root struct %q not in Structs", g.Tag, g.Root)
			}
		}
		// FDT generations describe nodes; raw-struct ones name a root.
		if (g.Root == "") != (len(g.Nodes) > 0) {
			t.Errorf("%s: Root %q with %d nodes", g.Tag, g.Root, len(g.Nodes))
		}
		names := map[string]bool{}
		for _, s := range g.Structs {
			if names[s.Name] {
				t.Errorf("%s: two structs named %s", g.Tag, s.Name)
			}
			names[s.Name] = true
		}
		consts := map[string]bool{}
		for _, c := range g.Constants {
			if c.Name == "" || c.Meaning == "" || consts[c.Name] {
				t.Errorf("%s: bad or duplicate constant %q", g.Tag, c.Name)
			}
			consts[c.Name] = true
		}
		checkNodes(t, g)
	}
	if _, ok := Lookup("no-such-tag"); ok {
		t.Error("Lookup of an unknown tag succeeded")
	}
}

func checkNodes(t *testing.T, g *Generation) {
	t.Helper()
	paths := map[string]bool{}
	for _, n := range g.Nodes {
		key := n.FDT + ":" + n.Path
		if n.Path == "" || !strings.HasPrefix(n.Path, "/") || paths[key] {
			t.Errorf("%s: bad or duplicate node path %q", g.Tag, key)
		}
		paths[key] = true
		if strings.Contains(n.Path, "<") != n.Repeated {
			t.Errorf("%s %s: placeholder paths and Repeated must agree", g.Tag, n.Path)
		}
		props := map[string]bool{}
		for _, p := range n.Props {
			if p.Name == "" || props[p.Name] || strings.HasPrefix(p.Kind.String(), "PropKind(") {
				t.Errorf("%s %s: bad property %q", g.Tag, n.Path, p.Name)
			}
			props[p.Name] = true
			switch p.Kind {
			case PropPhysAddr, PropSize, PropU64, PropU64BE:
				if p.Size != 8 {
					t.Errorf("%s %s %s: u64 property of size %d", g.Tag, n.Path, p.Name, p.Size)
				}
			case PropU32:
				if p.Size != 4 {
					t.Errorf("%s %s %s: u32 property of size %d", g.Tag, n.Path, p.Name, p.Size)
				}
			}
			if p.Struct != "" {
				s, ok := g.Struct(p.Struct)
				if !ok {
					t.Errorf("%s %s %s: struct %q not in the generation", g.Tag, n.Path, p.Name, p.Struct)
				} else if p.Kind == PropRaw && p.Size != 0 && p.Size != s.Size {
					t.Errorf("%s %s %s: size %d, struct %d", g.Tag, n.Path, p.Name, p.Size, s.Size)
				}
			}
		}
		if n.Compatible != "" {
			p, ok := n.Prop("compatible")
			if !ok || p.Size != len(n.Compatible)+1 || p.Kind != PropString {
				t.Errorf("%s %s: compatible property must be a %d-byte string", g.Tag, n.Path, len(n.Compatible)+1)
			}
			inList := false
			for _, c := range g.Compatibles {
				inList = inList || c == n.Compatible
			}
			if !inList {
				t.Errorf("%s %s: node compatible %q not in Compatibles", g.Tag, n.Path, n.Compatible)
			}
		}
		if got, ok := g.Node(n.FDT, n.Path); !ok || got.Path != n.Path {
			t.Errorf("%s: Node(%q, %q) lookup failed", g.Tag, n.FDT, n.Path)
		}
	}
}

func isInteger(k Kind) bool {
	return k == KindUint || k == KindPhysAddr || k == KindBitfield || k == KindBitmap
}

// alignOf is the natural alignment of a field's element on x86-64/arm64.
func alignOf(f Field) int {
	if f.Kind == KindStruct && f.Type != nil {
		a := 1
		for _, in := range f.Type.Fields {
			a = max(a, alignOf(in))
		}
		return a
	}
	if f.Kind == KindCString || f.Kind == KindBytes {
		return 1
	}
	if f.Kind == KindBitfield {
		return f.Size
	}
	return f.ElemSize()
}

// TestStructLayout checks every struct on its own: fields inside the
// struct, no overlaps (bitfields share a unit only with disjoint bit
// ranges), no holes, consistent kinds, natural alignment when not packed.
func TestStructLayout(t *testing.T) {
	for s, label := range allStructs() {
		t.Run(label, func(t *testing.T) {
			if s.Name == "" || s.Size <= 0 || s.Meaning == "" || len(s.Fields) == 0 {
				t.Fatalf("incomplete struct %+v", s)
			}
			covered := make([]string, s.Size*8)
			prev := 0
			for _, f := range s.Fields {
				where := fmt.Sprintf("field %s", f.Name)
				if f.Name == "" || f.CType == "" || f.Meaning == "" {
					t.Errorf("%s: missing name, C type or meaning", where)
				}
				if strings.Contains(f.Name, ".") {
					t.Errorf("%s: dotted names are reserved for Field look-ups", where)
				}
				if f.Offset < prev {
					t.Errorf("%s: offset %d before previous field at %d", where, f.Offset, prev)
				}
				prev = f.Offset
				if f.Offset < 0 || f.Size <= 0 || f.End() > s.Size {
					t.Errorf("%s: [%d,%d) outside [0,%d)", where, f.Offset, f.End(), s.Size)
					continue
				}
				if f.Count < 0 || (f.Count > 0 && f.Size%f.Count != 0) {
					t.Errorf("%s: size %d not a multiple of count %d", where, f.Size, f.Count)
				}
				if strings.HasPrefix(f.Kind.String(), "Kind(") {
					t.Errorf("%s: invalid kind", where)
				}
				if isInteger(f.Kind) != (f.Endian == LittleEndian) {
					t.Errorf("%s: kind %v with byte order %v", where, f.Kind, f.Endian)
				}
				if isInteger(f.Kind) {
					if es := f.ElemSize(); es != 1 && es != 2 && es != 4 && es != 8 {
						t.Errorf("%s: integer element of %d bytes", where, es)
					}
				}
				if f.Kind == KindPhysAddr && f.ElemSize() != 8 {
					t.Errorf("%s: physical address of %d bytes", where, f.ElemSize())
				}
				if f.Kind == KindBitmap && f.ElemSize() != 8 {
					t.Errorf("%s: bitmap words must be unsigned long (8 bytes)", where)
				}
				if f.Kind == KindCString && (f.Count != f.Size || f.CType != fmt.Sprintf("char[%d]", f.Size)) {
					t.Errorf("%s: char array with count %d, C type %q", where, f.Count, f.CType)
				}
				if f.Kind == KindStruct {
					if f.Type == nil || f.Size != f.Type.Size*max(f.Count, 1) {
						t.Errorf("%s: embedded struct size mismatch", where)
					}
				} else if f.Type != nil {
					t.Errorf("%s: Type set on a %v field", where, f.Kind)
				}
				lo, hi := f.Offset*8, f.End()*8
				if f.Kind == KindBitfield {
					if f.BitSize <= 0 || f.BitOffset < 0 || f.BitOffset+f.BitSize > f.Size*8 || f.Count != 0 {
						t.Errorf("%s: bits %d+%d outside its %d-byte unit", where, f.BitOffset, f.BitSize, f.Size)
						continue
					}
					lo, hi = lo+f.BitOffset, lo+f.BitOffset+f.BitSize
				} else if f.BitSize != 0 || f.BitOffset != 0 {
					t.Errorf("%s: bit range on a non-bitfield", where)
				}
				if !s.Packed && f.Offset%alignOf(f) != 0 {
					t.Errorf("%s: offset %d not aligned to %d in a non-packed struct", where, f.Offset, alignOf(f))
				}
				for b := lo; b < hi; b++ {
					if covered[b] != "" {
						t.Errorf("%s overlaps %s at bit %d", where, covered[b], b)
						break
					}
					covered[b] = f.Name
				}
			}
			for b, name := range covered {
				if name == "" {
					t.Errorf("hole at byte %d bit %d", b/8, b%8)
					break
				}
			}
		})
	}
}

// TestSizeMatrix is docs/abi/generations.md §8, typed in independently of the
// registry data.
func TestSizeMatrix(t *testing.T) {
	rows := []struct {
		tags   string
		name   string
		size   int
		absent bool
	}{
		// KHO
		{tags: "K1a K1b K2 K3 K4 K-RFC-compat", name: "setup_data", size: 16},
		{tags: "K1a K1b K2 K3 K4 K-RFC-compat", name: "kho_data", size: 32},
		{tags: "K1a K1b K2 K3 K4 K-RFC-compat", name: "kho_scratch", size: 16},
		{tags: "K1a K1b", name: "khoser_mem_chunk", size: 4096},
		{tags: "K1a K1b", name: "khoser_mem_bitmap_ptr", size: 16},
		{tags: "K1a", name: "kho_mem_phys_bits", size: 512},
		{tags: "K1b", name: "kho_mem_phys_bits", size: 4096},
		{tags: "K1a", name: "kho_vmalloc", absent: true},
		{tags: "K1b K2 K3 K4 K-RFC-compat M1 M2a M2b M3 M4 kho_test", name: "kho_vmalloc", size: 16},
		{tags: "K1b K2 K3 K4 K-RFC-compat M1 M2a M2b M3 M4 kho_test", name: "kho_vmalloc_chunk", size: 4096},
		{tags: "K2 K3 K4 K-RFC-compat", name: "kho_radix_node", size: 4096},
		{tags: "K2 K3 K4 K-RFC-compat", name: "kho_radix_leaf", size: 4096},
		{tags: "K1a K1b K2 K3", name: "kho_block_header_ser", absent: true},
		{tags: "K4 K-RFC-compat L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "kho_block_header_ser", size: 16},
		// LUO
		{tags: "L-luo-v2", name: "luo_ser", size: 24},
		{tags: "L-luo-v3 L-luo-v4 L-luo-v5", name: "luo_ser", size: 32},
		{tags: "L-blk", name: "luo_ser", size: 48},
		{tags: "L-RFC-compat", name: "luo_ser", size: 40},
		{tags: "L-feat", name: "luo_ser", size: 152},
		{tags: "L-RFC L-v4 L-v5 L-v6 L-6.19-pre L-6.19 L-FLB", name: "luo_ser", absent: true},
		{tags: "L-v5", name: "luo_session_head_ser", size: 16},
		{tags: "L-v6", name: "luo_session_header_ser", size: 16},
		{tags: "L-6.19-pre L-6.19 L-FLB L-luo-v2 L-luo-v3", name: "luo_session_header_ser", size: 8},
		{tags: "L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "luo_session_header_ser", absent: true},
		{tags: "L-v4 L-v5", name: "luo_session_ser", size: 80},
		{tags: "L-v6", name: "luo_session_ser", size: 88},
		{tags: "L-6.19-pre", name: "luo_session_ser", size: 64},
		{tags: "L-6.19 L-FLB L-luo-v2 L-luo-v3 L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "luo_session_ser", size: 80},
		{tags: "L-6.19 L-FLB L-luo-v2 L-luo-v3 L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "luo_file_set_ser", size: 16},
		{tags: "L-v4 L-v5 L-v6 L-6.19 L-FLB L-luo-v2 L-luo-v3 L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "luo_file_ser", size: 64},
		{tags: "L-v5", name: "luo_flb_head_ser", size: 16},
		{tags: "L-v6 L-FLB L-luo-v2 L-luo-v3 L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "luo_flb_header_ser", size: 16},
		{tags: "L-v5 L-v6 L-FLB L-luo-v2 L-luo-v3 L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", name: "luo_flb_ser", size: 64},
		{tags: "L-6.19 L-6.19-pre", name: "luo_flb_ser", absent: true},
		{tags: "L-feat M4", name: "luo_feature_hdr", size: 128},
		{tags: "L-feat", name: "liveupdate_ver_hdr", size: 8},
		{tags: "L-feat", name: "liveupdate_feature_entry", size: 80},
		// memfd
		{tags: "M0", name: "memfd_luo_ser", absent: true},
		{tags: "M0", name: "memfd_luo_preserved_folio", size: 16},
		{tags: "M1", name: "memfd_luo_ser", size: 40},
		{tags: "M2a M2b M3", name: "memfd_luo_ser", size: 48},
		{tags: "M4", name: "memfd_luo_ser", size: 176},
		{tags: "M1 M2a M2b M3 M4", name: "memfd_luo_folio_ser", size: 16},
		// other clients
		{tags: "kexec-metadata", name: "kho_kexec_metadata", size: 73},
	}
	for _, r := range rows {
		for _, tag := range strings.Fields(r.tags) {
			g, ok := Lookup(Tag(tag))
			if !ok {
				t.Errorf("no generation %s", tag)
				continue
			}
			s, ok := g.Struct(r.name)
			switch {
			case r.absent && ok:
				t.Errorf("%s: %s should not exist", tag, r.name)
			case !r.absent && !ok:
				t.Errorf("%s: no struct %s", tag, r.name)
			case ok && s.Size != r.size:
				t.Errorf("%s: sizeof(%s) = %d, want %d", tag, r.name, s.Size, r.size)
			}
		}
	}
}

// TestConstants checks capacities from docs/abi/generations.md §8 and §2.2.
func TestConstants(t *testing.T) {
	rows := []struct {
		tags  string
		name  string
		value uint64
	}{
		{"K1a K1b", "KHOSER_BITMAP_SIZE", 255},
		{"K1a", "PRESERVE_BITS", 4096},
		{"K1b", "PRESERVE_BITS", 32768},
		{"K1b K2 K3 K4 K-RFC-compat", "KHO_VMALLOC_SIZE", 511},
		{"K2 K3 K4 K-RFC-compat", "KHO_ORDER_0_LOG2", 52},
		{"K2 K3 K4 K-RFC-compat", "KHO_TABLE_SIZE_LOG2", 9},
		{"K2 K3 K4 K-RFC-compat", "KHO_BITMAP_SIZE_LOG2", 15},
		{"K2 K3 K4 K-RFC-compat", "KHO_TREE_MAX_DEPTH", 6},
		{"K1a K1b K2 K3 K4 K-RFC-compat", "SETUP_KEXEC_KHO", 10},
		{"K4 K-RFC-compat L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", "KHO_MAX_BLOCKS", 10000},
		{"L-v5", "LUO_SESSION_MAX", 819},
		{"L-v6", "LUO_SESSION_MAX", 744},
		{"L-6.19 L-FLB L-luo-v2 L-luo-v3", "LUO_SESSION_MAX", 819},
		{"L-6.19-pre", "LUO_SESSION_MAX", 1023},
		{"L-v5 L-v6 L-6.19 L-FLB L-luo-v2 L-luo-v3 L-luo-v4", "LUO_FILE_MAX", 128},
		{"L-v5 L-v6 L-FLB L-luo-v2 L-luo-v3 L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", "LUO_FLB_MAX", 63},
		{"L-blk L-luo-v4 L-luo-v5 L-RFC-compat L-feat", "sessions-per-block", 51},
		{"L-blk L-luo-v5 L-RFC-compat L-feat", "files-per-block", 63},
		{"L-v5", "LIVEUPDATE_SESSION_NAME_LENGTH", 56},
		{"L-v6 L-6.19 L-luo-v5 L-feat", "LIVEUPDATE_SESSION_NAME_LENGTH", 64},
		{"L-luo-v3 L-luo-v4 L-luo-v5", "LUO_ABI_COMPAT_LEN", 8},
		{"L-blk", "LUO_ABI_COMPAT_LEN", 24},
		{"L-RFC-compat", "LUO_ABI_COMPAT_LEN", 16},
		{"M3", "compat-align", 24},
		{"M2a M2b M3", "MEMFD_LUO_ALL_SEALS", 0x3f},
		{"M4", "MEMFD_LUO_BASE_SEALS", 0x3f},
		{"kexec-metadata", "min-blob-size", 73},
		{"kexec-metadata", "min-blob-size-version", 4},
	}
	for _, r := range rows {
		for _, tag := range strings.Fields(r.tags) {
			g, ok := Lookup(Tag(tag))
			if !ok {
				t.Errorf("no generation %s", tag)
				continue
			}
			c, ok := g.Constant(r.name)
			if !ok || c.Value != r.value {
				t.Errorf("%s: %s = %d (present %v), want %d", tag, r.name, c.Value, ok, r.value)
			}
		}
	}
	depths := []struct {
		shift        int
		early, later int
	}{{12, 6, 6}, {14, 4, 5}, {16, 4, 4}}
	for _, d := range depths {
		if e, l := radixDepth(d.shift, false), radixDepth(d.shift, true); e != d.early || l != d.later {
			t.Errorf("page shift %d: depth %d/%d, want %d/%d", d.shift, e, l, d.early, d.later)
		}
	}
}

func TestByCompatible(t *testing.T) {
	cases := map[string]string{
		"kho-v1":                     "K1a K1b",
		"kho-v2":                     "K2",
		"kho-v4":                     "K4",
		"kho-v4;radix-v1;vmalloc-v1": "K-RFC-compat",
		"luo-v1":                     "L-RFC L-v4 L-v5 L-v6 L-6.19-pre L-6.19 L-FLB",
		"luo-session-v1":             "L-v4 L-v5 L-v6 L-6.19-pre",
		"luo-session-v2":             "L-6.19 L-FLB",
		"luo-flb-v1":                 "L-v5 L-v6 L-FLB",
		"luo-v3":                     "L-luo-v3",
		"luo-v4-kho-block-v1":        "L-blk",
		"luo-v5;block-v1":            "L-RFC-compat",
		"memfd-v1":                   "M0 M1",
		"memfd-v2":                   "M2a M2b",
		"memfd-v2;vmalloc-v1":        "M3",
		"memfd":                      "M4",
		"memblock-v1":                "memblock",
		"kho-test-v1":                "kho_test",
		"luo-v9":                     "",
		"":                           "",
	}
	for s, want := range cases {
		var got []string
		for _, g := range ByCompatible(s) {
			got = append(got, string(g.Tag))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("ByCompatible(%q) = %v, want %s", s, got, want)
		}
	}
}

func TestFieldLookup(t *testing.T) {
	cases := []struct {
		tag, st, field string
		off, size      int
		kind           Kind
	}{
		{"M1", "memfd_luo_ser", "folios", 24, 16, KindStruct},
		{"M1", "memfd_luo_ser", "folios.first", 24, 8, KindPhysAddr},
		{"M4", "memfd_luo_ser", "folios.order", 174, 2, KindUint},
		{"M4", "memfd_luo_ser", "features.reserved", 24, 104, KindUint},
		{"L-6.19", "luo_session_ser", "file_set_ser.count", 72, 8, KindUint},
		{"L-feat", "luo_ser", "features.active", 16, 8, KindUint},
		{"K1a", "khoser_mem_chunk", "hdr.num_elms", 12, 4, KindUint},
		{"K1b", "kho_vmalloc_chunk", "phys", 8, 4088, KindPhysAddr},
		{"L-blk", "luo_ser", "flbs_pa", 40, 8, KindPhysAddr},
		{"M2a", "memfd_luo_ser", "__reserved", 16, 8, KindBitfield},
	}
	for _, c := range cases {
		g, _ := Lookup(Tag(c.tag))
		s, ok := g.Struct(c.st)
		if !ok {
			t.Errorf("%s: no %s", c.tag, c.st)
			continue
		}
		f, ok := s.Field(c.field)
		if !ok || f.Name != c.field || f.Offset != c.off || f.Size != c.size || f.Kind != c.kind {
			t.Errorf("%s %s.%s = %+v (found %v), want offset %d size %d kind %v", c.tag, c.st, c.field, f, ok, c.off, c.size, c.kind)
		}
	}
	g, _ := Lookup("M1")
	s, _ := g.Struct("memfd_luo_ser")
	for _, bad := range []string{"", "nope", "pos.x", "folios.", "folios.nope", ".pos"} {
		if _, ok := s.Field(bad); ok {
			t.Errorf("Field(%q) succeeded", bad)
		}
	}
	f, _ := s.Field("folios.first")
	f.Offset = 999
	if again, _ := s.Field("folios.first"); again.Offset != 24 {
		t.Error("Field returned a pointer into the registry")
	}
	chunk, _ := g.Struct("kho_vmalloc_chunk")
	if _, ok := chunk.Field("phys.x"); ok {
		t.Error("dotted look-up into an integer array succeeded")
	}
}

func TestLeaves(t *testing.T) {
	g, _ := Lookup("M4")
	s, _ := g.Struct("memfd_luo_ser")
	var names []string
	for _, f := range s.Leaves() {
		names = append(names, fmt.Sprintf("%s@%d", f.Name, f.Offset))
	}
	want := "features.supp@0 features.req@8 features.active@16 features.reserved@24 pos@128 size@136 seals@144 flags@148 " +
		"nr_folios@152 folios.first@160 folios.total_pages@168 folios.flags@172 folios.order@174"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Leaves = %s\nwant %s", got, want)
	}
}

func TestEnumStrings(t *testing.T) {
	if StatusReleased.String() != "released" || StatusBisect.String() != "bisect" || Status(99).String() != "Status(99)" {
		t.Error("Status.String")
	}
	if ComponentMemfd.String() != "memfd" || Component(0).String() != "Component(0)" {
		t.Error("Component.String")
	}
	if KindPhysAddr.String() != "physaddr" || Kind(-1).String() != "Kind(-1)" {
		t.Error("Kind.String")
	}
	if LittleEndian.String() != "little" || Endian(7).String() != "Endian(7)" {
		t.Error("Endian.String")
	}
	if PropPhysAddr.String() != "u64le-physaddr" || PropU64BE.String() != "u64be" || PropKind(0).String() != "PropKind(0)" {
		t.Error("PropKind.String")
	}
}

// TestAllIsCopy makes sure callers cannot reorder the registry.
func TestAllIsCopy(t *testing.T) {
	a := All()
	first := a[0]
	a[0] = nil
	if All()[0] != first {
		t.Error("All exposes the registry slice")
	}
}

// TestDocComments requires a doc comment on every exported declaration.
func TestDocComments(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil {
					t.Errorf("%s: %s has no doc comment", fset.Position(d.Pos()), d.Name.Name)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						if sp.Name.IsExported() && d.Doc == nil && sp.Doc == nil {
							t.Errorf("%s: type %s has no doc comment", fset.Position(sp.Pos()), sp.Name.Name)
						}
						if st, ok := sp.Type.(*ast.StructType); ok {
							for _, fl := range st.Fields.List {
								for _, n := range fl.Names {
									if n.IsExported() && fl.Doc == nil {
										t.Errorf("%s: field %s.%s has no doc comment", fset.Position(n.Pos()), sp.Name.Name, n.Name)
									}
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							if n.IsExported() && d.Doc == nil && sp.Doc == nil {
								t.Errorf("%s: %s has no doc comment", fset.Position(n.Pos()), n.Name)
							}
						}
					}
				}
			}
		}
	}
}

// TestLv4SessionFDTBigEndian pins the byte order of the L-v4 session FDT
// ([PATCH v4 11/30]: fdt_property_u64) and checks that no other property
// is big-endian.
func TestLv4SessionFDTBigEndian(t *testing.T) {
	for _, g := range All() {
		for _, n := range g.Nodes {
			for _, p := range n.Props {
				be := g.Tag == "L-v4" && n.FDT == "luo-session" && (p.Name == "count" || p.Name == "data" || p.Name == "pgcnt")
				if (p.Kind == PropU64BE) != be {
					t.Errorf("%s %s:%s %s: kind %v", g.Tag, n.FDT, n.Path, p.Name, p.Kind)
				}
			}
		}
	}
}
