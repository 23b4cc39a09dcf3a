package schema

import (
	"fmt"
	"strings"
	"unicode"
)

// Class says whether a difference can break a handover.
type Class string

// Classes.
const (
	// Breaking means a kernel reading the other layout misreads or rejects
	// the state.
	Breaking Class = "breaking"
	// Compatible means an additive or semantic-only change (a new optional
	// property, a new struct, a changed capacity).
	Compatible Class = "compatible"
	// Info means a source-only change with identical bytes (a renamed C
	// member, u64 spelled DECLARE_KHOSER_PTR), or an item only one of two
	// different kinds of source can describe.
	Info Class = "info"
)

// Kind names what changed.
type Kind string

// Finding kinds.
const (
	KindUnbumped          Kind = "layout-changed-compatible-unchanged" // the special summary finding
	KindCompatibleChanged Kind = "compatible-changed"
	KindCompatibleAdded   Kind = "compatible-added"
	KindCompatibleRemoved Kind = "compatible-removed"
	KindRootChanged       Kind = "root-changed"
	KindNodeAdded         Kind = "node-added"
	KindNodeRemoved       Kind = "node-removed"
	KindNodeRenamed       Kind = "node-renamed"
	KindNodeCompatible    Kind = "node-compatible-changed"
	KindNodeChanged       Kind = "node-changed"
	KindPropAdded         Kind = "property-added"
	KindPropRemoved       Kind = "property-removed"
	KindPropRenamed       Kind = "property-renamed"
	KindPropResized       Kind = "property-resized"
	KindPropRetyped       Kind = "property-retyped"
	KindPropChanged       Kind = "property-changed"
	KindStructAdded       Kind = "struct-added"
	KindStructRemoved     Kind = "struct-removed"
	KindStructRenamed     Kind = "struct-renamed"
	KindStructResized     Kind = "struct-resized"
	KindStructPacking     Kind = "struct-packing-changed"
	KindFieldAdded        Kind = "field-added"
	KindFieldRemoved      Kind = "field-removed"
	KindFieldRenamed      Kind = "field-renamed"
	KindFieldMoved        Kind = "field-moved"
	KindFieldResized      Kind = "field-resized"
	KindFieldRetyped      Kind = "field-retyped"
	KindFieldSpelling     Kind = "field-spelling-changed"
	KindBitfieldMoved     Kind = "bitfield-moved"
	KindCapacityChanged   Kind = "capacity-changed"
	KindConstantChanged   Kind = "constant-changed"
	KindConstantAdded     Kind = "constant-added"
	KindConstantRemoved   Kind = "constant-removed"
	KindStringChanged     Kind = "wire-string-changed"
	KindStringAdded       Kind = "wire-string-added"
	KindStringRemoved     Kind = "wire-string-removed"
	KindOnlyInOneSource   Kind = "only-in-one-source"
)

// Finding is one difference between two snapshots.
type Finding struct {
	// Kind names what changed.
	Kind Kind `json:"kind" yaml:"kind"`
	// Class is breaking, compatible or info.
	Class Class `json:"class" yaml:"class"`
	// Component is the component the item belongs to.
	Component string `json:"component" yaml:"component"`
	// Subject names the item: "struct luo_session_ser", "luo_session_ser.name",
	// "/luo-session:luo-session-head", a constant or compatible string.
	Subject string `json:"subject" yaml:"subject"`
	// Old is the value in the old snapshot, where it applies.
	Old string `json:"old,omitempty" yaml:"old,omitempty"`
	// New is the value in the new snapshot, where it applies.
	New string `json:"new,omitempty" yaml:"new,omitempty"`
	// Governing is the compatible string that versions the item, when the
	// same on both sides.
	Governing string `json:"governing,omitempty" yaml:"governing,omitempty"`
	// Unbumped marks a breaking layout change made while Governing stayed
	// the same.
	Unbumped bool `json:"unbumped,omitempty" yaml:"unbumped,omitempty"`
	// Message is a one-line description.
	Message string `json:"message" yaml:"message"`
}

// Report is the result of Diff.
type Report struct {
	// Schema is Version.
	Schema string `json:"schema" yaml:"schema"`
	// Old is the old snapshot's source.
	Old string `json:"old" yaml:"old"`
	// New is the new snapshot's source.
	New string `json:"new" yaml:"new"`
	// Findings lists the unbumped summaries first, then every change.
	Findings []Finding `json:"findings" yaml:"findings"`
	// Breaking counts breaking findings, without the summaries.
	Breaking int `json:"breaking" yaml:"breaking"`
	// Compatible counts compatible findings.
	Compatible int `json:"compatible" yaml:"compatible"`
	// Info counts info findings.
	Info int `json:"info" yaml:"info"`
	// Unbumped counts the "layout changed but compatible string
	// unchanged" summaries (one per governing string).
	Unbumped int `json:"unbumped" yaml:"unbumped"`
}

// HasUnbumped reports a layout change without a compatible bump.
func (r *Report) HasUnbumped() bool { return r.Unbumped > 0 }

// HasChanges reports breaking or compatible findings other than those
// already counted as unbumped.
func (r *Report) HasChanges() bool {
	for _, f := range r.Findings {
		if f.Class != Info && !f.Unbumped {
			return true
		}
	}
	return false
}

// differ holds the state of one comparison.
type differ struct {
	a, b       *Snapshot
	sameOrigin bool
	out        []Finding
	// ca and cb are the components being compared.
	ca, cb *Component
}

// Diff compares snapshot a (old) with b (new). Sections are compared only
// when both snapshots cover them; Doc text is never compared.
func Diff(a, b *Snapshot) *Report {
	d := &differ{a: a, b: b, sameOrigin: a.Origin == b.Origin}
	var names []string
	for _, s := range []*Snapshot{a, b} {
		for _, c := range s.Components {
			if !containsStr(names, c.Name) {
				names = append(names, c.Name)
			}
		}
	}
	both := func(sec string) bool { return a.covers(sec) && b.covers(sec) }
	for _, n := range names {
		d.ca, d.cb = compOrEmpty(a, n), compOrEmpty(b, n)
		if both(SectionCompatibles) {
			d.compatibles()
		}
		if both(SectionRoots) && d.ca.Root != d.cb.Root && d.ca.Root+d.cb.Root != "" && hasAny(a, n) && hasAny(b, n) {
			d.add(Finding{Kind: KindRootChanged, Class: Breaking, Subject: "blob root", Old: orFDT(d.ca.Root), New: orFDT(d.cb.Root),
				Message: "the blob's framing changed"}, baseCompat(d.ca), baseCompat(d.cb))
		}
		if both(SectionNodes) {
			d.nodes()
		}
		if both(SectionStructs) {
			d.structs()
		}
		if both(SectionConstants) {
			d.constants()
		}
	}
	return d.report()
}

func hasAny(s *Snapshot, name string) bool {
	_, ok := s.Component(name)
	return ok
}

func orFDT(root string) string {
	if root == "" {
		return "FDT"
	}
	return "struct " + root
}

func compOrEmpty(s *Snapshot, name string) *Component {
	if c, ok := s.Component(name); ok {
		return c
	}
	return &Component{Name: name}
}

// add records f for the current component. govOld and govNew are the
// compatible strings that version the item on each side: a breaking
// change with equal, non-empty strings is unbumped.
func (d *differ) add(f Finding, govOld, govNew string) {
	f.Component = d.cb.Name
	if govOld == govNew && govOld != "" {
		f.Governing = govOld
		if f.Class == Breaking {
			f.Unbumped = true
		}
	}
	if f.Message == "" {
		f.Message = string(f.Kind)
	}
	d.out = append(d.out, f)
}

// onlyOne reports an item present in just one snapshot: a real finding
// between sources of the same kind, info otherwise.
func (d *differ) onlyOne(f Finding, govOld, govNew string) {
	if !d.sameOrigin {
		f.Class = Info
		f.Message += fmt.Sprintf(" (only one source describes it: %s vs %s)", d.a.Origin, d.b.Origin)
	}
	d.add(f, govOld, govNew)
}

func (d *differ) report() *Report {
	r := &Report{Schema: Version, Old: d.a.Source, New: d.b.Source}
	type key struct{ comp, gov string }
	var order []key
	count := map[key]int{}
	for _, f := range d.out {
		if f.Unbumped {
			k := key{f.Component, f.Governing}
			if count[k] == 0 {
				order = append(order, k)
			}
			count[k]++
		}
	}
	for _, k := range order {
		r.Findings = append(r.Findings, Finding{Kind: KindUnbumped, Class: Breaking, Component: k.comp, Subject: k.gov,
			Governing: k.gov, Unbumped: true,
			Message: fmt.Sprintf("layout changed but compatible string %q unchanged (%d breaking changes)", k.gov, count[k])})
	}
	r.Findings = append(r.Findings, d.out...)
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range r.Findings {
		switch {
		case f.Kind == KindUnbumped:
			r.Unbumped++
		case f.Class == Breaking:
			r.Breaking++
		case f.Class == Compatible:
			r.Compatible++
		default:
			r.Info++
		}
	}
	return r
}

// family returns the version family of a compatible string: the base
// (before any ';') up to and including the first "-v" that is followed by
// a digit, e.g. "luo-session-v" for "luo-session-v2", or the whole base
// when it carries no version ("memfd").
func family(s string) string {
	base, _, _ := strings.Cut(s, ";")
	for i := 0; i+2 < len(base); i++ {
		if base[i] == '-' && base[i+1] == 'v' && unicode.IsDigit(rune(base[i+2])) {
			return base[:i+2]
		}
	}
	return base
}

var baseFamily = map[string]string{CompKHO: "kho-v", CompLUO: "luo-v", CompMemfd: "memfd"}

// baseCompat returns the compatible that versions a component as a whole.
func baseCompat(c *Component) string {
	if c == nil {
		return ""
	}
	if fam, ok := baseFamily[c.Name]; ok {
		for _, s := range c.Compatibles {
			if strings.HasPrefix(s, fam) {
				return s
			}
		}
		return ""
	}
	return strings.Join(c.Compatibles, ",")
}

// structGov returns the compatible that versions a struct: sessions and
// files follow luo-session-vN, FLBs luo-flb-vN, while those strings
// exist; everything else follows the component's base string.
func structGov(c *Component, name string) string {
	fam := ""
	switch {
	case strings.HasPrefix(name, "luo_session"), strings.HasPrefix(name, "luo_file"):
		fam = "luo-session-v"
	case strings.HasPrefix(name, "luo_flb"):
		fam = "luo-flb-v"
	}
	if fam != "" {
		for _, s := range c.Compatibles {
			if strings.HasPrefix(s, fam) {
				return s
			}
		}
	}
	return baseCompat(c)
}

func (d *differ) compatibles() {
	var removed, added []string
	for _, s := range d.ca.Compatibles {
		if !containsStr(d.cb.Compatibles, s) {
			removed = append(removed, s)
		}
	}
	for _, s := range d.cb.Compatibles {
		if !containsStr(d.ca.Compatibles, s) {
			added = append(added, s)
		}
	}
	for _, r := range removed {
		paired := false
		for i, a := range added {
			if family(a) == family(r) {
				d.add(Finding{Kind: KindCompatibleChanged, Class: Breaking, Subject: family(r) + "*", Old: r, New: a,
					Message: fmt.Sprintf("compatible %q became %q (a version bump)", r, a)}, r, a)
				added = append(added[:i], added[i+1:]...)
				paired = true
				break
			}
		}
		if !paired {
			d.add(Finding{Kind: KindCompatibleRemoved, Class: Breaking, Subject: r, Old: r,
				Message: fmt.Sprintf("compatible %q is no longer written", r)}, "", "")
		}
	}
	for _, a := range added {
		d.add(Finding{Kind: KindCompatibleAdded, Class: Compatible, Subject: a, New: a,
			Message: fmt.Sprintf("new compatible %q", a)}, "", "")
	}
}
