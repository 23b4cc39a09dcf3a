package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// exitMeanings is the exit-code table of the command reference.
var exitMeanings = []struct{ code, meaning string }{
	{"0", "ok"},
	{"1", "tool error: an input cannot be read or parsed (missing file, I/O)"},
	{"2", "usage error: bad flags, arguments or values"},
	{"4", "findings or differences"},
	{"8", "the next kernel would reject the state, or data was lost"},
	{"16", "a layout changed without a compatible-string bump"},
	{"128+n", "stopped by signal n (130: Ctrl-C); nothing half-written is left"},
}

// ExitHelp is the exit-code table as the root command's help shows it.
func ExitHelp() string {
	var b strings.Builder
	b.WriteString("Exit status, a bitmask (4, 8 and 16 combine: 12, 20); each command's\n" +
		"help lists the codes it gives:\n\n")
	for _, m := range exitMeanings {
		fmt.Fprintf(&b, "    %-6s %s\n", m.code, m.meaning)
	}
	b.WriteString("\nErrors are one line on stderr; machine output goes to stdout. A second\n" +
		"Ctrl-C stops at once.")
	return b.String()
}

// ExitUse is one exit code a command gives, and when.
type ExitUse struct {
	Code int
	When string // "" for the meaning every command shares (0, 1, 2)
}

// CommandExits lists, for every command (by its path), the exit codes it
// gives besides 128+n. Each command's help shows them, and TestExitCodes
// requires a case for each one and an entry for every command.
var CommandExits = map[string][]ExitUse{
	"luoinspect dump":        {{0, ""}, {1, ""}, {2, ""}},
	"luoinspect capture":     {{0, ""}, {1, ""}, {2, ""}, {4, "written without some of what was asked for: see \"not saved:\""}},
	"luoinspect validate":    {{0, "clean (info findings only)"}, {1, "tool error: the source cannot be opened"}, {2, ""}, {4, "warnings or unverified parts"}, {8, "errors: the next kernel would reject or misbehave"}, {12, "both 4 and 8"}},
	"luoinspect compat":      {{0, "accepted"}, {1, ""}, {2, ""}, {4, "accepted with a loss or caveat"}, {8, "rejected"}},
	"luoinspect diff":        {{0, "identical"}, {1, ""}, {2, ""}, {4, "changed, or unverified: what a side cannot read is never lost"}, {8, "data lost"}},
	"luoinspect abi list":    {{0, ""}, {2, ""}},
	"luoinspect abi show":    {{0, ""}, {1, ""}, {2, ""}},
	"luoinspect abi detect":  {{0, ""}, {1, ""}, {2, ""}},
	"luoinspect abi extract": {{0, ""}, {1, ""}, {2, ""}},
	"luoinspect abi diff":    {{0, "no differences, or info only"}, {1, ""}, {2, ""}, {4, "differences"}, {16, "a layout changed without a compatible bump"}, {20, "both 4 and 16"}},
	"luoinspect encode":      {{0, ""}, {1, ""}, {2, "usage error, a DIR with files in it and no --force included"}},
	"luoinspect fdt check":   {{0, ""}, {1, ""}, {2, ""}, {4, "problems found, FILE not an FDT blob included"}},
	"luoinspect fdt dts":     {{0, ""}, {1, ""}, {2, ""}, {4, "FILE is no valid FDT blob"}},
	"luoinspect hexdump":     {{0, "shown whole: a FILE that is no FDT blob, shown raw, included"}, {1, ""}, {2, ""}, {4, "an FDT blob cut short or malformed, a struct cut short by the end of FILE, bytes the source does not hold, or (with --fdt) no FDT blob"}},
	"luoinspect version":     {{0, ""}, {2, ""}},
	"luoinspect gen-docs":    {{0, ""}, {1, ""}, {2, ""}},
}

// exitList is the "Exit status:" list of a command's help.
func exitList(uses []ExitUse) string {
	short := map[int]string{0: "ok", 1: "tool error", 2: "usage error"}
	var b strings.Builder
	b.WriteString("Exit status:\n\n")
	for _, u := range uses {
		when := u.When
		if when == "" {
			when = short[u.Code]
		}
		fmt.Fprintf(&b, "    %-6d %s\n", u.Code, when)
	}
	b.WriteString("    128+n  stopped by signal n")
	return b.String()
}

// AddExitHelp appends to the help text of c and of every command below it
// the exit codes it gives.
func AddExitHelp(c *cobra.Command) {
	if uses, ok := CommandExits[c.CommandPath()]; ok {
		long := c.Long
		if long == "" {
			long = c.Short + "."
		}
		c.Long = long + "\n\n" + exitList(uses)
	}
	for _, sub := range c.Commands() {
		AddExitHelp(sub)
	}
}
