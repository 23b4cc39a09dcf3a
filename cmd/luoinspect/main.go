// Command luoinspect inspects, validates, encodes and compares the state
// Linux hands from one kernel to the next during a live update (KHO, LUO,
// memfd preservation).
package main

import (
	"context"
	"os"

	"github.com/luoinspect/luoinspect/internal/cmd/root"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], iostreams.System()))
}

// run executes the command line and returns its exit code. SIGINT,
// SIGTERM and SIGHUP cancel the command's context: a command stopped by
// signal n exits 128+n after removing what it was writing.
func run(args []string, ios *iostreams.IOStreams) int {
	ctx, stop := cmdutil.NotifyContext(context.Background(), cmdutil.InterruptSignals...)
	defer stop()
	return runContext(ctx, args, ios)
}

// runContext is run with the context the commands get.
func runContext(ctx context.Context, args []string, ios *iostreams.IOStreams) int {
	rootCmd := newRootCmd(ios)
	rootCmd.SetArgs(args)
	cmd, err := rootCmd.ExecuteContextC(ctx)
	if cmd == nil {
		cmd = rootCmd
	}
	return cmdutil.ExitStatus(ctx, cmd, err, ios.ErrOut)
}

// newRootCmd builds the command tree on the streams ios.
func newRootCmd(ios *iostreams.IOStreams) *cobra.Command {
	return root.NewCmdRoot(&cmdutil.Factory{IOStreams: ios})
}
