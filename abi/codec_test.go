package abi

import (
	"bytes"
	"testing"
)

func TestFieldCodec(t *testing.T) {
	folio := MustStruct("M1", "memfd_luo_folio_ser")
	b := make([]byte, folio.Size)
	pfn, flags := folio.MustField("pfn"), folio.MustField("flags")
	pfn.PutUint(b, 0x123456789)
	flags.PutUint(b, 0x3)
	if got := pfn.Uint(b); got != 0x123456789 {
		t.Errorf("pfn = %#x", got)
	}
	if got := flags.Uint(b); got != 3 {
		t.Errorf("flags = %#x", got)
	}
	// The worked example of docs/abi/generations.md §5.2.
	if !bytes.Equal(b[:8], []byte{0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x30, 0x00}) {
		t.Errorf("word = % x", b[:8])
	}
	pfn.PutUint(b, 1<<60) // too wide: dropped, flags untouched
	if pfn.Uint(b) != 0 || flags.Uint(b) != 3 {
		t.Errorf("overflow leaked: pfn %#x flags %#x", pfn.Uint(b), flags.Uint(b))
	}

	vm := MustStruct("K1b", "kho_vmalloc")
	v := make([]byte, vm.Size)
	vm.MustField("order").PutUint(v, 9)
	vm.MustField("total_pages").PutUint(v, 0xfffffffe)
	if v[14] != 9 || vm.MustField("total_pages").Uint(v) != 0xfffffffe {
		t.Errorf("kho_vmalloc = % x", v)
	}
	chunk := MustStruct("K1b", "kho_vmalloc_chunk")
	c := make([]byte, chunk.Size)
	chunk.MustField("phys").PutElem(c, 510, 0xabc000)
	if chunk.MustField("phys").Elem(c, 510) != 0xabc000 || c[4088] != 0 || c[4089] != 0xc0 {
		t.Error("phys[510] misplaced")
	}
}

func TestCStringField(t *testing.T) {
	s := MustStruct("L-6.19", "luo_session_ser")
	name := s.MustField("name")
	b := make([]byte, s.Size)
	if err := name.PutCString(b, "vm0"); err != nil {
		t.Fatal(err)
	}
	if got, term, clean := name.CString(b); got != "vm0" || !term || !clean {
		t.Errorf("CString = %q %v %v", got, term, clean)
	}
	b[name.Offset+10] = 'x'
	if _, _, clean := name.CString(b); clean {
		t.Error("junk after NUL not reported")
	}
	if err := name.PutCString(b, string(bytes.Repeat([]byte{'a'}, name.Size))); err == nil {
		t.Error("overlong name accepted")
	}
	for i := 0; i < name.Size; i++ {
		b[name.Offset+i] = 'a'
	}
	if _, term, _ := name.CString(b); term {
		t.Error("unterminated name reported as terminated")
	}
}
