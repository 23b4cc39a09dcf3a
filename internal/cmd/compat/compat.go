// Package compat is the "luoinspect compat" command: would a kernel of
// another generation accept a handover state?
package compat

import (
	"context"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/luoinspect/luoinspect/validate"
	"github.com/spf13/cobra"
)

// CompatOptions is what the compat command runs with.
type CompatOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	State   cmdutil.StateOptions
	// To is the generation of the receiving kernel: tags joined with '+'.
	To string
	// Format is -o: text or json.
	Format string
}

// NewCmdCompat builds the compat command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdCompat(f *cmdutil.Factory, runF func(*CompatOptions) error) *cobra.Command {
	opts := &CompatOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "compat --to GEN [--sample NAME] [-o text|json]",
		Short: "Tell whether a kernel of another generation would accept the state",
		Long: "compat compares the generations detected in the handover state with what\n" +
			"a kernel of generation GEN reads, component by component, and says what\n" +
			"that kernel would do with it. GEN is a KHO, LUO or memfd tag (K2, L-FLB,\n" +
			"M2b) or several joined with '+' (K4+L-luo-v5+M2b); components not named\n" +
			"are not compared.",
		Example: "  luoinspect compat --sample k1b-l619-m1 --to L-FLB\n" +
			"  luoinspect compat --sample k4-luov5-m2b --to K4+L-luo-v5+M2b -o json",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.State.Sources = c.Context(), args
			if runF != nil {
				return runF(opts)
			}
			return compatRun(opts)
		},
	}
	opts.State.Register(c)
	c.Flags().StringVar(&opts.To, "to", "", "generation of the receiving kernel: a KHO, LUO or memfd tag, or tags joined with '+'")
	c.Flags().StringVarP(&opts.Format, "output", "o", "text", "output format: text or json")
	return c
}

// compatRun compares the state with the target generations and prints
// the verdict; its exit status is the verdict's.
func compatRun(opts *CompatOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "text", "json"); err != nil {
		return err
	}
	if opts.To == "" {
		return cmdutil.UsageErrorf("--to GEN is required")
	}
	t, err := validate.ParseTarget(opts.To)
	if err != nil {
		return cmdutil.UsageErrorf("--to: %w", err)
	}
	l, err := opts.State.Load(opts.Context, opts.IO)
	if err != nil {
		return err
	}
	defer l.Close()
	r := validate.Compat(l.State, t)
	r.Source = l.Description
	if opts.Format == "json" {
		err = cmdutil.WriteDoc(opts.IO.Out, "json", r)
	} else {
		err = validate.WriteCompatText(opts.IO.Out, r)
	}
	if err != nil {
		return err
	}
	switch r.Verdict {
	case validate.VerdictReject:
		return cmdutil.Exit(cmdutil.ExitReject)
	case validate.VerdictWarning:
		return cmdutil.Exit(cmdutil.ExitFindings)
	}
	return nil
}
