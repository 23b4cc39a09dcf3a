package abi

import (
	"bytes"
	"os"

	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// ExtractOptions is what the abi extract command runs with.
type ExtractOptions struct {
	IO *iostreams.IOStreams
	// Source is the snapshot to write.
	Source string
	// Output is -o: the file to write, "" or "-" for stdout.
	Output string
}

// NewCmdExtract builds the abi extract command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdExtract(f *cmdutil.Factory, runF func(*ExtractOptions) error) *cobra.Command {
	opts := &ExtractOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "extract SOURCE [-o FILE]",
		Short: "Write the ABI snapshot of a generation, kernel tree or vmlinux as schema JSON",
		Long: "extract writes a baseline (schema luoinspect.abi/v1) that 'abi diff' can\n" +
			"compare later kernels with. Without -o, or with -o -, it writes to stdout.",
		Example: "  luoinspect abi extract ~/linux -o baseline.json\n" +
			"  luoinspect abi extract /sys/kernel/btf/vmlinux -o running.json",
		Args: cmdutil.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Source = args[0]
			if runF != nil {
				return runF(opts)
			}
			return extractRun(opts)
		},
	}
	c.Flags().StringVarP(&opts.Output, "output", "o", "", "write the schema JSON to FILE (- for stdout)")
	return c
}

// extractRun loads the snapshot and writes it as schema JSON.
func extractRun(opts *ExtractOptions) error {
	snap, err := loadSource(opts.Source)
	if err != nil {
		return err
	}
	warnSnapshot(opts.IO, snap)
	if opts.Output == "" || opts.Output == "-" {
		return schema.Write(opts.IO.Out, snap)
	}
	var b bytes.Buffer
	if err := schema.Write(&b, snap); err != nil {
		return err
	}
	return os.WriteFile(opts.Output, b.Bytes(), 0o644)
}
