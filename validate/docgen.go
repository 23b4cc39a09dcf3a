package validate

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// Markdown renders the rule catalogue as docs/validation-rules.md.
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# Validation rules\n\n")
	b.WriteString("<!-- Generated from validate/catalogue.go by `go test ./validate -update`. Do not edit. -->\n\n")
	b.WriteString("`luoinspect validate` checks a handover state the way the next kernel will, and deeper.\n")
	b.WriteString("Every finding carries the rule ID, severity, generation, path, physical address/offset,\n")
	b.WriteString("message, consequence and source reference below.\n\n")
	b.WriteString("Severities: **error**: the receiving kernel would reject the data or misbehave with it (exit bit 8);\n")
	b.WriteString("**warning**: accepted but inconsistent or never written by a real kernel (exit bit 4);\n")
	b.WriteString("**unverified**: the state points into memory the source does not hold, so the kernel's verdict\n")
	b.WriteString("on what lies there is unknown (exit bit 4); the report's coverage line says how much was verified;\n")
	b.WriteString("**info**: producer fingerprints (exit 0).\n\n")
	b.WriteString("Decoders report each problem with a typed check code; one table (validate/problems.go) maps\n")
	b.WriteString("check codes to the rules below. A root that does not decode is a finding (KHO001), never a tool\n")
	b.WriteString("error: `validate` exits 1 only when the source cannot be opened.\n\n")
	b.WriteString("Origins: *kernel* checks are made (or, where marked OBSERVED, notably not made) by the receiving kernel;\n")
	b.WriteString("*deeper* checks are invariants of every kernel-made state that the kernel does not verify;\n")
	b.WriteString("*fingerprint* checks tell kernel-made from hand-made blobs.\n\n")
	b.WriteString("| ID | Name | Severity | Origin | Generations |\n|---|---|---|---|---|\n")
	for _, r := range catalogue {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Name, r.Severity, r.Origin, r.Generations)
	}
	for _, r := range catalogue {
		fmt.Fprintf(&b, "\n## %s\n\n", r.ID)
		fmt.Fprintf(&b, "**%s** — %s, %s check, generations: %s.\n\n", r.Name, r.Severity, r.Origin, r.Generations)
		fmt.Fprintf(&b, "%s\n\n", r.Check)
		b.WriteString("Consequence:\n\n")
		for _, c := range r.Consequences {
			gens := "otherwise"
			if len(c.Generations) > 0 {
				gens = abi.JoinTags(c.Generations, ", ")
			}
			if len(r.Consequences) == 1 {
				gens = "all"
			}
			fmt.Fprintf(&b, "- %s: %s\n", gens, c.Text)
		}
		fmt.Fprintf(&b, "\nSource: %s\n", r.Source)
	}
	return b.Bytes()
}
