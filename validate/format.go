package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Painter colours a piece of text output by severity; nil leaves it plain.
type Painter func(s Severity, text string) string

// WriteText writes the report for humans: one block per finding, then a
// summary line.
func WriteText(w io.Writer, r *Report, paint Painter) error {
	if paint == nil {
		paint = func(_ Severity, s string) string { return s }
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: KHO %s, LUO %s, memfd %s\n", orDash(r.Source), orDash(r.Generations.KHO), orDash(r.Generations.LUO), orDash(r.Generations.Memfd))
	for i := range r.Findings {
		f := &r.Findings[i]
		loc := f.Path
		if f.Addr != NoAddr {
			loc += fmt.Sprintf(" @0x%x", f.Addr)
		}
		if f.Offset >= 0 {
			loc += fmt.Sprintf(" (+0x%x)", f.Offset)
		}
		gen := ""
		if f.Generation != "" {
			gen = " [" + f.Generation + "]"
		}
		fmt.Fprintf(&b, "%s %s %s  %s%s\n", paint(f.Severity, fmt.Sprintf("%-7s", f.Severity)), f.Rule, rule(f.Rule).Name, loc, gen)
		fmt.Fprintf(&b, "    %s\n    consequence: %s\n    source: %s\n", f.Message, f.Consequence, f.Source)
	}
	for id, n := range r.Suppressed {
		fmt.Fprintf(&b, "%d more %s findings left out\n", n, id)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if line := coverageLine(r.Coverage); line != "" {
		b.WriteString(line + "\n")
	}
	s := r.Summary
	if s.Errors+s.Warnings+s.Unverified+s.Infos == 0 {
		b.WriteString("clean: no findings\n")
	} else {
		fmt.Fprintf(&b, "%s, %s, %d unverified, %s\n", count(s.Errors, "error"), count(s.Warnings, "warning"), s.Unverified, count(s.Infos, "info"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// count counts n things: "1 error", "2 errors".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteJSON writes the report as indented JSON (schema
// luoinspect.validate/v1).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
