package testutil

import (
	"errors"
	"os"
	"testing"
)

func TestRequireOracle(t *testing.T) {
	missing := errors.New("not installed")
	t.Setenv(RequireOraclesEnv, "")
	record(t, func(tb testing.TB) { RequireOracle(tb, "dtc", nil) }).only(t, "")
	record(t, func(tb testing.TB) { RequireOracle(tb, "dtc", missing) }).only(t, "skip", "dtc is unavailable: not installed")
	record(t, func(tb testing.TB) { OraclePath(tb, "luoinspect-no-such-oracle") }).only(t, "skip", "luoinspect-no-such-oracle")
	var p string
	record(t, func(tb testing.TB) { p = OraclePath(tb, os.Args[0]) }).only(t, "")
	if p != os.Args[0] {
		t.Errorf("OraclePath(%q) = %q", os.Args[0], p)
	}

	for _, v := range []string{"0", "yes"} {
		t.Setenv(RequireOraclesEnv, v)
		record(t, func(tb testing.TB) { RequireOracle(tb, "dtc", missing) }).only(t, "skip")
	}
	t.Setenv(RequireOraclesEnv, "1")
	if !OraclesRequired() {
		t.Fatal("OraclesRequired() is false")
	}
	record(t, func(tb testing.TB) { RequireOracle(tb, "dtc", nil) }).only(t, "")
	record(t, func(tb testing.TB) { RequireOracle(tb, "gcc (Debian gcc)", missing) }).
		only(t, "fatal", "gcc (Debian gcc) is unavailable and LUOINSPECT_REQUIRE_ORACLES=1: not installed")
	record(t, func(tb testing.TB) { OraclePath(tb, "luoinspect-no-such-oracle") }).only(t, "fatal", "luoinspect-no-such-oracle")
}
