package realkernel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/validate"
)

// verdict is one row of docs/kernel-verdicts.md.
type verdict struct {
	mutation, want, kernel, line, validate string
	rules                                  []string
}

// TestKernelVerdicts writes each mutation into the handover at the new
// kernel's kho_populate, lets the real kernel (7.2 into 7.2) boot and its
// guest retrieve, and records what the kernel did. validate on the dump
// mutated the same way must give the same outcome.
func TestKernelVerdicts(t *testing.T) {
	qemu := requireRealKernels(t)
	k := kernel(t, "7.2")
	var mu sync.Mutex
	var rows []verdict
	t.Run("mutations", func(t *testing.T) {
		for _, mc := range mutations {
			t.Run(strings.ReplaceAll(mc.name, " ", "_"), func(t *testing.T) {
				t.Parallel()
				row := runMutation(t, qemu, k, mc)
				mu.Lock()
				rows = append(rows, row)
				mu.Unlock()
			})
		}
	})
	if testutil.Update() && !t.Failed() {
		writeVerdicts(t, k, rows)
	}
}

func runMutation(t *testing.T, qemu string, k *Kernel, mc mutationCase) verdict {
	var patches []patch
	mutate := func(ctx context.Context, t *testing.T, g *GDB, handover string, args [4]uint64) {
		v := viewHandover(t, handover, args)
		patches = mc.make(t, v)
		if err := writeGuest(ctx, g, patches); err != nil {
			t.Fatal(err)
		}
	}
	u := runUpdate(t, qemu, k, k, mutate, "luoguest.inspect=0")
	outcome, line := kernelOutcome(u)
	row := verdict{mutation: mc.name, want: mc.kernel, kernel: outcome, line: line}
	if outcome != mc.kernel {
		t.Errorf("the kernel's outcome is %s (%s), the case says %s", outcome, line, mc.kernel)
	}
	mutated := filepath.Join(u.dir, "mutated.core")
	if err := applyToCore(u.handover, mutated, patches); err != nil {
		t.Fatal(err)
	}
	_, cli := binaries(t)
	out, _ := luoinspect(t, cli, "validate", mutated, "-o", "json", "--next-cmdline", baseCmdline)
	rep := decode[validate.Report](t, "validate", out)
	row.validate = string(rep.Outcome)
	for _, f := range rep.Findings {
		if f.Severity != validate.SevInfo {
			row.rules = append(row.rules, f.Rule)
		}
	}
	if row.validate != outcome {
		t.Errorf("validate says %s (%v), the kernel %s (%s)", row.validate, row.rules, outcome, line)
	}
	return row
}

// The kernel's words for its verdicts, in the console of the new kernel.
var (
	rePanic   = regexp.MustCompile(`Kernel panic[^\n]*`)
	reRevival = regexp.MustCompile(`[^\n]*disabling KHO revival[^\n]*`)
	reFault   = regexp.MustCompile(`(BUG:|Oops:|general protection fault)[^\n]*`)
	// Warnings: a KHO or LUO line that refuses something, or a WARN.
	reWarn = []*regexp.Regexp{
		regexp.MustCompile(`(?m)^(KHO|luo|LUO)[^\n]*(not supported|wrong|mismatch|invalid|fail)[^\n]*`),
		regexp.MustCompile(`refcount_t:[^\n]*`),
		regexp.MustCompile(`WARNING:[^\n]*`),
	}
)

// kernelOutcome classifies what the new kernel did with the handover.
func kernelOutcome(u *update) (outcome, line string) {
	c := u.console
	if i := strings.LastIndex(c, "Linux version"); i >= 0 {
		c = c[i:]
	}
	switch {
	case reFault.MatchString(c):
		return "boot-fault", reFault.FindString(c)
	case rePanic.MatchString(c):
		return "panic-at-boot", firstOf(c, reRevival, rePanic)
	case !u.reachedAfter:
		return "boot-fault", lastLine(c)
	case reRevival.MatchString(c):
		return "revival-disabled", reRevival.FindString(c)
	case u.opened != "":
		return "open-error", "open(/dev/liveupdate): " + u.opened
	}
	note := ""
	for i, s := range u.retrieved {
		if s.Error != "" {
			return "retrieve-error", s.Error
		}
		for j, f := range s.Files {
			made := u.made[i].Files[j]
			if f.Error == "" && f.Pos != made.Pos && note == "" {
				note = fmt.Sprintf("%s token %s: retrieved, at position %d (preserved at %d)", s.Name, made.Token, f.Pos, made.Pos)
			}
			switch {
			case strings.Contains(f.Error, "no such file"):
				return "data-unreachable", f.Error
			case f.Error != "":
				return "retrieve-error", f.Error
			case f.SHA256 != made.SHA256:
				return "data-unreachable", fmt.Sprintf("%s token %s: the file retrieved holds other data", s.Name, made.Token)
			}
		}
	}
	if l := firstOf(c, reWarn...); l != "" {
		return "accepted-with-warning", l
	}
	if note == "" {
		note = "every session and file retrieved, contents intact"
	}
	return "accepted", note
}

func firstOf(s string, res ...*regexp.Regexp) string {
	for _, re := range res {
		if l := re.FindString(s); l != "" {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(l[len(l)-1])
}

func writeVerdicts(t *testing.T, k *Kernel, rows []verdict) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Kernel verdicts\n\n")
	fmt.Fprintf(&b, "What Linux %s (Debian %s) does with a handover carrying one defect, and what\n", k.Release, k.Package)
	b.WriteString("`luoinspect validate` says of the same defect in a dump. Each defect is written\n" +
		"through QEMU's gdbstub into guest memory at the new kernel's `kho_populate`, after\n" +
		"the old kernel built 54 sessions and 130 memfds (e2e/realkernel, TestKernelVerdicts);\n" +
		"validate reads the dump taken there with the same bytes patched. Generated by\n" +
		"`go test ./e2e/realkernel -run KernelVerdicts -update`.\n\n")
	b.WriteString("| mutation | kernel outcome | what the kernel said or did | validate outcome | rules | match |\n|---|---|---|---|---|---|\n")
	for _, m := range mutations {
		for _, r := range rows {
			if r.mutation != m.name {
				continue
			}
			match := "yes"
			if r.kernel != r.validate {
				match = "no"
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s | %s |\n", r.mutation, r.kernel, strings.ReplaceAll(r.line, "|", "\\|"), r.validate, strings.Join(r.rules, ", "), match)
		}
	}
	if err := os.WriteFile(filepath.Join(repoRoot(t), "docs", "kernel-verdicts.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
