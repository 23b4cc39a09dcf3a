package handover

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// CheckCombination refuses a combination of generations that no kernel can
// write or read: a LUO blob that is a raw struct (luo_ser) has no FDT
// header to give its length, so the KHO root must carry blob-size; and the
// feature-header generations go together: L-feat names file handlers, so
// its memfd payload is the handler "memfd" (M4), which no other LUO
// generation can name.
func CheckCombination(khoTag, luoTag, memfdTag abi.Tag) error {
	kg, ok := abi.Lookup(khoTag)
	if !ok || kg.Component != abi.ComponentKHO {
		return fmt.Errorf("%w: %q is not a KHO generation", phys.ErrUnsupported, khoTag)
	}
	if luoTag == "" {
		return nil
	}
	lg, ok := abi.Lookup(luoTag)
	if !ok || lg.Component != abi.ComponentLUO {
		return fmt.Errorf("%w: %q is not a LUO generation", phys.ErrUnsupported, luoTag)
	}
	if lg.Root != "" && !carriesBlobSize(kg) {
		return fmt.Errorf("%w: %s writes a raw %s, whose length only blob-size can give, and %s roots have no blob-size",
			phys.ErrUnsupported, luoTag, lg.Root, khoTag)
	}
	if memfdTag == "" {
		return nil
	}
	mg, ok := abi.Lookup(memfdTag)
	if featureHeader(lg) != (ok && featureHeader(mg)) {
		return fmt.Errorf("%w: L-feat names handlers and only M4 is named (\"memfd\"); %s cannot carry %s",
			phys.ErrUnsupported, luoTag, memfdTag)
	}
	return nil
}

// featureHeader reports whether a generation's structs begin with the
// feature header of the feature-flag generation (L-feat, M4).
func featureHeader(g *abi.Generation) bool {
	_, ok := g.Struct("luo_feature_hdr")
	return ok
}

// carriesBlobSize reports whether a KHO generation's client nodes have the
// blob-size property.
func carriesBlobSize(g *abi.Generation) bool {
	n, ok := g.Node("", "/<client>")
	if !ok {
		return false
	}
	_, ok = n.Prop("blob-size")
	return ok
}
