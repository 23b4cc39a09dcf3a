package validate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
)

const malformed = "../../../testdata/malformed/"

func TestNewCmdValidateFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		hasNext bool
	}{
		{[]string{"--sample", "k2-lflb-m1", "-o", "sarif"}, false},
		{[]string{"--sample", "k2-lflb-m1", "-o", "sarif", "--next-cmdline", ""}, true},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *ValidateOptions
		c := NewCmdValidate(&cmdutil.Factory{IOStreams: ios}, func(o *ValidateOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.Format != "sarif" || got.State.Sample != "k2-lflb-m1" || !got.State.KeepBrokenRoot || got.HasNextCmdline != tc.hasNext {
			t.Errorf("%v: options %+v", tc.args, got)
		}
	}
}

// validateRunOn runs validate with the given options filled in.
func validateRunOn(t *testing.T, tty bool, fill func(*ValidateOptions)) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStderrTTY(tty)
	opts := &ValidateOptions{IO: ios, Context: context.Background(), State: cmdutil.StateOptions{KeepBrokenRoot: true}, Format: "text"}
	fill(opts)
	err := validateRun(opts)
	return out.String(), errOut.String(), err
}

func exitCode(err error) int {
	var code cmdutil.ExitCodeError
	if errors.As(err, &code) {
		return code.Code
	}
	if err != nil {
		return cmdutil.ExitError
	}
	return cmdutil.ExitOK
}

func TestValidateRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		sample, source string
		want           int
		text           string
	}{
		{"k2-lflb-m1", "", cmdutil.ExitOK, "clean"},
		{"", malformed + "session-header-outside.core", cmdutil.ExitFindings, "verified: "},
		{"", malformed + "root-bad-magic.core", cmdutil.ExitReject, "KHO001"},
		{"", malformed + "radix-cycle.core", cmdutil.ExitFindings | cmdutil.ExitReject, "verified: "},
	} {
		out, errOut, err := validateRunOn(t, false, func(o *ValidateOptions) {
			o.State.Sample = tc.sample
			if tc.source != "" {
				o.State.Sources = []string{tc.source}
			}
		})
		if got := exitCode(err); got != tc.want || !strings.Contains(out, tc.text) || errOut != "" {
			t.Errorf("%s%s: exit %d (%v), want %d; stdout %q, want it to hold %q; stderr %q", tc.sample, tc.source, got, err, tc.want, out, tc.text, errOut)
		}
	}
}

func TestValidateRunJSON(t *testing.T) {
	out, _, err := validateRunOn(t, false, func(o *ValidateOptions) { o.State.Sample, o.Format = "k4-luov5-m2b", "json" })
	var r struct {
		Outcome string `json:"outcome"`
	}
	if err != nil || json.Unmarshal([]byte(out), &r) != nil || r.Outcome == "" {
		t.Errorf("err %v, report %+v from\n%s", err, r, out)
	}
}

func TestValidateRunNextCmdline(t *testing.T) {
	out, _, err := validateRunOn(t, false, func(o *ValidateOptions) { o.State.Sample, o.HasNextCmdline = "k2-lflb-m1", true })
	if !strings.Contains(out, "the next kernel has no reserve_mem=") || exitCode(err) == cmdutil.ExitOK {
		t.Errorf("--next-cmdline '': exit %d, report\n%s", exitCode(err), out)
	}
	_, _, err = validateRunOn(t, false, func(o *ValidateOptions) {
		o.State.Sample, o.HasNextCmdline, o.NextCmdline = "k2-lflb-m1", true, "reserve_mem=1M"
	})
	var u cmdutil.UsageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "--next-cmdline: reserve_mem=1M") {
		t.Errorf("bad --next-cmdline: err %v, want a usage error", err)
	}
}

// TestValidateRunProgress requires the progress line on a terminal's
// stderr only, erased when done.
func TestValidateRunProgress(t *testing.T) {
	for _, tty := range []bool{false, true} {
		_, errOut, err := validateRunOn(t, tty, func(o *ValidateOptions) { o.State.Sample = "k4-luov5-m2b" })
		if err != nil {
			t.Fatal(err)
		}
		shown := strings.Contains(errOut, "validating folio records: ")
		if shown != tty || tty && !strings.HasSuffix(errOut, "\r\x1b[K") {
			t.Errorf("stderr a terminal %v: stderr %q", tty, errOut)
		}
	}
}

func TestValidateRunBadFormat(t *testing.T) {
	out, _, err := validateRunOn(t, false, func(o *ValidateOptions) { o.State.Sample, o.Format = "k2-lflb-m1", "xml" })
	var u cmdutil.UsageError
	if !errors.As(err, &u) || out != "" {
		t.Errorf("-o xml: err %v, stdout %q", err, out)
	}
}
