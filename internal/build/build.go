// Package build says which build of luoinspect is running.
package build

import (
	"fmt"
	"runtime/debug"
)

// Version returns the module version, "(devel)" when the build does not
// record one, and a summary of the build settings (Go version, VCS
// revision, target), each after a space.
func Version() (version, settings string) {
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
