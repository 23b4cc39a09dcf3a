package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes form a bitmask, documented in the root command's help (and
// so in docs/cli.md); CommandExits says which ones each command gives.
const (
	ExitOK       = 0
	ExitError    = 1  // the tool failed: unreadable input, I/O error
	ExitUsage    = 2  // bad flags, arguments or values
	ExitFindings = 4  // the check found problems or the inputs differ
	ExitReject   = 8  // the next kernel would reject the state, or data was lost
	ExitUnbumped = 16 // a layout changed without a compatible-string bump
	// ExitSignal plus the signal number is the status of a command stopped
	// by a signal: 130 for SIGINT.
	ExitSignal = 128
)

// ExitCodeError ends a command with a given exit code after it has
// printed its own report.
type ExitCodeError struct{ Code int }

// Error says the code; it is never printed.
func (e ExitCodeError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// Exit is the error that ends a command with exit code code: nil for 0.
func Exit(code int) error {
	if code == ExitOK {
		return nil
	}
	return ExitCodeError{code}
}

// UsageError marks an error in how the command was called (exit 2).
type UsageError struct{ Err error }

// Error is the message of the error inside.
func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap gives the error inside.
func (e UsageError) Unwrap() error { return e.Err }

// UsageErrorf is a UsageError with a message formatted as fmt.Errorf
// does.
func UsageErrorf(format string, a ...any) error {
	return UsageError{fmt.Errorf(format, a...)}
}

// ExactArgs is cobra.ExactArgs reporting a usage error.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return UsageError{err}
		}
		return nil
	}
}

// ExitStatus maps the outcome of the command cmd, run with ctx, to its
// exit code, printing any error as one line on stderr: a signal that
// stopped it (128+n), an ExitCodeError's code, a usage error pointing at
// cmd's help (2), or any other error (1).
func ExitStatus(ctx context.Context, cmd *cobra.Command, err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var sig Signalled
	if errors.As(context.Cause(ctx), &sig) || errors.As(err, &sig) {
		fmt.Fprintf(stderr, "luoinspect: %v\n", sig)
		return sig.ExitCode()
	}
	var code ExitCodeError
	var usage UsageError
	switch {
	case errors.As(err, &code):
		return code.Code
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "luoinspect: %s (see '%s --help')\n", ErrorLine(err), cmd.CommandPath())
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "luoinspect: %s\n", ErrorLine(err))
		return ExitError
	}
}
