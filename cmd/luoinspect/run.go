package main

import (
	"context"
	"errors"
	"fmt"
)

// run executes the command line and maps its outcome to an exit code,
// printing any error as one line on stderr. SIGINT, SIGTERM and SIGHUP
// cancel the command's context: a command stopped by signal n exits
// 128+n after removing what it was writing.
func run(args []string, s *streams) int {
	ctx, stop := notifyContext(context.Background(), interruptSignals...)
	defer stop()
	return runContext(ctx, args, s)
}

// runContext is run with the context the commands get.
func runContext(ctx context.Context, args []string, s *streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(flagError)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var sig signalled
	if errors.As(context.Cause(ctx), &sig) || errors.As(err, &sig) {
		fmt.Fprintf(s.Err, "luoinspect: %v\n", sig)
		return sig.exitCode()
	}
	var code exitCodeError
	var usage usageError
	switch {
	case errors.As(err, &code):
		return code.code
	case errors.As(err, &usage):
		help := root.CommandPath()
		if cmd != nil {
			help = cmd.CommandPath()
		}
		fmt.Fprintf(s.Err, "luoinspect: %s (see '%s --help')\n", errorLine(err), help)
		return exitUsage
	default:
		fmt.Fprintf(s.Err, "luoinspect: %s\n", errorLine(err))
		return exitError
	}
}
