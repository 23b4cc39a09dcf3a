package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes form a bitmask, documented in docs/cli.md.
const (
	exitOK       = 0
	exitError    = 1  // the tool failed: unreadable input, malformed data
	exitUsage    = 2  // bad flags or arguments
	exitFindings = 4  // the check found problems or the inputs differ
	exitReject   = 8  // the next kernel would reject the state, or data was lost
	exitUnbumped = 16 // a layout changed without a compatible-string bump
)

// exitCodeError ends a command with a given exit code after it has printed
// its own report.
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError marks an error in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// run executes the command line and maps its outcome to an exit code,
// printing any error as one line on stderr.
func run(args []string, s *streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.Execute()
	var code exitCodeError
	var usage usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return code.code
	case errors.As(err, &usage):
		fmt.Fprintf(s.Err, "luoinspect: %v (see 'luoinspect --help')\n", err)
		return exitUsage
	default:
		fmt.Fprintf(s.Err, "luoinspect: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return exitError
	}
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
