package handover

// Confidence grades a detection.
type Confidence string

// Confidence levels.
const (
	// Certain: the blob names its layout (a compatible string that only
	// one generation writes) or the user said so.
	Certain Confidence = "certain"
	// High: the layout was told apart by structure (property names, entry
	// strides, FDT magic) with no plausible alternative.
	High Confidence = "high"
	// Low: several generations read the bytes the same way, or the
	// heuristics disagree; Alternatives lists the others.
	Low Confidence = "low"
)

// Component is the detected generation of one layer.
type Component struct {
	// Tag is the abi generation tag ("K1b", "L-6.19", "M1"), or "" when
	// the layer is absent.
	Tag          string
	Alternatives []string
	Confidence   Confidence
	// Evidence says, one fact per line, how Tag was chosen.
	Evidence []string
	// Overridden is set when the user named the generation.
	Overridden bool
}

// Detection names the generation of each component of a state.
type Detection struct {
	KHO   Component
	LUO   Component
	Memfd Component
}
