package statediff

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// Input is one side of a comparison.
type Input struct {
	// Name labels the side in reports.
	Name string
	// State is the walked state.
	State *handover.State
	// Mem is the memory the state was read from; memfd folio records are
	// streamed from it. Nil leaves folios unverified.
	Mem phys.Memory
}

// Compare compares A (before) with B (after). It fails only on bad
// options or a missing state; what cannot be read is reported as
// Unverified changes.
func Compare(a, b Input, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if a.State == nil || b.State == nil {
		return nil, fmt.Errorf("statediff: both sides need a state")
	}
	c := &comparer{a: a, b: b, opts: opts, ua: unreadOf(a.State), ub: unreadOf(b.State)}
	r := &Result{Schema: Schema, Kind: "state", Mode: opts.Mode, BSide: opts.BSide, IgnoreAddresses: opts.IgnoreAddresses,
		A: side(a), B: side(b), Changes: []Change{}}
	c.r = r
	c.kho()
	c.luo()
	c.memblock()
	c.kexecMeta()
	r.finish()
	return r, nil
}

func side(in Input) Side {
	d := in.State.Detection
	return Side{Name: in.Name, Problems: len(in.State.Problems),
		Generations: Generations{KHO: string(d.KHO.Tag), LUO: string(d.LUO.Tag), Memfd: string(d.Memfd.Tag)}}
}

type comparer struct {
	a, b Input
	opts Options
	r    *Result
	// ua and ub are the lists each side could not read whole.
	ua, ub unread
}

// outgoing reports whether B is the next kernel's outgoing state.
func (c *comparer) outgoing() bool { return c.opts.Mode == AcrossUpdate && c.opts.BSide == Outgoing }

// consumed reports, as an unverified change, a part that the receiving
// kernel had consumed on either side (the state of an incoming host after
// boot): what lay behind it is not compared, and never counts as lost.
// It returns true when the part is consumed on a side.
func (c *comparer) consumed(comp, path, part string) bool {
	for _, side := range []struct {
		name string
		st   *handover.State
	}{{"A", c.a.State}, {"B", c.b.State}} {
		if k, ok := side.st.ConsumedPart(part); ok {
			c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
				Detail: fmt.Sprintf("%s: consumed by the receiving kernel (stage %s): %s; not compared", side.name, k.At, k.What)})
			return true
		}
	}
	return false
}

// unwritten reports whether A is a running kernel's capture taken before
// its generation writes the sessions (at reboot), so anything session
// related that B adds was not yet written in A.
func (c *comparer) unwritten() bool {
	la := c.a.State.LUO
	if c.opts.Mode != AcrossUpdate || la == nil || len(la.Sessions) > 0 || len(la.Files) > 0 {
		return false
	}
	g, ok := abi.Lookup(c.a.State.Detection.LUO.Tag)
	return ok && g.SessionsAtReboot
}

// added reports something B has and A lacks: expected under
// RuleUnwritten, Changed otherwise.
func (c *comparer) added(comp, path, what string) {
	ch := Change{Component: comp, Path: path, Op: Added, Class: Changed, New: what}
	if c.unwritten() {
		ch.Class, ch.Rule = Expected, RuleUnwritten
	}
	c.add(ch)
}

// incoming reports whether B is A as the next kernel reads it.
func (c *comparer) incoming() bool { return c.opts.Mode == AcrossUpdate && c.opts.BSide == Incoming }

func (c *comparer) add(ch Change) { c.r.Changes = append(c.r.Changes, ch) }

// value reports a modified value, classified by rule when the rule
// applies, as cls otherwise.
func (c *comparer) value(comp, path, old, new string, cls Class, rule string, applies bool) {
	if old == new {
		return
	}
	ch := Change{Component: comp, Path: path, Op: Modified, Old: old, New: new, Class: cls}
	if applies {
		ch.Class, ch.Rule = Expected, rule
	} else if cls == Lost {
		ch.Rule = rule
	}
	c.add(ch)
}

// addr compares a physical address under RuleAddresses (not at all with
// IgnoreAddresses).
func (c *comparer) addr(comp, path string, a, b uint64) {
	if c.opts.IgnoreAddresses {
		return
	}
	c.value(comp, path, hex(a), hex(b), Changed, RuleAddresses, c.outgoing())
}

// gen compares a generation tag or compatible string under
// RuleGeneration.
func (c *comparer) gen(comp, path, a, b string) {
	c.value(comp, path, a, b, Changed, RuleGeneration, c.outgoing())
}

func hex(v uint64) string { return fmt.Sprintf("0x%x", v) }

func dec(v uint64) string { return fmt.Sprint(v) }
