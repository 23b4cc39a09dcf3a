package validate

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
)

// Verdict says whether a kernel would accept a component.
type Verdict string

// Verdicts, from best to worst.
const (
	VerdictOK      Verdict = "ok"
	VerdictWarning Verdict = "warning"
	VerdictReject  Verdict = "reject"
)

func (v Verdict) worse(than Verdict) bool {
	rank := map[Verdict]int{VerdictOK: 0, VerdictWarning: 1, VerdictReject: 2}
	return rank[v] > rank[than]
}

// Target names the generations of a receiving kernel; empty fields are
// not compared.
type Target struct {
	// KHO, LUO and Memfd are abi generation tags ("K4", "L-luo-v5", "M2b").
	KHO, LUO, Memfd string
}

// String joins the target's tags with '+'.
func (t Target) String() string {
	var parts []string
	for _, s := range []string{t.KHO, t.LUO, t.Memfd} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "+")
}

// ParseTarget reads a KHO, LUO or memfd generation tag, or several joined
// with '+' ("K4+L-luo-v5+M2b").
func ParseTarget(s string) (Target, error) {
	var t Target
	if s == "" {
		return t, fmt.Errorf("no target generation")
	}
	for _, tag := range strings.Split(s, "+") {
		g, ok := abi.Lookup(abi.Tag(tag))
		if !ok {
			return t, fmt.Errorf("unknown generation %q", tag)
		}
		var slot *string
		switch g.Component {
		case abi.ComponentKHO:
			slot = &t.KHO
		case abi.ComponentLUO:
			slot = &t.LUO
		case abi.ComponentMemfd:
			slot = &t.Memfd
		default:
			return t, fmt.Errorf("%q is a %s generation, not KHO, LUO or memfd", tag, g.Component)
		}
		if *slot != "" {
			return t, fmt.Errorf("two %s generations in %q", g.Component, s)
		}
		*slot = tag
	}
	return t, nil
}

// ComponentVerdict is the answer for one component.
type ComponentVerdict struct {
	// Component is "KHO", "LUO" or "memfd".
	Component string `json:"component"`
	// State and Target are the generation tags of the state and of the
	// receiving kernel.
	State  string `json:"state"`
	Target string `json:"target"`
	// Verdict says whether the kernel accepts the component.
	Verdict Verdict `json:"verdict"`
	// Reason explains the verdict; Consequence and Source say what the
	// kernel does and where, when it does not simply accept.
	Reason      string `json:"reason"`
	Consequence string `json:"consequence,omitempty"`
	Source      string `json:"source,omitempty"`
}

// CompatReport says whether a kernel of the target generations would
// accept a state.
type CompatReport struct {
	// Schema identifies the JSON form (CompatSchema).
	Schema string `json:"schema"`
	// Source names the state; Target the receiving kernel's generations.
	Source string `json:"source,omitempty"`
	Target string `json:"target"`
	// Verdict is the worst component verdict.
	Verdict Verdict `json:"verdict"`
	// Components holds one verdict per component the target names.
	Components []ComponentVerdict `json:"components"`
}

// CompatSchema is the CompatReport.Schema of this build.
const CompatSchema = "luoinspect.compat/v1"

// Compat compares the state's detected generations with what a kernel of
// the target generations reads, component by component.
func Compat(st *handover.State, t Target) *CompatReport {
	r := &CompatReport{Schema: CompatSchema, Target: t.String(), Verdict: VerdictOK}
	d := st.Detection
	if t.KHO != "" {
		r.add(compatKHO(st, d.KHO.Tag, abi.Tag(t.KHO)))
	}
	if t.LUO != "" {
		r.add(compatLUO(st, d.LUO.Tag, abi.Tag(t.LUO)))
	}
	if t.Memfd != "" {
		r.add(compatMemfd(st, d.Memfd.Tag, abi.Tag(t.Memfd)))
	}
	return r
}

func (r *CompatReport) add(c ComponentVerdict) {
	r.Components = append(r.Components, c)
	if c.Verdict.worse(r.Verdict) {
		r.Verdict = c.Verdict
	}
}

func compatibles(tag abi.Tag) []string {
	if g, ok := abi.Lookup(tag); ok {
		return g.Compatibles
	}
	return nil
}

func compatKHO(st *handover.State, have, want abi.Tag) ComponentVerdict {
	c := ComponentVerdict{Component: "KHO", State: string(have), Target: string(want), Verdict: VerdictOK}
	wantC := compatibles(abi.Tag(want))
	// Chunk-list generations (K1a, K1b) share a compatible but not the
	// bitmap size.
	haveBitmap, _ := kho.V1BitmapSize(abi.Tag(have))
	wantBitmap, _ := kho.V1BitmapSize(abi.Tag(want))
	switch {
	case have == want:
		c.Reason = "same generation"
	case len(wantC) > 0 && st.Root != nil && slices.Contains(st.Root.Compatibles, wantC[0]) &&
		haveBitmap != 0 && wantBitmap != 0:
		c.Verdict = VerdictReject
		c.Reason = fmt.Sprintf("both write %s, but %s bitmaps are %d bytes and %s reads %d-byte ones", wantC[0], have, haveBitmap, want, wantBitmap)
		c.Consequence = "the memory map is accepted and read with the wrong bitmap size: wrong ranges are reserved, silently, and preserved data is lost"
		c.Source = "docs/abi/kernel-rules.md §9.20; docs/abi/generations.md §7.1; torvalds/linux@a2fff99f"
	case len(wantC) > 0 && st.Root != nil && slices.Contains(st.Root.Compatibles, wantC[0]):
		c.Reason = fmt.Sprintf("the root lists %q, which %s checks for", wantC[0], want)
	default:
		c.Verdict = VerdictReject
		c.Reason = fmt.Sprintf("the root compatible %q does not list %q", rootCompat(st), first(wantC))
		c.Consequence = txtRevivalOff
		c.Source = srcKHOPopulate
	}
	return c
}

func rootCompat(st *handover.State) string {
	if st.Root == nil {
		return ""
	}
	return strings.Join(st.Root.Compatibles, "\", \"")
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func compatLUO(st *handover.State, have, want abi.Tag) ComponentVerdict {
	c := ComponentVerdict{Component: "LUO", State: string(have), Target: string(want), Verdict: VerdictOK}
	switch {
	case have == "":
		c.Reason = "the state has no LUO client: kho_retrieve_subtree(\"LUO\") gives -ENOENT, which is fine"
	case have == want:
		c.Reason = "same generation"
	case have == luo.Tag619 && want == luo.TagFLB:
		c.Verdict = VerdictReject
		c.Reason = "both use luo-v1 and luo-session-v2, but the FLB kernel requires the luo-flb node a 6.19 kernel never writes"
		c.Consequence = "luo_flb_setup_incoming() returns -ENOENT: " + txtLUOPanic
		c.Source = srcFLB + "; §9.10"
	case have == luo.TagFLB && want == luo.Tag619:
		c.Reason = "the 6.19 kernel reads luo-v1 and luo-session-v2 and ignores the luo-flb node"
		if st.LUO != nil && len(st.LUO.FLBs) > 0 {
			c.Verdict = VerdictWarning
			c.Reason += fmt.Sprintf(": %d FLB object(s) are not restored", len(st.LUO.FLBs))
			c.Consequence = "sessions come back; FLB state is dropped silently"
			c.Source = srcFLB
		}
	default:
		c.Verdict = VerdictReject
		c.Reason = fmt.Sprintf("%s reads %s; the state is %s %s", want, describeLUO(abi.Tag(want)), have, describeLUO(abi.Tag(have)))
		c.Consequence = rule("LUO001").ConsequenceFor(abi.Tag(want))
		c.Source = srcLUOCore
	}
	return c
}

// describeLUO names the identifying strings of a LUO generation.
func describeLUO(tag abi.Tag) string {
	cs := compatibles(tag)
	if len(cs) == 0 {
		return "(a feature header, no strings)"
	}
	return "(" + strings.Join(cs, ", ") + ")"
}

// sealWord lists the memfd generations that share a compatible and tell
// their seal words apart only by bits 8..63.
var sealWord = []abi.Tag{memfd.M2a, memfd.M2b}

func compatMemfd(st *handover.State, have, want abi.Tag) ComponentVerdict {
	c := ComponentVerdict{Component: "memfd", State: string(have), Target: string(want), Verdict: VerdictOK}
	hc, wc := first(compatibles(abi.Tag(have))), first(compatibles(abi.Tag(want)))
	switch {
	case have == "":
		c.Reason = "the state has no memfd payload"
	case have == want:
		c.Reason = "same generation"
	case hc == wc && slices.Contains(sealWord, have) && slices.Contains(sealWord, want):
		c.Reason = "M2a and M2b read the same bytes while bits 8..63 of the seal word are 0"
		for fs := range st.Files() {
			if m := fs.Memfd; m != nil && (m.Flags != 0 || m.Reserved != 0) {
				c.Verdict = VerdictWarning
				c.Reason = fmt.Sprintf("%s has bits 8..63 of the seal word set, which M2a and M2b read differently", m.Path)
				c.Consequence = "seals or flags are misread (rejected as unknown seals, or silently ignored)"
				c.Source = "docs/abi/generations.md §7.3, §9 step 3"
				break
			}
		}
	case hc == wc:
		c.Verdict = VerdictReject
		c.Reason = fmt.Sprintf("both register %q but frame the data differently (%s vs %s)", hc, have, want)
		c.Consequence = "the descriptor is misread: " + txtRetrieve
		c.Source = "docs/abi/generations.md §7.2"
	default:
		c.Verdict = VerdictReject
		c.Reason = fmt.Sprintf("the files carry handler %q; a %s kernel registers only %q", hc, want, wc)
		c.Consequence = "\"No registered handler\", -ENOENT: " + txtRetrieve
		c.Source = srcFile
	}
	return c
}

// WriteCompatText writes a compat report for humans.
func WriteCompatText(w io.Writer, r *CompatReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s into a %s kernel: %s\n", orDash(r.Source), r.Target, r.Verdict)
	for _, c := range r.Components {
		fmt.Fprintf(&b, "%-6s %-8s %s -> %s: %s\n", c.Component, c.Verdict, orDash(c.State), c.Target, c.Reason)
		if c.Consequence != "" {
			fmt.Fprintf(&b, "       consequence: %s\n       source: %s\n", c.Consequence, c.Source)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
