package validate

import (
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// Severity grades a finding.
type Severity string

// Severities, from worst to mildest.
const (
	// SevError: the receiving kernel would reject the data (panic, -EIO,
	// -EINVAL, revival disabled) or misbehave with it (read past a
	// structure, restore the wrong pages, lose data silently).
	SevError Severity = "error"
	// SevWarning: the kernel accepts the data, but it is inconsistent or
	// something a real kernel never writes, with a possible consequence.
	SevWarning Severity = "warning"
	// SevUnverified: the state points at memory the source does not hold;
	// the kernel follows the pointer, so what it does there is unknown.
	SevUnverified Severity = "unverified"
	// SevInfo: a producer fingerprint or a limit of the source; nothing
	// the kernel would notice.
	SevInfo Severity = "info"
)

// rank orders severities, worst first.
func (s Severity) rank() int {
	switch s {
	case SevError:
		return 0
	case SevWarning:
		return 1
	case SevUnverified:
		return 2
	}
	return 3
}

// Origin says whose check a rule is.
type Origin string

// Origins.
const (
	// OriginKernel: the receiving kernel makes this check (or fails to,
	// with the consequence given).
	OriginKernel Origin = "kernel"
	// OriginDeeper: an invariant every kernel-made state satisfies that
	// the kernel does not check.
	OriginDeeper Origin = "deeper"
	// OriginFingerprint: what a real kernel writes; a mismatch suggests a
	// hand-made or foreign producer.
	OriginFingerprint Origin = "fingerprint"
)

// Consequence is what a failed check does in the generations it names.
type Consequence struct {
	// Generations lists the abi tags this consequence applies to; empty
	// means every generation the rule applies to that no other entry
	// names.
	Generations []abi.Tag
	// Text describes the outcome in the receiving kernel.
	Text string
	// Outcome names it for programs; empty when no kernel of the
	// generations could be run to see it.
	Outcome Outcome
	// Where, when set, limits the entry to findings whose path contains
	// it (the same defect in a session chain panics, in a file chain
	// fails the open); the first matching entry wins.
	Where string
}

// Rule is one check of the catalogue.
type Rule struct {
	// ID is the stable identifier, e.g. "LUO012".
	ID string
	// Name is a short kebab-case name, e.g. "session-name-duplicate".
	Name string
	// Severity is the severity of the rule's findings.
	Severity Severity
	// Origin says whether the kernel makes the check.
	Origin Origin
	// Generations says, as text, which generations the rule applies to.
	Generations string
	// Check says what is checked.
	Check string
	// Consequences gives the outcome per generation; the first entry with
	// no Generations is the default.
	Consequences []Consequence
	// Source is the kernel source or reference-note citation.
	Source string
}

// ConsequenceFor returns the consequence of a failure in generation tag.
func (r *Rule) ConsequenceFor(tag abi.Tag) string { return r.consequence(tag, "").Text }

// consequence returns the entry for a finding of generation tag at path:
// the first whose Where the path contains and whose Generations hold tag
// (or are empty), else the first entry for tag, else the default.
func (r *Rule) consequence(tag abi.Tag, path string) Consequence {
	for _, c := range r.Consequences {
		if c.Where != "" && strings.Contains(path, c.Where) && (len(c.Generations) == 0 || slices.Contains(c.Generations, tag)) {
			return c
		}
	}
	var def Consequence
	found := false
	for _, c := range r.Consequences {
		if c.Where != "" {
			continue
		}
		if len(c.Generations) == 0 {
			if !found {
				def, found = c, true
			}
			continue
		}
		if slices.Contains(c.Generations, tag) {
			return c
		}
	}
	return def
}

// Rules returns the catalogue in ID order. The rules are shared and must
// not be modified.
func Rules() []*Rule { return slices.Clone(catalogue) }

// RuleByID returns the rule with the given ID.
func RuleByID(id string) (*Rule, bool) {
	r, ok := byID[id]
	return r, ok
}

var byID = func() map[string]*Rule {
	m := make(map[string]*Rule, len(catalogue))
	for _, r := range catalogue {
		m[r.ID] = r
	}
	return m
}()

// rule returns a catalogue rule; an unknown ID is a programming error
// caught by the tests (TestCatalogueComplete), so it falls back to the
// generic rule rather than panicking.
func rule(id string) *Rule {
	if r, ok := byID[id]; ok {
		return r
	}
	return byID[ruleGeneric]
}
