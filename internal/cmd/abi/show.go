package abi

import (
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// ShowOptions is what the abi show command runs with.
type ShowOptions struct {
	IO *iostreams.IOStreams
	// Source is the snapshot to show: a generation, kernel tree, vmlinux
	// or BTF file, or schema JSON.
	Source string
	// Format is -o: tree, json or yaml.
	Format string
}

// NewCmdShow builds the abi show command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "show SOURCE",
		Short: "Show the structs, FDT schema and constants of a generation or kernel",
		Example: "  luoinspect abi show M1\n" +
			"  luoinspect abi show K4+L-luo-v5+M2b -o json",
		Args: cmdutil.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Source = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	c.Flags().StringVarP(&opts.Format, "output", "o", "tree", "output format: tree, json or yaml")
	return c
}

// showRun loads the snapshot and prints it.
func showRun(opts *ShowOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "tree", "json", "yaml"); err != nil {
		return err
	}
	snap, err := loadSource(opts.Source)
	if err != nil {
		return err
	}
	warnSnapshot(opts.IO, snap)
	if opts.Format != "tree" {
		return cmdutil.WriteDoc(opts.IO.Out, opts.Format, snap)
	}
	return showTree(opts.IO.Out, snap)
}
