package statediff

import (
	"fmt"
)

// Schema names the version of the diff document (Result and ByteDiff as
// JSON). It changes when a field is removed or changes meaning; added
// fields keep it.
const Schema = "luoinspect.diff/v1"

// Op says how a value differs between A and B.
type Op string

// Ops, with the marker the text output uses.
const (
	Added    Op = "added"    // only in B ("+")
	Removed  Op = "removed"  // only in A ("-")
	Modified Op = "modified" // in both, with different values ("~")
)

// Marker returns "+", "-" or "~".
func (o Op) Marker() string {
	switch o {
	case Added:
		return "+"
	case Removed:
		return "-"
	}
	return "~"
}

// Class grades a Change.
type Class string

// Classes, from harmless to serious.
const (
	// Expected: a rule of ExpectedRules says this differs across a live
	// update. It does not affect the verdict.
	Expected Class = "expected"
	// Changed: a difference that loses nothing (a session added, a file
	// grown, an address moved in plain mode).
	Changed Class = "changed"
	// Unverified: a side could not be read far enough to compare, so the
	// comparison cannot vouch for it. It counts as Changed.
	Unverified Class = "unverified"
	// Lost: preserved data did not arrive (a rule of LossRules).
	Lost Class = "lost"
)

// Change is one difference between A and B.
type Change struct {
	// Component groups changes for display: "kho", "client LUO", "luo",
	// "session vm0", "flbs", "memblock", "kexec-metadata".
	Component string `json:"component"`
	// Path names the value, in the form dump --path takes:
	// "luo/sessions/vm0/files/2/memfd/size".
	Path  string `json:"path"`
	Op    Op     `json:"op"`
	Class Class  `json:"class"`
	// Old and New render the value in A and in B; empty for the side
	// that lacks it.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Rule is the ID of the ExpectedRules or LossRules entry that
	// classified the change, empty for a plain change.
	Rule string `json:"rule,omitempty"`
	// Detail explains the change in words.
	Detail string `json:"detail,omitempty"`
}

// Verdict is the outcome of a comparison.
type Verdict int

// Verdicts, in increasing severity.
const (
	// Identical: no difference beyond the expected ones.
	Identical Verdict = iota
	// VerdictUnverified: nothing changed or lost where both sides could be
	// read, but parts could not be compared.
	VerdictUnverified
	// Different: at least one Changed difference, nothing lost.
	Different
	// DataLost: at least one Lost difference.
	DataLost
)

var verdictNames = [...]string{Identical: "identical", VerdictUnverified: "unverified", Different: "changed", DataLost: "data-lost"}

// String returns "identical", "unverified", "changed" or "data-lost".
func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// MarshalText renders the verdict as its String.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Counts tallies the changes of a Result by class.
type Counts struct {
	Expected   int `json:"expected"`
	Changed    int `json:"changed"`
	Unverified int `json:"unverified"`
	Lost       int `json:"lost"`
}

// Side is what one input of a comparison was.
type Side struct {
	// Name labels the input ("sample k2-lflb-m1", "spec a.yaml").
	Name string `json:"name"`
	// Generations are the detected KHO, LUO and memfd generation tags.
	Generations Generations `json:"generations"`
	// Problems counts what the walk could not read.
	Problems int `json:"problems"`
}

// Generations holds the generation tag of each layer.
type Generations struct {
	KHO   string `json:"kho"`
	LUO   string `json:"luo"`
	Memfd string `json:"memfd"`
}

// Result is the outcome of Compare. Its JSON form is the diff document.
type Result struct {
	// Schema is always Schema.
	Schema string `json:"schema"`
	// Kind is "state" (ByteDiff documents say "bytes").
	Kind string `json:"kind"`
	Mode Mode   `json:"mode"`
	// BSide is which side of the next kernel B is, in AcrossUpdate mode.
	BSide BSide `json:"b_side,omitempty"`
	// IgnoreAddresses says placement was left out (Options.IgnoreAddresses).
	IgnoreAddresses bool     `json:"ignore_addresses,omitempty"`
	A               Side     `json:"a"`
	B               Side     `json:"b"`
	Verdict         Verdict  `json:"verdict"`
	Counts          Counts   `json:"counts"`
	Changes         []Change `json:"changes"`
}

// finish tallies the changes and sets the verdict.
func (r *Result) finish() {
	r.Counts = Counts{}
	r.Verdict = Identical
	for _, c := range r.Changes {
		switch c.Class {
		case Expected:
			r.Counts.Expected++
		case Changed:
			r.Counts.Changed++
		case Unverified:
			r.Counts.Unverified++
		case Lost:
			r.Counts.Lost++
		}
	}
	switch {
	case r.Counts.Lost > 0:
		r.Verdict = DataLost
	case r.Counts.Changed > 0:
		r.Verdict = Different
	case r.Counts.Unverified > 0:
		r.Verdict = VerdictUnverified
	}
}
