package statediff

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/luoinspect/luoinspect/render"
)

// TextOptions steer WriteText.
type TextOptions struct {
	// Paint colours the output; nil prints plain text.
	Paint render.Painter
	// Expected lists expected differences one by one; by default they
	// are counted per rule.
	Expected bool
}

// WriteText writes a Result for people: the two sides, the changes
// grouped by component with "+" (only in B), "-" (only in A) and "~"
// (modified) markers and their class, then the verdict.
func WriteText(w io.Writer, r *Result, opts TextOptions) error {
	p := opts.Paint
	if p == nil {
		p = func(_ render.Style, s string) string { return s }
	}
	var b strings.Builder
	fmt.Fprintf(&b, "A: %s\nB: %s\n", sideLine(r.A), sideLine(r.B))
	mode := string(r.Mode)
	if r.BSide != "" {
		mode += ", B " + string(r.BSide)
	}
	if r.IgnoreAddresses {
		mode += ", addresses ignored"
	}
	fmt.Fprintf(&b, "mode: %s\n", mode)

	var order []string
	groups := map[string][]Change{}
	byRule := map[string]int{}
	for _, c := range r.Changes {
		if c.Class == Expected && !opts.Expected {
			byRule[c.Rule]++
			continue
		}
		if _, ok := groups[c.Component]; !ok {
			order = append(order, c.Component)
		}
		groups[c.Component] = append(groups[c.Component], c)
	}
	for _, comp := range order {
		b.WriteString("\n" + p(render.Name, comp) + "\n")
		for _, c := range groups[comp] {
			b.WriteString("  " + changeLine(c, p) + "\n")
		}
	}
	if len(byRule) > 0 {
		rules := make([]string, 0, len(byRule))
		for id, n := range byRule {
			rules = append(rules, fmt.Sprintf("%s %d", id, n))
		}
		sort.Strings(rules)
		b.WriteString("\n" + p(render.Dim, fmt.Sprintf("expected differences: %d (%s)", r.Counts.Expected, strings.Join(rules, ", "))) + "\n")
	}
	b.WriteString("\n" + verdictLine(r.Verdict, r.Counts, p) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func sideLine(s Side) string {
	g := s.Generations
	line := fmt.Sprintf("%s (%s)", s.Name, strings.Join(nonEmpty(g.KHO, g.LUO, g.Memfd), "/"))
	if s.Problems > 0 {
		line += fmt.Sprintf(", %d problems reading it", s.Problems)
	}
	return line
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var opStyles = map[Op]render.Style{Added: render.Gen, Removed: render.Warn, Modified: render.Addr}

// changeLine renders one change: marker, path, values, class and detail.
func changeLine(c Change, p render.Painter) string {
	var vals string
	switch {
	case c.Old != "" && c.New != "":
		vals = c.Old + " → " + c.New
	default:
		vals = c.Old + c.New
	}
	tag := string(c.Class)
	if c.Rule != "" {
		tag += ": " + c.Rule
	}
	line := c.Op.Marker() + " " + c.Path
	if vals != "" {
		line += "  " + vals
	}
	if c.Class == Expected {
		line = p(render.Dim, line+"  ["+tag+"]")
	} else {
		st := opStyles[c.Op]
		if c.Class == Lost {
			st = render.Warn
		}
		line = p(st, line) + "  [" + tag + "]"
	}
	if c.Detail != "" {
		line += "  " + c.Detail
	}
	return line
}

func verdictLine(v Verdict, n Counts, p render.Painter) string {
	st := render.Gen
	switch v {
	case DataLost:
		st = render.Warn
	case Different, VerdictUnverified:
		st = render.Addr
	}
	return fmt.Sprintf("verdict: %s (%d lost, %d changed, %d unverified, %d expected)",
		p(st, v.String()), n.Lost, n.Changed, n.Unverified, n.Expected)
}

// WriteBytesText writes a ByteDiff for people: one line per differing
// region with its marker, label, offsets, old and new bytes and decoded
// values, then the verdict.
func WriteBytesText(w io.Writer, d *ByteDiff, opts TextOptions) error {
	p := opts.Paint
	if p == nil {
		p = func(_ render.Style, s string) string { return s }
	}
	var b strings.Builder
	fmt.Fprintf(&b, "A: %s (%d bytes)\nB: %s (%d bytes)\n", d.A, d.SizeA, d.B, d.SizeB)
	for _, r := range d.Regions {
		b.WriteString("\n" + p(opStyles[r.Op], r.Op.Marker()+" "+r.Label) + "  (" + r.Kind + ")\n")
		if r.OffsetA >= 0 {
			fmt.Fprintf(&b, "    A @0x%04x  %s%s\n", r.OffsetA, r.Old, valueSuffix(r.OldValue))
		}
		if r.OffsetB >= 0 {
			fmt.Fprintf(&b, "    B @0x%04x  %s%s\n", r.OffsetB, r.New, valueSuffix(r.NewValue))
		}
	}
	st := render.Gen
	if d.Verdict != Identical {
		st = render.Addr
	}
	fmt.Fprintf(&b, "\nverdict: %s (%d regions differ)\n", p(st, d.Verdict.String()), len(d.Regions))
	_, err := io.WriteString(w, b.String())
	return err
}

func valueSuffix(v string) string {
	if v == "" {
		return ""
	}
	return "  = " + v
}
