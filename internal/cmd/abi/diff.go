package abi

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// DiffOptions is what the abi diff command runs with.
type DiffOptions struct {
	IO *iostreams.IOStreams
	// Old and New are the snapshots to compare.
	Old, New string
	// Format is -o: text, json or yaml.
	Format string
}

// NewCmdDiff builds the abi diff command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Check whether a change breaks the handover ABI",
		Long: "diff compares two ABI snapshots (each a generation tag or combination,\n" +
			"kernel tree, vmlinux/BTF file or schema JSON) and classifies every\n" +
			"difference as breaking, compatible or info. A breaking layout change made\n" +
			"while the compatible string that versions it stayed the same is reported\n" +
			"as \"layout changed but compatible string unchanged\".",
		Example: "  luoinspect abi diff L-v5 L-v6\n" +
			"  luoinspect abi diff baseline.json ~/linux -o json",
		Args: cmdutil.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return diffRun(opts)
		},
	}
	c.Flags().StringVarP(&opts.Format, "output", "o", "text", "output format: text, json or yaml")
	return c
}

// diffRun compares the two snapshots; the exit status says whether they
// differ and whether a layout changed without a compatible bump.
func diffRun(opts *DiffOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "text", "json", "yaml"); err != nil {
		return err
	}
	a, err := loadSource(opts.Old)
	if err != nil {
		return err
	}
	b, err := loadSource(opts.New)
	if err != nil {
		return err
	}
	warnSnapshot(opts.IO, a)
	warnSnapshot(opts.IO, b)
	r := schema.Diff(a, b)
	if opts.Format == "text" {
		err = writeDiffText(opts.IO.Out, r)
	} else {
		err = cmdutil.WriteDoc(opts.IO.Out, opts.Format, r)
	}
	if err != nil {
		return err
	}
	code := 0
	if r.HasChanges() {
		code |= cmdutil.ExitFindings
	}
	if r.HasUnbumped() {
		code |= cmdutil.ExitUnbumped
	}
	return cmdutil.Exit(code)
}

// writeDiffText prints the report's findings as a table.
func writeDiffText(w io.Writer, r *schema.Report) error {
	if len(r.Findings) == 0 {
		_, err := fmt.Fprintf(w, "%s -> %s: no differences\n", r.Old, r.New)
		return err
	}
	fmt.Fprintf(w, "%s -> %s: %d breaking, %d compatible, %d info", r.Old, r.New, r.Breaking, r.Compatible, r.Info)
	if r.HasUnbumped() {
		fmt.Fprintf(w, "; LAYOUT CHANGED WITHOUT A COMPATIBLE BUMP")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range r.Findings {
		class := string(f.Class)
		switch {
		case f.Kind == schema.KindUnbumped:
			class = "UNBUMPED"
		case f.Unbumped:
			class += "!"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", class, f.Component, f.Kind, f.Message)
	}
	return tw.Flush()
}
