package iostreams

import (
	"strings"
	"testing"
)

func TestColorEnabled(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		tty     bool
		noColor string
		want    bool
	}{
		{"auto", true, "", true},
		{"auto", false, "", false},
		{"auto", true, "1", false},
		{"always", false, "1", true},
		{"never", true, "", false},
	} {
		t.Setenv("NO_COLOR", tc.noColor)
		ios, _, _, _ := Test()
		ios.SetStdoutTTY(tc.tty)
		if err := ios.SetColorMode(tc.mode); err != nil {
			t.Fatal(err)
		}
		if got := ios.ColorEnabled(); got != tc.want {
			t.Errorf("--color %s, tty %v, NO_COLOR %q: colour %v, want %v", tc.mode, tc.tty, tc.noColor, got, tc.want)
		}
		if got := ios.TreePainter() != nil; got != tc.want {
			t.Errorf("--color %s: tree painter set %v, want %v", tc.mode, got, tc.want)
		}
	}
}

func TestSetColorModeRefuses(t *testing.T) {
	ios, _, _, _ := Test()
	if err := ios.SetColorMode("sometimes"); err == nil || !strings.Contains(err.Error(), "auto, always or never") {
		t.Errorf("SetColorMode(sometimes) = %v", err)
	}
	if ios.ColorEnabled() {
		t.Error("a refused mode turned colour on")
	}
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		ios, _, _, errOut := Test()
		ios.SetStderrTTY(tty)
		p := ios.NewProgress("scanning", true)
		p.Update(1024, 4096)
		p.Done()
		if got := errOut.String(); (got != "") != tty {
			t.Errorf("stderr a terminal %v: progress wrote %q", tty, got)
		}
	}
	ios, _, _, errOut := Test()
	ios.SetStderrTTY(true)
	p := ios.NewProgress("validating", false)
	p.Update(3, 7)
	if got := errOut.String(); got != "\rvalidating: 3/7" {
		t.Errorf("item progress wrote %q", got)
	}
}
