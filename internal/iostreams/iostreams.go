// Package iostreams owns the standard streams of the luoinspect commands:
// where input comes from and output goes, whether each output stream is a
// terminal, and whether human output is coloured. Commands reach the
// streams through an IOStreams value only, so that every command runs the
// same against a terminal and against test buffers.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams: machine output on Out,
// human messages and progress on ErrOut. The zero value with Out and
// ErrOut set works: a stream is a terminal when it is an *os.File that is
// one, and colour follows --color auto.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// colorMode is the --color value: auto (or ""), always or never.
	colorMode string
	// stdoutTTY and stderrTTY, when set, say whether Out and ErrOut are
	// terminals instead of asking the operating system.
	stdoutTTY, stderrTTY *bool
}

// System returns the streams of the process: standard input, output and
// error.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// Test returns streams reading from and writing to buffers, none of them
// a terminal, and the buffers: what to read, what went to Out and what
// went to ErrOut.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	ios = &IOStreams{In: in, Out: out, ErrOut: errOut}
	ios.SetStdoutTTY(false)
	ios.SetStderrTTY(false)
	return ios, in, out, errOut
}

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return isTTY(s.stdoutTTY, s.Out) }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return isTTY(s.stderrTTY, s.ErrOut) }

// SetStdoutTTY says whether Out counts as a terminal.
func (s *IOStreams) SetStdoutTTY(tty bool) { s.stdoutTTY = &tty }

// SetStderrTTY says whether ErrOut counts as a terminal.
func (s *IOStreams) SetStderrTTY(tty bool) { s.stderrTTY = &tty }

// isTTY is the override when there is one, else whether w is a terminal.
func isTTY(override *bool, w io.Writer) bool {
	if override != nil {
		return *override
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// SetColorMode sets the --color value: auto, always or never. Any other
// value is an error and leaves the mode as it was.
func (s *IOStreams) SetColorMode(mode string) error {
	switch mode {
	case "auto", "always", "never":
		s.colorMode = mode
		return nil
	}
	return fmt.Errorf("--color must be auto, always or never, not %q", mode)
}

// ColorEnabled reports whether human output on Out gets colour: --color
// always, or auto with Out a terminal and NO_COLOR unset.
func (s *IOStreams) ColorEnabled() bool {
	switch s.colorMode {
	case "always":
		return true
	case "never":
		return false
	}
	return os.Getenv("NO_COLOR") == "" && s.IsStdoutTTY()
}
