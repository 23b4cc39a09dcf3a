package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and build information",
		Args:  exactArgs(0),
		Run: func(*cobra.Command, []string) {
			version, settings := buildVersion()
			fmt.Fprintf(s.Out, "luoinspect %s%s\n", version, settings)
		},
	}
}

// buildVersion returns the module version and a summary of the build
// settings (Go version, VCS revision, target).
func buildVersion() (version, settings string) {
	version = "(devel)"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, ""
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision", "vcs.time", "vcs.modified", "GOARCH", "GOOS":
			settings += fmt.Sprintf(" %s=%s", kv.Key, kv.Value)
		}
	}
	return version, " " + bi.GoVersion + settings
}
