package abi

import "testing"

func TestLookupHelpers(t *testing.T) {
	arr := MustStruct("K1b", "kho_vmalloc_chunk").MustField("phys")
	if got := arr.ElemOffset(0); got != arr.Offset {
		t.Errorf("ElemOffset(0) = %d, want %d", got, arr.Offset)
	}
	if got := arr.ElemOffset(arr.Count); got != arr.End() {
		t.Errorf("ElemOffset(Count) = %d, want End %d", got, arr.End())
	}
	var tags []string
	for _, g := range ByCompatibleIn(ComponentMemfd, "memfd-v1") {
		tags = append(tags, string(g.Tag))
	}
	if len(tags) != 2 || tags[0] != "M0" || tags[1] != "M1" {
		t.Errorf("ByCompatibleIn(memfd, memfd-v1) = %v", tags)
	}
	if gs := ByCompatibleIn(ComponentKHO, "memfd-v1"); len(gs) != 0 {
		t.Errorf("ByCompatibleIn(KHO, memfd-v1) = %d generations", len(gs))
	}
	for c, want := range map[Component]string{ComponentKHO: "kho-v", ComponentMemfd: "memfd"} {
		if got := CompatiblePrefix(c); got != want {
			t.Errorf("CompatiblePrefix(%s) = %q, want %q", c, got, want)
		}
	}
	if p := MustNode("memblock", "/<region>").MustProp("start"); p.Kind != PropPhysAddr {
		t.Errorf("memblock region start is %s", p.Kind)
	}
	for name, f := range map[string]func(){
		"generation": func() { MustLookup("K9") },
		"node":       func() { MustNode("K4", "/nowhere") },
		"prop":       func() { MustNode("K4", "/").MustProp("nothing") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("missing %s did not panic", name)
				}
			}()
			f()
		}()
	}
}
