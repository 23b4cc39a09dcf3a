package btfsrc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// m1Types builds, with the cilium/ebpf marshaller, BTF for the memfd-v1
// structs (M1) the way a kernel's BTF describes them: typedefs, a
// DECLARE_KHOSER_PTR union, bitfields, plus an unrelated struct.
func m1Types() []btf.Type {
	ull := &btf.Int{Name: "long long unsigned int", Size: 8}
	u64 := &btf.Typedef{Name: "u64", Type: ull}
	phys := &btf.Typedef{Name: "phys_addr_t", Type: ull}
	u32 := &btf.Int{Name: "unsigned int", Size: 4}
	u16 := &btf.Int{Name: "short unsigned int", Size: 2}
	chunk := &btf.Struct{Name: "kho_vmalloc_chunk", Size: 4096}
	khoserPtr := &btf.Union{Size: 8, Members: []btf.Member{{Name: "phys", Type: phys}, {Name: "ptr", Type: &btf.Pointer{Target: chunk}}}}
	hdr := &btf.Struct{Name: "kho_vmalloc_hdr", Size: 8, Members: []btf.Member{{Name: "next", Type: khoserPtr}}}
	chunk.Members = []btf.Member{
		{Name: "hdr", Type: hdr},
		{Name: "phys", Type: &btf.Array{Index: u32, Type: phys, Nelems: 511}, Offset: 64},
	}
	vmalloc := &btf.Struct{Name: "kho_vmalloc", Size: 16, Members: []btf.Member{
		{Name: "first", Type: khoserPtr},
		{Name: "total_pages", Type: u32, Offset: 64},
		{Name: "flags", Type: u16, Offset: 96},
		{Name: "order", Type: u16, Offset: 112},
	}}
	folio := &btf.Struct{Name: "memfd_luo_folio_ser", Size: 16, Members: []btf.Member{
		{Name: "pfn", Type: u64, BitfieldSize: 52},
		{Name: "flags", Type: u64, Offset: 52, BitfieldSize: 12},
		{Name: "index", Type: u64, Offset: 64},
	}}
	ser := &btf.Struct{Name: "memfd_luo_ser", Size: 40, Members: []btf.Member{
		{Name: "pos", Type: u64},
		{Name: "size", Type: u64, Offset: 64},
		{Name: "nr_folios", Type: u64, Offset: 128},
		{Name: "folios", Type: vmalloc, Offset: 192},
	}}
	other := &btf.Struct{Name: "task_struct", Size: 8, Members: []btf.Member{{Name: "x", Type: u64}}}
	return []btf.Type{ser, folio, chunk, other}
}

func marshal(t *testing.T, types []btf.Type) []byte {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRawBTFMatchesRegistry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m1.btf")
	raw := marshal(t, m1Types())
	if !IsBTF(raw) {
		t.Fatal("IsBTF(raw) = false")
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Struct("task_struct"); ok {
		t.Error("non-ABI struct taken")
	}
	folio, ok := got.Struct("memfd_luo_folio_ser")
	if !ok {
		t.Fatal("no memfd_luo_folio_ser")
	}
	if f, _ := folio.Field("flags"); f.BitPos() != 52 || f.BitSize != 12 || f.Type != "u64:12" {
		t.Errorf("flags bitfield: %+v", f)
	}
	if ser, _ := got.Struct("memfd_luo_ser"); ser == nil || ser.Size != 40 {
		t.Fatalf("memfd_luo_ser: %+v", ser)
	}
	want, err := schema.FromRegistry("M1")
	if err != nil {
		t.Fatal(err)
	}
	r := schema.Diff(want, got)
	if r.HasChanges() || r.HasUnbumped() {
		for _, f := range r.Findings {
			t.Logf("%s %s %s", f.Class, f.Kind, f.Message)
		}
		t.Error("BTF layout differs from the registry")
	}
	// A moved bitfield is caught.
	types := m1Types()
	fs := types[1].(*btf.Struct)
	fs.Members[0].Offset, fs.Members[1].Offset = 12, 0
	path2 := filepath.Join(t.TempDir(), "m0ish.btf")
	if err := os.WriteFile(path2, marshal(t, types), 0o644); err != nil {
		t.Fatal(err)
	}
	moved, err := Load(path2)
	if err != nil {
		t.Fatal(err)
	}
	r = schema.Diff(got, moved)
	found := false
	for _, f := range r.Findings {
		found = found || f.Kind == schema.KindBitfieldMoved
	}
	if !found {
		t.Error("moved bitfield not reported")
	}
}

// TestELFWithRodata builds a relocatable ELF that carries the BTF as a
// .BTF section and compatible strings in .rodata (needs gcc and objcopy).
func TestELFWithRodata(t *testing.T) {
	gcc := testutil.OraclePath(t, "gcc")
	objcopy := testutil.OraclePath(t, "objcopy")
	dir := t.TempDir()
	c := filepath.Join(dir, "img.c")
	src := `const char a[] = "memfd-v1"; const char b[] = "luo-v5"; const char n[] = "not-luo-v5x"; const char k[] = "kho-v4;radix-v1;vmalloc-v1";` + "\n"
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, "img.o")
	if out, err := exec.Command(gcc, "-c", "-O0", "-o", obj, c).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	raw := filepath.Join(dir, "raw.btf")
	if err := os.WriteFile(raw, marshal(t, m1Types()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(objcopy, "--add-section", ".BTF="+raw, obj).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	s, err := Load(obj)
	if err != nil {
		t.Fatal(err)
	}
	var compats []string
	for _, comp := range s.Components {
		compats = append(compats, comp.Compatibles...)
	}
	if got := strings.Join(compats, ","); got != "kho-v4;radix-v1;vmalloc-v1,luo-v5,memfd-v1" {
		t.Errorf("compatibles %q", got)
	}
	if _, ok := s.Struct("memfd_luo_ser"); !ok {
		t.Error("no memfd_luo_ser from the ELF's BTF")
	}
}

func TestNoBTFSection(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	if _, err := Load(self); err == nil || !strings.Contains(err.Error(), ".BTF") {
		t.Errorf("Load(test binary) = %v, want a no-.BTF error", err)
	}
}

// TestRunningKernel reads /sys/kernel/btf/vmlinux when it exists.
func TestRunningKernel(t *testing.T) {
	const p = "/sys/kernel/btf/vmlinux"
	if _, err := os.Stat(p); err != nil {
		t.Skip(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Components {
		for _, st := range c.Structs {
			t.Logf("%s: struct %s (%d bytes)", c.Name, st.Name, st.Size)
		}
	}
}
