package main

import (
	"errors"

	"github.com/luoinspect/luoinspect/source"
)

// checkSourceSpec rejects, as a usage error, a SOURCE written in one of
// the spec forms with the form wrong, before anything is opened: a
// malformed spec is a mistake in the command line, not an input that
// cannot be read. Plain paths and well-formed specs pass.
func checkSourceSpec(spec string) error {
	_, err := source.ParseSpec(spec)
	var specErr *source.SpecError
	if errors.As(err, &specErr) {
		return usageError{err}
	}
	return err
}
