package fdt

import (
	fdtlib "github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// DTSOptions is what the fdt dts command runs with.
type DTSOptions struct {
	IO *iostreams.IOStreams
	// File is the blob to print; "-" is standard input.
	File string
	// Offsets comments every node and property with its byte offset.
	Offsets bool
}

// NewCmdDTS builds the fdt dts command; runF, when not nil, runs instead
// of the command's own run (for tests).
func NewCmdDTS(f *cmdutil.Factory, runF func(*DTSOptions) error) *cobra.Command {
	opts := &DTSOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "dts FILE",
		Short: "Print an FDT blob as device-tree source that dtc compiles back",
		Long: "dts prints FILE as DTS. KHO and LUO store u64 values in CPU byte order\n" +
			"(little-endian), which dtc shows as swapped cells; dts adds the real\n" +
			"value as a comment after every 8-byte value. FILE - reads standard input.\n" +
			"Exit code 4: FILE is no valid FDT blob (one line on stderr).",
		Args: cmdutil.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			return dtsRun(opts)
		},
	}
	c.Flags().BoolVar(&opts.Offsets, "offsets", false, "comment every node and property with its byte offset")
	return c
}

// dtsRun parses the file and prints it as DTS.
func dtsRun(opts *DTSOptions) error {
	t, err := cmdutil.ParseFDTFile(opts.File)
	if err != nil {
		return cmdutil.ReportBlobFinding(opts.IO.ErrOut, err)
	}
	return t.WriteDTS(opts.IO.Out, fdtlib.DTSOptions{Offsets: opts.Offsets})
}
