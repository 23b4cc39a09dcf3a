// Package testutil holds the helpers that the test files of several
// luoinspect packages share, so that each exists once:
//
//   - Golden and Update: golden files and generated documents, rewritten
//     by "go test ./PKG -update";
//   - RequireOracle and OraclePath: tests that need an external tool (gcc,
//     dtc, readelf, QEMU…) skip without it, unless
//     LUOINSPECT_REQUIRE_ORACLES=1 makes a missing tool a failure;
//   - Allocated and AllocBound: how much a call allocates, and the bound a
//     decoder must keep to for an input of n bytes;
//   - SeedFile, ParseSeedFile and WriteSeeds: the committed seed corpora
//     of fuzz targets under testdata/fuzz.
//
// Importing the package registers the -update flag, so only _test.go
// files may import it, and no test may define a flag of that name itself.
package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	pkgOnce sync.Once
	pkgArg  string
)

// packageArg returns the package under test as "go test" names it from
// the module root ("./render"), for the commands that messages suggest.
// A test runs in its package's directory; without a go.mod above it the
// result is ".".
func packageArg() string {
	pkgOnce.Do(func() {
		pkgArg = "."
		wd, err := os.Getwd()
		if err != nil {
			return
		}
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				if rel, err := filepath.Rel(dir, wd); err == nil && rel != "." {
					pkgArg = "./" + filepath.ToSlash(rel)
				}
				return
			}
			if filepath.Dir(dir) == dir {
				return
			}
		}
	})
	return pkgArg
}

// rerun is the command that runs t's top-level test again, with extra
// (flags, or an environment assignment placed first when it contains "=").
func rerun(t testing.TB, extra string) string {
	top, _, _ := strings.Cut(t.Name(), "/")
	cmd := "go test " + packageArg() + " -run '^" + top + "$'"
	if strings.Contains(extra, "=") {
		return extra + " " + cmd
	}
	return cmd + " " + extra
}
