package fdt

import (
	"errors"
	"fmt"
	"strings"

	fdtlib "github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// CheckOptions is what the fdt check command runs with.
type CheckOptions struct {
	IO *iostreams.IOStreams
	// File is the blob to check; "-" is standard input.
	File string
	// Lenient lists every problem instead of stopping at the first.
	Lenient bool
}

// NewCmdCheck builds the fdt check command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "check FILE",
		Short: "Check an FDT blob as strictly as libfdt's fdt_check_full, and more",
		Long: "check parses FILE strictly and prints a one-line summary, or the first\n" +
			"problem with its byte offset. With --lenient it reads as much as it can\n" +
			"and lists every problem. FILE - reads standard input; a file is read\n" +
			"header first and never past its totalsize (at most 64 MiB).\n" +
			"Exit code 4 means problems were found (a file that is no FDT blob too).",
		Args: cmdutil.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	c.Flags().BoolVar(&opts.Lenient, "lenient", false, "list every problem instead of stopping at the first")
	return c
}

// checkRun reads the file and reports on it.
func checkRun(opts *CheckOptions) error {
	name := cmdutil.DisplayName(opts.File)
	read := cmdutil.ReadFDTFile
	if opts.Lenient {
		read = cmdutil.ReadAnyFile // whatever the file holds, read as far as it goes
	}
	data, err := read(opts.File)
	var bf cmdutil.BlobFinding
	if errors.As(err, &bf) {
		// The file's name leads the reader's message: one line.
		fmt.Fprintf(opts.IO.Out, "%s: error: %s\n", name, strings.TrimPrefix(bf.Msg, name+": "))
		return cmdutil.Exit(cmdutil.ExitFindings)
	}
	if err != nil {
		return err
	}
	return checkBlob(opts.IO, name, data, opts.Lenient)
}

// checkBlob parses data, the blob of the file name, and prints its
// problems and notices, or a summary when it has none.
func checkBlob(ios *iostreams.IOStreams, name string, data []byte, lenient bool) error {
	var problems []*fdtlib.Error
	t, err := fdtlib.Parse(data)
	if err != nil {
		problems = []*fdtlib.Error{err.(*fdtlib.Error)}
		if lenient {
			t, problems = fdtlib.ParseLenient(data)
		}
	}
	for _, p := range problems {
		fmt.Fprintf(ios.Out, "%s: error: %v\n", name, p)
	}
	if t != nil {
		for _, n := range t.Notices {
			fmt.Fprintf(ios.Out, "%s: notice: %v\n", name, n)
		}
	}
	if len(problems) > 0 {
		return cmdutil.Exit(cmdutil.ExitFindings)
	}
	h := t.Header
	fmt.Fprintf(ios.Out, "%s: ok: version %d, totalsize %d, %d nodes, %d properties, %d reserve entries\n",
		name, h.Version, h.TotalSize, t.NumNodes(), t.NumProperties(), len(t.Reserve))
	return nil
}
