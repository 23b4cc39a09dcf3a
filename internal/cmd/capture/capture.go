// Package capture is the "luoinspect capture" command: save a handover
// state, and exactly the memory it reaches, as one snapshot file.
package capture

import (
	"context"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// CaptureOptions is what the capture command runs with.
type CaptureOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	State   cmdutil.StateOptions
	// Out is --out: the snapshot file to write.
	Out string
	// WithData also saves the memfd data pages.
	WithData bool
}

// NewCmdCapture builds the capture command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdCapture(f *cmdutil.Factory, runF func(*CaptureOptions) error) *cobra.Command {
	opts := &CaptureOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "capture [SOURCE] --out FILE",
		Short: "Save the handover state as a self-contained snapshot file",
		Long: "capture walks the state and writes one snapshot file (an ELF core, see\n" +
			"docs/snapshot-format.md) holding the debugfs blobs, metadata and exactly\n" +
			"the physical pages the walk reached: structures, chunk chains and folio\n" +
			"arrays; the memfd data pages only with --with-data. The write is atomic:\n" +
			"an interrupted capture (Ctrl-C) leaves no file behind. Every command\n" +
			"accepts the snapshot wherever it accepts a live system.\n\n" +
			"What it was asked to save and the source does not hold (memfd data\n" +
			"pages with --with-data, structures, folio arrays) is counted on stderr\n" +
			"in lines starting \"not saved:\", and the exit status is then 4: the\n" +
			"snapshot is written, without those pages.\n\n" + cmdutil.SourceHelp,
		Example: "  sudo luoinspect capture --out before.core\n  luoinspect capture /var/crash/vmcore --out state.core",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.State.Sources = c.Context(), args
			if runF != nil {
				return runF(opts)
			}
			return captureRun(opts)
		},
	}
	opts.State.Register(c)
	c.Flags().StringVar(&opts.Out, "out", "", "snapshot file to write")
	c.Flags().BoolVar(&opts.WithData, "with-data", false, "also save the memfd data pages (guest RAM: can be large)")
	return c
}
