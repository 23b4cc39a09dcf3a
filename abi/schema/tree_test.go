package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeTree writes a fake kernel tree: files maps tree paths to lists of
// fixture headers (from cheader/testdata/headers) concatenated, with
// optional string replacements applied.
func makeTree(t *testing.T, files map[string][]string, replace ...string) string {
	t.Helper()
	dir := t.TempDir()
	for dst, srcs := range files {
		var b strings.Builder
		for _, s := range srcs {
			data, err := os.ReadFile(filepath.Join("cheader", "testdata", "headers", s))
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
		text := strings.NewReplacer(replace...).Replace(b.String())
		p := filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func treeSnap(t *testing.T, dir string) *Snapshot {
	t.Helper()
	s, err := FromKernelTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range s.Warnings {
		t.Errorf("warning: %s", w)
	}
	return s
}

// TestTreeMatchesRegistry checks a tree laid out like a 2026 kernel
// against the registry combination it describes: no wire differences.
func TestTreeMatchesRegistry(t *testing.T) {
	dir := makeTree(t, map[string][]string{
		"include/linux/kho/abi/kexec_handover.h": {"kho_vmalloc.h"},
		"include/linux/kho/abi/block.h":          {"kho_block.h"},
		"include/linux/kho/abi/luo.h":            {"luo_619.h"},
		"include/linux/kho/abi/memfd.h":          {"memfd_m1.h"},
		"include/linux/kho/abi/kexec_metadata.h": {"kexec_metadata.h"},
	})
	tree := treeSnap(t, dir)
	reg := mustReg(t, "K-RFC-compat+L-6.19+M1+kexec-metadata")
	r := Diff(reg, tree)
	if r.HasChanges() || r.HasUnbumped() {
		t.Errorf("tree differs from registry:\n%s", dump(r))
	}
	luo, _ := tree.Component(CompLUO)
	if got := strings.Join(luo.Compatibles, ","); got != "luo-v1,luo-session-v2" {
		t.Errorf("LUO compatibles %q", got)
	}
}

// TestTreeUnbumped diffs two trees where a header changed a layout
// without touching the string, as a CI job would.
func TestTreeUnbumped(t *testing.T) {
	tests := []struct {
		name        string
		old, new    map[string][]string
		replace     []string
		governs     string
		kind        Kind
		subj        string
		wantChanges bool
	}{
		{"session name 56->64", map[string][]string{"include/linux/liveupdate/abi/luo.h": {"luo_v5.h"}}, nil,
			[]string{"LENGTH 56", "LENGTH 64"}, "luo-session-v1", KindFieldResized, "luo_session_ser.name", true},
		{"head->header property", map[string][]string{"include/linux/liveupdate/abi/luo.h": {"luo_v5.h"}}, nil,
			[]string{`"luo-session-head"`, `"luo-session-header"`}, "luo-v1", KindStringChanged, "LUO_SESSION_HEAD_PROP", false},
		{"K1a->K1b bitmaps", map[string][]string{"kernel/kexec_handover.c": {"kho_k1a.h", "kho_k1.h"}},
			map[string][]string{"kernel/kexec_handover.c": {"kho_k1.h"}}, nil, "kho-v1", KindStructResized, "kho_mem_phys_bits", true},
		{"M2a->M2b seals", map[string][]string{"include/linux/kho/abi/memfd.h": {"kho_vmalloc.h", "memfd_m2a.h"}},
			map[string][]string{"include/linux/kho/abi/memfd.h": {"kho_vmalloc.h", "memfd_m2b.h"}}, nil, "memfd-v2", KindFieldRetyped, "memfd_luo_ser.seals", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newFiles := tt.new
			if newFiles == nil {
				newFiles = tt.old
			}
			a := treeSnap(t, makeTree(t, tt.old))
			b := treeSnap(t, makeTree(t, newFiles, tt.replace...))
			r := Diff(a, b)
			if !hasFinding(r, KindUnbumped, tt.governs, true) || !hasFinding(r, tt.kind, tt.subj, true) {
				t.Errorf("missing unbumped %s %s under %s:\n%s", tt.kind, tt.subj, tt.governs, dump(r))
			}
		})
	}
}

func TestTreeWithoutSources(t *testing.T) {
	if _, err := FromKernelTree(t.TempDir()); err == nil {
		t.Error("empty dir accepted")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := mustReg(t, "K4+L-luo-v5+M2b")
	var b strings.Builder
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	back, err := Read(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if r := Diff(s, back); len(r.Findings) != 0 {
		t.Errorf("round trip differs:\n%s", dump(r))
	}
	for _, bad := range []string{`{"schema":"other/v9"}`, `{"schema":"luoinspect.abi/v1","bogus":1}`, `{"schema":"luoinspect.abi/v1","components":[null]}`, `[`} {
		if _, err := Read(strings.NewReader(bad)); err == nil {
			t.Errorf("Read(%s) accepted", bad)
		}
	}
}

func TestScanCompatibles(t *testing.T) {
	data := []byte("\x00kho-v1\x00xluo-v2\x00luo-session-v2\x00memfd-v9z!\x00luo-v3-kho-block-v1\x00kho-v1\x00luo-flb-v1")
	got := strings.Join(ScanCompatibles(data), ",")
	if got != "kho-v1,luo-v3-kho-block-v1,luo-session-v2" {
		t.Errorf("ScanCompatibles = %q", got)
	}
}
