// Package cmdutil holds what the luoinspect commands share: the exit-code
// table and the errors that choose a code, the flags that name a handover
// state and how they open it, output formats, flag checks, FILE readers
// and the wording of messages.
package cmdutil

import "github.com/luoinspect/luoinspect/internal/iostreams"

// Factory gives each command what it runs with; the command tree is
// built from one.
type Factory struct {
	IOStreams *iostreams.IOStreams
}
