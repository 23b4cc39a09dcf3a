package abi

// Confidence grades how a generation was decided.
type Confidence string

// Confidence levels, from the strongest to the weakest.
const (
	// Certain: the bytes name their layout (a compatible string only one
	// generation writes).
	Certain Confidence = "certain"
	// High: the layout was told apart by structure (property names, entry
	// strides, FDT magic) with no plausible alternative.
	High Confidence = "high"
	// Low: several generations read the bytes the same way, or the
	// heuristics disagree; Alternatives lists the others.
	Low Confidence = "low"
	// Assumed: the user named the generation; the bytes were not asked.
	Assumed Confidence = "assumed"
)

// Detection is how the generation of one layer (KHO, LUO, memfd) was
// decided, as data: the same shape for every layer.
type Detection struct {
	// Tag is the registry tag ("K1b", "L-6.19", "M1"), or "" when the
	// layer is absent or no generation fits.
	Tag Tag
	// Confidence grades the decision.
	Confidence Confidence
	// Evidence says, one fact per line, how Tag was chosen.
	Evidence []string
	// Alternatives lists the other generations the bytes may equally be.
	Alternatives []Tag
	// Conflicts lists facts that contradict Tag: a part its generation
	// writes that is missing, a pairing with another layer that no kernel
	// wrote, bytes that detect as another generation than the one
	// assumed. A conflict is the state's defect, not a reason to pick
	// another generation.
	Conflicts []string
}

// IsAssumed reports whether the user named the generation.
func (d *Detection) IsAssumed() bool { return d.Confidence == Assumed }

// PairsWith reports whether kernels of generation g handed their state
// over with the KHO generation kho, and whether the registry knows (its
// KHO list is not empty).
func (g *Generation) PairsWith(kho Tag) (pairs, known bool) {
	if len(g.KHO) == 0 || kho == "" {
		return true, false
	}
	for _, k := range g.KHO {
		if k == kho {
			return true, true
		}
	}
	return false, true
}
