package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// RequireOraclesEnv is the environment variable that, set to "1", turns a
// missing oracle from a skipped test into a failed one. CI sets it after
// installing every oracle, so that none is silently left out.
const RequireOraclesEnv = "LUOINSPECT_REQUIRE_ORACLES"

// OraclesRequired reports whether RequireOraclesEnv is "1".
func OraclesRequired() bool { return os.Getenv(RequireOraclesEnv) == "1" }

// RequireOracle ends a test that cannot run without an oracle, the
// external tool (or artefact) a result is checked against, when err says
// why it is unavailable: it skips the test, or fails it when
// OraclesRequired. name says what is missing and, where useful, what
// provides it ("qemu-system-x86_64 (Debian qemu-system-x86)"). With a nil
// err it does nothing.
func RequireOracle(t testing.TB, name string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if OraclesRequired() {
		t.Fatalf("%s is unavailable and %s=1: %v", name, RequireOraclesEnv, err)
		return
	}
	t.Skipf("%s is unavailable: %v", name, err)
}

// OraclePath returns the path of the executable file, looked up in PATH
// like exec.LookPath, or ends the test through RequireOracle when there is
// none.
func OraclePath(t testing.TB, file string) string {
	t.Helper()
	p, err := exec.LookPath(file)
	RequireOracle(t, file, err)
	return p
}
