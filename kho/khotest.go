package kho

import (
	"encoding/binary"
	"errors"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// KhoTestPath is the path prefix of errors about the kho_test client FDT.
const KhoTestPath = "kho_test"

// kho_test client FDT (docs/abi/generations.md §3.3), from the registry.
var (
	khoTestRoot       = abi.MustNode("kho_test", "/")
	khoTestData       = abi.MustNode("kho_test", "/data")
	khoTestMagicValue = abi.MustConstant("kho_test", "KHO_TEST_MAGIC")
)

// KhoTest is the decoded FDT of the lib/test_kho.c module.
type KhoTest struct {
	Compatible string  // "kho-test-v1"
	Magic      uint32  // KHO_TEST_MAGIC
	NrFolios   uint32  // /data nr_folios
	FoliosInfo Vmalloc // /data folios_info: area of u64 "phys | order" words
	Csum       uint32  // /data csum
	Tree       *fdt.Tree
}

// DecodeKhoTest decodes a kho_test FDT with the module's checks: the
// compatible (phys.ErrUnsupported on a mismatch), the magic, and the
// exact length of every property. The u32 values are read in CPU
// (little-endian) order, which is presumed, not confirmed. Every error is
// a *phys.Error with CheckKhoTest; it stops at the first and then returns
// a nil KhoTest.
func DecodeKhoTest(blob []byte) (*KhoTest, error) {
	t, compat, err := parseClient(blob, KhoTestPath, khoTestRoot.Compatible, CheckKhoTest)
	if err != nil {
		return nil, err
	}
	kt := &KhoTest{Tree: t, Compatible: compat}
	// Every non-string property of both registry nodes, length-checked.
	props := map[string][]byte{}
	for _, spec := range []*abi.Node{khoTestRoot, khoTestData} {
		path := KhoTestPath + strings.TrimSuffix(spec.Path, "/")
		n, ok := t.Lookup(spec.Path)
		if !ok {
			return nil, rootErr(phys.ErrMalformed, path, -1, "no %s node", spec.Path).With(CheckKhoTest)
		}
		for _, ps := range spec.Props {
			if ps.Kind == abi.PropString {
				continue
			}
			p, ok := n.Property(ps.Name)
			if !ok {
				return nil, rootErr(phys.ErrMalformed, path+"."+ps.Name, n.Offset(), "node has no %s", ps.Name).With(CheckKhoTest)
			}
			if len(p.Value) != ps.Size {
				return nil, rootErr(phys.ErrMalformed, path+"."+ps.Name, p.ValueOffset(),
					"value is %d bytes, want %d", len(p.Value), ps.Size).With(CheckKhoTest)
			}
			props[ps.Name] = p.Value
		}
	}
	kt.Magic = binary.LittleEndian.Uint32(props["magic"])
	if uint64(kt.Magic) != khoTestMagicValue {
		p, _ := t.Root().Property("magic")
		return nil, rootErr(phys.ErrMalformed, KhoTestPath+".magic", p.ValueOffset(),
			"magic 0x%x, want 0x%x", kt.Magic, khoTestMagicValue).With(CheckKhoTest)
	}
	kt.NrFolios = binary.LittleEndian.Uint32(props["nr_folios"])
	kt.Csum = binary.LittleEndian.Uint32(props["csum"])
	if kt.FoliosInfo, err = DecodeVmalloc(props["folios_info"], KhoTestPath+"/data.folios_info"); err != nil {
		var pe *phys.Error
		if errors.As(err, &pe) {
			pe.With(CheckKhoTest) // a kho_test problem, not a vmalloc chain one
		}
		return nil, err
	}
	return kt, nil
}
