// Package version is the "luoinspect version" command.
package version

import (
	"fmt"

	"github.com/luoinspect/luoinspect/internal/build"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// VersionOptions is what the version command runs with.
type VersionOptions struct {
	IO *iostreams.IOStreams
}

// NewCmdVersion builds the version command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and build information",
		Args:  cmdutil.ExactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
}

// versionRun prints the version and the build settings.
func versionRun(opts *VersionOptions) error {
	version, settings := build.Version()
	fmt.Fprintf(opts.IO.Out, "luoinspect %s%s\n", version, settings)
	return nil
}
