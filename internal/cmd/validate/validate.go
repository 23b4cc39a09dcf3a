// Package validate is the "luoinspect validate" command: check a handover
// state the way the next kernel will, and deeper.
package validate

import (
	"context"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// ValidateOptions is what the validate command runs with.
type ValidateOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	State   cmdutil.StateOptions
	// Format is -o: text, json, sarif or junit.
	Format string
	// NextCmdline, when HasNextCmdline is set, is the command line the
	// next kernel boots with ("" is one without parameters).
	NextCmdline    string
	HasNextCmdline bool
}

// NewCmdValidate builds the validate command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IOStreams, State: cmdutil.StateOptions{KeepBrokenRoot: true}}
	c := &cobra.Command{
		Use:   "validate [--sample NAME] [-o text|json|sarif|junit]",
		Short: "Check a handover state the way the next kernel will, and deeper",
		Long: "validate applies every rule of docs/validation-rules.md to the handover\n" +
			"state: the checks the receiving kernel makes on incoming KHO, LUO and memfd\n" +
			"data (with what it does when one fails: KHO revival disabled, panic at boot,\n" +
			"/dev/liveupdate open fails, retrieve fails, a WARN, or silent acceptance),\n" +
			"deeper invariants the kernel does not check, and producer fingerprints.\n" +
			"It reports every finding, as text, JSON, SARIF 2.1.0 or JUnit XML.\n\n" +
			"Every pointer into memory the source does not hold is an unverified\n" +
			"finding, and the report says how much of the state was verified.\n" +
			"A root that does not decode is a finding too (the kernel's verdict on it).",
		Example: "  luoinspect validate --sample k2-lflb-m1\n" +
			"  luoinspect validate --sample k4-luov5-m2b -o sarif > luo.sarif",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.State.Sources = c.Context(), args
			opts.HasNextCmdline = c.Flags().Changed("next-cmdline")
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	opts.State.Register(c)
	c.Flags().StringVarP(&opts.Format, "output", "o", "text", "output format: text, json, sarif or junit")
	c.Flags().StringVar(&opts.NextCmdline, "next-cmdline", "", "the command line the next kernel boots with: its reserve_mem= parameters are checked against the preserved regions (\"\" for none)")
	cmdutil.AllowEmpty(c, "next-cmdline")
	return c
}
