package validate

import (
	"testing"

	"github.com/luoinspect/luoinspect/handover"
)

func walkSample(t *testing.T, name string) *handover.State {
	t.Helper()
	enc := encodeSample(t, name)
	st, err := handover.Walk(enc.Root, enc.Image, handover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
		ok   bool
	}{
		{"K4+L-luo-v5+M2b", Target{"K4", "L-luo-v5", "M2b"}, true},
		{"L-FLB", Target{LUO: "L-FLB"}, true},
		{"M2b", Target{Memfd: "M2b"}, true},
		{"K4+K3", Target{}, false},
		{"nope", Target{}, false},
		{"memblock", Target{}, false},
		{"", Target{}, false},
	} {
		got, err := ParseTarget(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseTarget(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestCompat(t *testing.T) {
	for _, tc := range []struct {
		sample, target string
		want           Verdict
	}{
		{"k1b-l619-m1", "K1b+L-6.19+M1", VerdictOK},
		{"k1b-l619-m1", "L-FLB", VerdictReject},  // missing luo-flb node: panic
		{"k2-lflb-m1", "L-6.19", VerdictWarning}, // FLBs dropped
		{"k1b-l619-m1", "M2b", VerdictReject},    // memfd-v1 into a memfd-v2 kernel
		{"k1b-l619-m1", "K1a", VerdictReject},    // same string, other bitmap size
		{"k1b-l619-m1", "K2", VerdictReject},     // revival disabled
		{"k3-luov3-m2b", "M2a", VerdictOK},       // same bytes for valid seals
		{"k3-luov3-m2b", "M3", VerdictReject},
		{"k4-luov5-m2b", "L-luo-v4", VerdictReject},
		{"k4-luov5-m2b", "K4+L-luo-v5+M2b", VerdictOK},
	} {
		tgt, err := ParseTarget(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		r := Compat(walkSample(t, tc.sample), tgt)
		if r.Verdict != tc.want {
			t.Errorf("%s into %s: %s, want %s: %+v", tc.sample, tc.target, r.Verdict, tc.want, r.Components)
		}
		for _, c := range r.Components {
			if c.Verdict != VerdictOK && c.Consequence == "" {
				t.Errorf("%s into %s: %s verdict without consequence", tc.sample, tc.target, c.Component)
			}
		}
	}
}
