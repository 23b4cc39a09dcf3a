package validate

import (
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Options steer a validation.
type Options struct {
	// Walk is passed to handover.Walk by Run (generation overrides,
	// debugfs sub-blobs).
	Walk handover.Options
	// Scratch lists the scratch areas of the handoff, when the source has
	// them; MAP003 is checked only then.
	Scratch []kho.Scratch
	// Source names what is validated, for the report.
	Source string
	// Progress, when set, is called while folio records are streamed
	// with the records done so far and the total of all memfd files.
	Progress func(done, total uint64)
	// RootMapped is the root length the boot handoff gives the next
	// kernel (kho_data.fdt_size), 0 when unknown (KHO010 is checked only
	// then).
	RootMapped uint64
	// Notes are passed to the report: how the state was found and what
	// the source cannot show.
	Notes []string
	// NextReserveMem, when not nil, is the reserve_mem= parameters of the
	// kernel that will receive the state (CLI004 is checked only then).
	NextReserveMem []ReserveMem
}

// Run walks the state the KHO root blob describes in m and validates it.
// A root that cannot be read is itself a finding (the kernel disables
// KHO revival), so Run always returns a report.
func Run(root []byte, m phys.Memory, opts Options) *Report {
	st, err := handover.Walk(root, m, opts.Walk)
	if err != nil {
		// Nothing of the root reads: the kernel's verdict on it.
		r := newReport(opts)
		for _, pe := range phys.Flatten(err, kho.RootPath) {
			id := ruleFor(pe)
			if id == ruleGeneric {
				id = "KHO001"
			}
			r.add(id, "", pe.Path, pe.Addr, pe.Offset, "%s", problemMessage(pe))
		}
		return r
	}
	return Check(st, m, opts)
}

func newReport(opts Options) *Report {
	return &Report{Schema: SchemaVersion, Source: opts.Source, Findings: []Finding{}, Outcome: OutcomeAccepted,
		Coverage: []Coverage{}, Notes: opts.Notes}
}

// Check validates a walked state whose memory is m. Every rule of the
// catalogue that applies is checked, and every finding is reported.
func Check(st *handover.State, m phys.Memory, opts Options) *Report {
	r := newReport(opts)
	d := st.Detection
	r.Generations = Generations{KHO: string(d.KHO.Tag), LUO: string(d.LUO.Tag), Memfd: string(d.Memfd.Tag)}
	v := &validator{st: st, m: m, opts: opts, r: r}
	v.refs = newRefs(v)
	v.problems()
	v.root()
	v.memmap()
	v.clients()
	v.reserveMem()
	v.luo()
	v.memfds()
	v.refs.finish()
	v.coverage()
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return a.Severity.rank() - b.Severity.rank() })
	return r
}

// validator carries one Check.
type validator struct {
	st   *handover.State
	m    phys.Memory
	opts Options
	r    *Report
	refs *refs
}

// gen returns the detected tag of the component a path belongs to.
func (v *validator) gen(path string) string {
	d := v.st.Detection
	switch {
	case strings.HasPrefix(path, "LUO") && strings.Contains(path, ".data"):
		return string(d.Memfd.Tag)
	case strings.HasPrefix(path, "LUO"):
		return string(d.LUO.Tag)
	}
	return string(d.KHO.Tag)
}

// add records a finding, naming the generation from the path.
func (v *validator) add(id, path string, addr uint64, off int64, format string, args ...any) {
	v.r.add(id, v.gen(path), path, addr, off, format, args...)
}
