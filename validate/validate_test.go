package validate

import (
	"testing"

	"github.com/luoinspect/luoinspect/handover"
)

// encodeSample encodes a sample state.
func encodeSample(t testing.TB, name string) *handover.Encoded {
	t.Helper()
	spec, err := handover.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestCleanSamples requires every sample to validate without an error or
// warning finding.
func TestCleanSamples(t *testing.T) {
	for _, name := range handover.SampleNames() {
		t.Run(name, func(t *testing.T) {
			enc := encodeSample(t, name)
			r := Run(enc.Root, enc.Image, Options{Source: name, Scratch: enc.Scratch})
			if len(enc.Scratch) == 0 {
				t.Logf("no scratch areas: MAP003 not exercised")
			}
			for _, f := range r.Findings {
				if f.Severity != SevInfo {
					t.Errorf("%s", f.String())
				} else {
					t.Logf("%s", f.String())
				}
			}
			if r.Generations.KHO == "" {
				t.Errorf("no KHO generation detected")
			}
		})
	}
}

// TestLargeMemfd validates a state with a 1 GiB memfd (262144 folio
// records, streamed) and requires it clean.
func TestLargeMemfd(t *testing.T) {
	if testing.Short() {
		t.Skip("large state")
	}
	spec := &handover.Spec{KHO: "K4", LUO: "L-luo-v5", Memfd: "M2b", LiveupdateNumber: 1,
		Sessions: []handover.SessionSpec{{Name: "big", Files: []handover.FileSpec{{Token: 1, Memfd: &handover.MemfdSpec{Size: 1 << 30}}}}}}
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	r := Run(enc.Root, enc.Image, Options{Scratch: enc.Scratch})
	for _, f := range r.Findings {
		t.Errorf("%s", f.String())
	}
}
