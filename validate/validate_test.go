package validate

import (
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/abi"

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

func TestParseReserveMem(t *testing.T) {
	for _, tc := range []struct {
		cmdline string
		want    []ReserveMem
		err     bool
	}{
		{"console=ttyS0 reserve_mem=2M:4096:luotest kho=on", []ReserveMem{{"luotest", 2 << 20, 4096}}, false},
		{"reserve_mem=0x1000:0:a reserve_mem=1G:2M:b", []ReserveMem{{"a", 0x1000, 0}, {"b", 1 << 30, 2 << 20}}, false},
		{"quiet", nil, false},
		{"reserve_mem=2M:4096", nil, true},
		{"reserve_mem=zz:4096:x", nil, true},
		{"reserve_mem=99999999999999999E:0:x", nil, true},
	} {
		got, err := ParseReserveMem(tc.cmdline)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v (error %v)", tc.cmdline, got, err, tc.want, tc.err)
		}
	}
}

// TestOutcomesFor72 requires a machine-readable outcome wherever the
// catalogue speaks for the generations Linux 7.2 and 7.3 write, which the
// real-kernel suite checks against the kernels' verdicts.
func TestOutcomesFor72(t *testing.T) {
	for _, r := range Rules() {
		for _, c := range r.Consequences {
			for _, g := range c.Generations {
				if (g == "K4" || g == "L-luo-v5" || g == "M2b") && c.Outcome == "" && r.Severity != SevInfo {
					t.Errorf("%s: the %s consequence %q has no outcome", r.ID, g, c.Text)
				}
			}
		}
	}
}

// TestConsumedParts: at the booted stage the K4 map and the L-luo-v5 blob
// are the receiving kernel's again; stale bytes there raise nothing.
func TestConsumedParts(t *testing.T) {
	f := newFixture(t, "k4-luov5-m2b")
	f.luoBlob("luo-v5", "luo-v9") // stale: would be LUO001 at the handover
	f.opts.Walk.Stage = abi.StageBooted
	r := f.run()
	if len(r.Findings) != 0 || r.Outcome != OutcomeAccepted {
		for _, fi := range r.Findings {
			t.Log(fi.String())
		}
		t.Errorf("%d findings, outcome %s; want none, accepted", len(r.Findings), r.Outcome)
	}
	f.opts.Walk.Stage = abi.StageHandover
	if r := f.run(); !r.Has("LUO001") || r.Outcome != OutcomePanic {
		t.Errorf("at the handover: rules %v, outcome %s; want LUO001, panic-at-boot", r.RuleIDs(), r.Outcome)
	}
}
