package validate

import (
	"encoding/json"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// NoAddr marks a finding without a physical address.
const NoAddr = phys.NoAddr

// Finding is one violation of a rule.
type Finding struct {
	// Rule is the rule ID, e.g. "LUO011".
	Rule string
	// Severity is the rule's severity.
	Severity Severity
	// Generation is the abi tag of the component the finding is about
	// ("" when unknown).
	Generation string
	// Path names the place in the state, e.g. "LUO/sessions[1].name".
	Path string
	// Addr is the physical address of the offending bytes, or NoAddr.
	Addr uint64
	// Offset is the byte offset inside the structure or blob, or -1.
	Offset int64
	// Message says what is wrong, with the values found.
	Message string
	// Consequence is what the receiving kernel does about it.
	Consequence string
	// Outcome names the consequence for programs ("" when unknown).
	Outcome Outcome
	// Source is the kernel source reference of the rule.
	Source string
}

// String formats a finding as one line.
func (f *Finding) String() string {
	s := fmt.Sprintf("%s %s %s", f.Severity, f.Rule, f.Path)
	if f.Addr != NoAddr {
		s += fmt.Sprintf(" @0x%x", f.Addr)
	}
	if f.Offset >= 0 {
		s += fmt.Sprintf(" (+0x%x)", f.Offset)
	}
	return s + ": " + f.Message
}

// findingJSON is the JSON form of a Finding: addresses in hex, absent
// fields omitted.
type findingJSON struct {
	Rule        string   `json:"rule"`
	Name        string   `json:"name"`
	Severity    Severity `json:"severity"`
	Generation  string   `json:"generation,omitempty"`
	Path        string   `json:"path"`
	Addr        string   `json:"address,omitempty"`
	Offset      *int64   `json:"offset,omitempty"`
	Message     string   `json:"message"`
	Consequence string   `json:"consequence"`
	Outcome     Outcome  `json:"outcome,omitempty"`
	Source      string   `json:"source"`
}

// MarshalJSON writes the address as a hex string and omits what is
// unknown.
func (f Finding) MarshalJSON() ([]byte, error) {
	j := findingJSON{Rule: f.Rule, Name: rule(f.Rule).Name, Severity: f.Severity, Generation: f.Generation, Path: f.Path,
		Message: f.Message, Consequence: f.Consequence, Outcome: f.Outcome, Source: f.Source}
	if f.Addr != NoAddr {
		j.Addr = fmt.Sprintf("0x%x", f.Addr)
	}
	if f.Offset >= 0 {
		off := f.Offset
		j.Offset = &off
	}
	return json.Marshal(j)
}

// Generations names the detected generation of each component.
type Generations struct {
	KHO   string `json:"kho,omitempty"`
	LUO   string `json:"luo,omitempty"`
	Memfd string `json:"memfd,omitempty"`
}

// Report is the outcome of a validation.
type Report struct {
	// Schema identifies the JSON form.
	Schema string `json:"schema"`
	// Source names what was validated (e.g. "sample k2-lflb-m1").
	Source string `json:"source,omitempty"`
	// Generations are the detected generations.
	Generations Generations `json:"generations"`
	// Findings lists every finding, errors first, then warnings, then
	// infos, each in discovery order.
	Findings []Finding `json:"findings"`
	// Suppressed counts, per rule, the findings left out past
	// MaxFindingsPerRule.
	Suppressed map[string]int `json:"suppressed,omitempty"`
	// Summary counts the findings by severity (suppressed ones included).
	Summary Summary `json:"summary"`
	// Outcome is what the receiving kernel does with the whole state: the
	// worst outcome of the findings, accepted when none names one.
	Outcome Outcome `json:"outcome"`
	// Coverage says, part by part, how much of the state was verified.
	Coverage []Coverage `json:"coverage"`
	// Notes say what the validation could not see and why (a hint at a
	// raw image's base, say).
	Notes []string `json:"notes,omitempty"`

	perRule map[string]int
	seen    map[string]bool
}

// Summary counts findings by severity.
type Summary struct {
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Unverified int `json:"unverified"`
	Infos      int `json:"infos"`
}

// SchemaVersion is the Report.Schema of this build.
const SchemaVersion = "luoinspect.validate/v1"

// MaxFindingsPerRule caps the findings one rule contributes to a report
// (a corrupt folio array could otherwise yield millions); the rest are
// counted in Report.Suppressed.
const MaxFindingsPerRule = 200

// add records a finding of rule id for generation gen.
func (r *Report) add(id, gen, path string, addr uint64, off int64, format string, args ...any) {
	ru := rule(id)
	key := id + "\x00" + path
	if r.seen[key] {
		return // the same rule at the same place, found twice
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[key] = true
	r.count(ru.Severity)
	o := ru.consequence(abi.Tag(gen), path).Outcome
	if o == "" && ru.Severity == SevError {
		o = OutcomeUnknown // an error, with no known consequence: never "accepted"
	}
	if o.worse(r.Outcome) {
		r.Outcome = o // suppressed findings count too
	}
	if r.perRule == nil {
		r.perRule = map[string]int{}
	}
	if r.perRule[id] >= MaxFindingsPerRule {
		if r.Suppressed == nil {
			r.Suppressed = map[string]int{}
		}
		r.Suppressed[id]++
		return
	}
	r.perRule[id]++
	c := ru.consequence(abi.Tag(gen), path)
	r.Findings = append(r.Findings, Finding{Rule: ru.ID, Severity: ru.Severity, Generation: gen, Path: path,
		Addr: addr, Offset: off, Message: fmt.Sprintf(format, args...), Consequence: c.Text, Outcome: c.Outcome, Source: ru.Source})
}

func (r *Report) count(s Severity) {
	switch s {
	case SevError:
		r.Summary.Errors++
	case SevWarning:
		r.Summary.Warnings++
	case SevUnverified:
		r.Summary.Unverified++
	default:
		r.Summary.Infos++
	}
}

// Has reports whether the report holds a finding of rule id.
func (r *Report) Has(id string) bool {
	for i := range r.Findings {
		if r.Findings[i].Rule == id {
			return true
		}
	}
	return r.Suppressed[id] > 0
}

// RuleIDs returns the distinct rule IDs of the findings, in first-seen
// order.
func (r *Report) RuleIDs() []string {
	var ids []string
	seen := map[string]bool{}
	for i := range r.Findings {
		if id := r.Findings[i].Rule; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}
