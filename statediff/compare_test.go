package statediff

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// TestIdenticalSamples compares every sample with a fresh encoding of
// itself: nothing differs, in plain mode and with B as the incoming side.
func TestIdenticalSamples(t *testing.T) {
	for _, name := range handover.SampleNames() {
		t.Run(name, func(t *testing.T) {
			a, b := walkSpec(t, "a", sample(t, name)), walkSpec(t, "b", sample(t, name))
			for _, opts := range []Options{{}, {Mode: AcrossUpdate, BSide: Incoming}} {
				r, err := Compare(a, b, opts)
				if err != nil {
					t.Fatal(err)
				}
				if r.Verdict != Identical || len(r.Changes) != 0 {
					t.Errorf("%s: verdict %s, changes %q", opts.Mode, r.Verdict, summary(r.Changes))
				}
			}
		})
	}
}

// nextUpdate edits spec into what the next kernel would hand on: the
// live-update number and the kexec count one more, every structure
// somewhere else.
func nextUpdate(s *handover.Spec) {
	s.LiveupdateNumber++
	s.Base = 0x300000000
	if s.KexecMetadata != nil {
		s.KexecMetadata.KexecCount++
	}
}

func memfdOf(s *handover.Spec, session, file int) *handover.MemfdSpec {
	return s.Sessions[session].Files[file].Memfd
}

const k3File1 = "luo/sessions/vm0/files/1"

// TestEdits edits a sample spec and requires the exact list of
// non-expected changes and the verdict.
func TestEdits(t *testing.T) {
	across := Options{Mode: AcrossUpdate}
	tests := []struct {
		name    string
		sample  string
		opts    Options
		edit    func(*handover.Spec)
		want    []string
		verdict Verdict
	}{
		{"remove session", "k1b-l619-m1", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.Sessions = slices.Delete(s.Sessions, 1, 2)
		}, []string{"- luo/sessions/vm1 lost:session-missing"}, DataLost},
		{"drop file", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.Sessions[0].Files = s.Sessions[0].Files[:1]
		}, []string{"- luo/sessions/vm0/files/2 lost:file-missing"}, DataLost},
		{"add session", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.Sessions = append(s.Sessions, handover.SessionSpec{Name: "new"})
		}, []string{"+ luo/sessions/new changed"}, Different},
		{"shrink memfd", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 0).Size = 8192
		}, []string{
			"~ " + k3File1 + "/memfd/size lost:memfd-shrunk",
			"- " + k3File1 + "/memfd/folios lost:folio-missing",
		}, DataLost},
		{"grow memfd", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 0).Size = 16384
		}, []string{
			"~ " + k3File1 + "/memfd/size changed",
			"+ " + k3File1 + "/memfd/folios changed",
		}, Different},
		{"fewer folios", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 0).Folios = 2
		}, []string{"- " + k3File1 + "/memfd/folios lost:folio-missing", "~ " + k3File1 + "/memfd/content lost:content-changed"}, DataLost},
		{"more folios", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 0).Folios = 5
		}, []string{"+ " + k3File1 + "/memfd/folios changed", "~ " + k3File1 + "/memfd/content unverified"}, Different},
		{"remove FLB", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.FLBs = nil
		}, []string{"- luo/flbs/iommufd-v1 lost:flb-missing"}, DataLost},
		{"FLB count", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.FLBs[0].Count = 1
		}, []string{"~ luo/flbs/iommufd-v1/count lost:flb-changed"}, DataLost},
		{"drop a seal", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 0).Seals = 0x0f
		}, []string{"~ " + k3File1 + "/memfd/seals lost:seals-dropped"}, DataLost},
		{"add a seal", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 1).Seals = 0x18
		}, []string{"~ luo/sessions/vm0/files/2/memfd/seals changed"}, Different},
		{"memfd flags word", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			memfdOf(s, 0, 1).Flags = 1
		}, []string{"~ luo/sessions/vm0/files/2/memfd/flags changed"}, Different},
		{"memblock region moved", "k2-lflb-m1", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.Memblock[0].Start = 0x90000000
		}, []string{"~ memblock/trace/start lost:memblock-region-lost"}, DataLost},
		{"memblock region gone", "k2-lflb-m1", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.Memblock = nil
		}, []string{
			"- kho/clients/memblock lost:client-missing",
			"- memblock/trace lost:memblock-region-lost",
		}, DataLost},
		{"number not bumped", "k1b-l619-m1", across, func(s *handover.Spec) {
			s.Base = 0x300000000
		}, []string{"~ luo/liveupdate_number changed"}, Different},
		{"kexec count not bumped", "k3-luov3-m2b", across, func(s *handover.Spec) {
			nextUpdate(s)
			s.KexecMetadata.KexecCount--
		}, []string{"~ kexec_metadata/kexec_count changed"}, Different},
		{"number bumped, plain", "k1b-l619-m1", Options{}, func(s *handover.Spec) {
			s.LiveupdateNumber++
		}, []string{"~ luo/liveupdate_number changed"}, Different},
		{"seals dropped, plain", "k3-luov3-m2b", Options{}, func(s *handover.Spec) {
			memfdOf(s, 0, 1).Seals = 0
		}, []string{"~ luo/sessions/vm0/files/2/memfd/seals lost:seals-dropped"}, DataLost},
		{"pos moved, plain", "k3-luov3-m2b", Options{}, func(s *handover.Spec) {
			memfdOf(s, 0, 1).Pos = 100
		}, []string{"~ luo/sessions/vm0/files/2/memfd/pos changed"}, Different},
		{"moved, plain", "k1b-l619-m1", Options{}, func(s *handover.Spec) {
			s.Base = 0x300000000
		}, []string{
			"~ kho/memory_map changed", "~ kho/clients/LUO/addr changed", "~ luo/addr changed",
			"~ luo/sessions/vm0/addr changed",
			"~ luo/sessions/vm0/files/1/addr changed", "~ luo/sessions/vm0/files/1/data changed",
			"~ luo/sessions/vm0/files/1/memfd/folio_array changed", "~ luo/sessions/vm0/files/1/memfd/folios/pfn changed",
			"~ luo/sessions/vm0/files/2/addr changed", "~ luo/sessions/vm0/files/2/data changed",
			"~ luo/sessions/vm0/files/2/memfd/folio_array changed", "~ luo/sessions/vm0/files/2/memfd/folios/pfn changed",
			"~ luo/sessions/vm1/addr changed",
			"~ luo/sessions/vm1/files/7/addr changed", "~ luo/sessions/vm1/files/7/data changed",
			"~ luo/sessions/vm1/files/7/memfd/folio_array changed", "~ luo/sessions/vm1/files/7/memfd/folios/pfn changed",
			"~ luo/sessions/idle/addr changed",
		}, Different},
		{"moved, incoming side", "k3-luov3-m2b", Options{Mode: AcrossUpdate, BSide: Incoming}, func(s *handover.Spec) {
			s.Base = 0x300000000
			s.FLBs[0].Data = 0x5678
		}, []string{
			"~ kho/memory_map changed", "~ kho/clients/LUO/addr changed", "~ kho/clients/kexec-metadata/addr changed",
			"~ luo/addr changed",
			"~ luo/sessions/vm0/addr changed",
			"~ luo/sessions/vm0/files/1/addr changed", "~ luo/sessions/vm0/files/1/data changed",
			"~ luo/sessions/vm0/files/1/memfd/folio_array changed", "~ luo/sessions/vm0/files/1/memfd/folios/pfn changed",
			"~ luo/sessions/vm0/files/2/addr changed", "~ luo/sessions/vm0/files/2/data changed",
			"~ luo/sessions/vm0/files/2/memfd/folio_array changed", "~ luo/sessions/vm0/files/2/memfd/folios/pfn changed",
			"~ luo/flbs/iommufd-v1/data changed",
		}, Different},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := sample(t, tc.sample)
			tc.edit(b)
			r, err := Compare(walkSpec(t, "a", sample(t, tc.sample)), walkSpec(t, "b", b), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []Change
			for _, c := range r.Changes {
				if c.Class != Expected {
					got = append(got, c)
				}
			}
			if s := summary(got); !reflect.DeepEqual(s, tc.want) {
				t.Errorf("changes:\n%q\nwant\n%q", s, tc.want)
			}
			if r.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", r.Verdict, tc.verdict)
			}
		})
	}
}

// TestAcrossUpdate checks that the expected differences of one live
// update are accepted, each under its rule, and that plain mode reports
// the same pair as changed.
func TestAcrossUpdate(t *testing.T) {
	b := sample(t, "k3-luov3-m2b")
	nextUpdate(b)
	b.KexecMetadata.PreviousRelease = "7.1.0"
	memfdOf(b, 0, 0).Pos = 0
	memfdOf(b, 0, 1).Pos = 4096
	a, bi := walkSpec(t, "a", sample(t, "k3-luov3-m2b")), walkSpec(t, "b", b)

	r, err := Compare(a, bi, Options{Mode: AcrossUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Identical || r.Counts.Expected == 0 {
		t.Fatalf("verdict %s, counts %+v, changes %q", r.Verdict, r.Counts, summary(r.Changes))
	}
	rules := map[string]bool{}
	for _, c := range r.Changes {
		rules[c.Rule] = true
	}
	for _, id := range []string{RuleNumber, RuleAddresses, RuleKexecMeta, RulePos} {
		if !rules[id] {
			t.Errorf("no change under rule %s", id)
		}
	}
	if !slices.Contains(summary(r.Changes), "~ luo/liveupdate_number expected:liveupdate-number") {
		t.Errorf("number +1 not reported as expected: %q", summary(r.Changes))
	}

	r, err = Compare(a, bi, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Different || r.Counts.Expected != 0 {
		t.Errorf("plain: verdict %s, counts %+v", r.Verdict, r.Counts)
	}
}

// TestGenerationUpgrade moves a 6.19 state to newer layouts: expected
// across an update, a change between two dumps, and a loss when the
// newer layout would drop seals.
func TestGenerationUpgrade(t *testing.T) {
	b := sample(t, "k1b-l619-m1")
	nextUpdate(b)
	b.KHO, b.LUO, b.Memfd = "K4", "L-luo-v5", "M2b"
	a, bi := walkSpec(t, "a", sample(t, "k1b-l619-m1")), walkSpec(t, "b", b)
	r, err := Compare(a, bi, Options{Mode: AcrossUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Identical {
		t.Errorf("across: verdict %s, changes %q", r.Verdict, summary(r.Changes))
	}
	if r, _ = Compare(a, bi, Options{}); r.Verdict != Different {
		t.Errorf("plain: verdict %s", r.Verdict)
	}

	down := sample(t, "k3-luov3-m2b")
	nextUpdate(down)
	down.Memfd = "M1" // memfd-v1 has no seals field
	memfdOf(down, 0, 0).Seals, memfdOf(down, 0, 1).Seals = 0, 0
	r, err = Compare(walkSpec(t, "a", sample(t, "k3-luov3-m2b")), walkSpec(t, "b", down), Options{Mode: AcrossUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != DataLost || r.Counts.Lost != 2 {
		t.Errorf("downgrade: verdict %s, changes %q", r.Verdict, summary(r.Changes))
	}
}

// TestFreedAfterRetrieve drops B's memfd descriptor page, as retrieving
// the file does: expected on the incoming side, unverified otherwise.
func TestFreedAfterRetrieve(t *testing.T) {
	a := walkSpec(t, "a", sample(t, "k3-luov3-m2b"))
	b := walkSpec(t, "b", sample(t, "k3-luov3-m2b"))
	b.State.Sessions[0].Files[0].Memfd, b.State.Sessions[0].Files[0].Err = nil, errFreed
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Mode: AcrossUpdate, BSide: Incoming}, "~ " + k3File1 + "/memfd expected:freed-after-retrieve"},
		{Options{}, "~ " + k3File1 + "/memfd unverified"},
	} {
		r, err := Compare(a, b, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(r.Changes); !reflect.DeepEqual(got, []string{tc.want}) {
			t.Errorf("%s: %q, want %q", tc.opts.Mode, got, tc.want)
		}
	}
}

// TestNoMemory leaves folios unverified when a side has no memory.
func TestNoMemory(t *testing.T) {
	a := walkSpec(t, "a", sample(t, "k3-luov3-m2b"))
	b := walkSpec(t, "b", sample(t, "k3-luov3-m2b"))
	b.Mem = nil
	r, err := Compare(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != VerdictUnverified || r.Counts.Unverified != 2 {
		t.Errorf("verdict %s, changes %q", r.Verdict, summary(r.Changes))
	}
}

func TestBadOptions(t *testing.T) {
	a := walkSpec(t, "a", sample(t, "k3-luov3-m2b"))
	for _, o := range []Options{{Mode: "sideways"}, {BSide: Incoming}, {Mode: AcrossUpdate, BSide: "up"}} {
		if _, err := Compare(a, a, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := Compare(a, Input{}, Options{}); err == nil {
		t.Error("missing state: no error")
	}
}

// TestRulesDocumented requires every rule an emitted change names to be
// listed, and every listed rule to be documented.
func TestRulesDocumented(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range append(slices.Clone(ExpectedRules), LossRules...) {
		if r.ID == "" || r.When == "" || r.Doc == "" || ids[r.ID] {
			t.Errorf("rule %+v: empty field or duplicate ID", r)
		}
		ids[r.ID] = true
	}
	for _, id := range []string{RuleNumber, RuleAddresses, RuleGeneration, RuleLayout, RulePreserved, RulePos, RuleKexecMeta, RuleFreed, RuleUnwritten,
		LossClient, LossSession, LossFile, LossHandler, LossShrunk, LossSeals, LossFolio, LossFolioFlags, LossContent, LossFLB, LossFLBCount, LossMemblock} {
		if !ids[id] {
			t.Errorf("rule %s is not listed", id)
		}
	}
}

// TestContent checks the content comparison: one changed byte in a folio
// page is lost data, the same bytes elsewhere in memory are not, and a
// side without the pages leaves the contents unverified.
func TestContent(t *testing.T) {
	a := walkSpec(t, "a", sample(t, "k3-luov3-m2b"))
	moved := sample(t, "k3-luov3-m2b")
	moved.Base = 0x300000000
	tests := []struct {
		name string
		b    Input
		edit func(t *testing.T, b Input)
		want []string
	}{
		{"same bytes elsewhere", walkSpec(t, "b", moved), nil, nil},
		{"one byte changed", walkSpec(t, "b", sample(t, "k3-luov3-m2b")), func(t *testing.T, b Input) {
			f := b.State.Sessions[0].Files[0].Memfd
			rec, err := f.FolioAt(b.Mem, 1)
			if err != nil {
				t.Fatal(err)
			}
			page, ok := b.Mem.(*phys.Image).View(rec.Addr(), phys.PageSize)
			if !ok {
				t.Fatal("folio page not in the image")
			}
			page[100] ^= 1
		}, []string{"~ " + k3File1 + "/memfd/content lost:content-changed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.edit != nil {
				tc.edit(t, tc.b)
			}
			r, err := Compare(a, tc.b, Options{Mode: AcrossUpdate, BSide: Incoming})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range r.Changes {
				if strings.HasSuffix(c.Path, "/content") {
					got = append(got, summary([]Change{c})...)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("changes %q, want %q", got, tc.want)
			}
		})
	}
}

// TestUnwritten checks RuleUnwritten: a capture of a running L-luo-v5
// kernel holds no sessions (they are written at reboot), so the sessions,
// FLBs and memfd generation the handover adds are expected; the same gap
// in a generation that writes sessions as they are made is a change.
func TestUnwritten(t *testing.T) {
	for _, tc := range []struct {
		sample string
		rule   string
	}{{"k4-luov5-m2b", RuleUnwritten}, {"k3-luov3-m2b", ""}} {
		t.Run(tc.sample, func(t *testing.T) {
			before := sample(t, tc.sample)
			before.Sessions, before.FLBs = nil, nil
			r, err := Compare(walkSpec(t, "a", before), walkSpec(t, "b", sample(t, tc.sample)), Options{Mode: AcrossUpdate, BSide: Incoming})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range r.Changes {
				if !strings.HasPrefix(c.Path, "luo/sessions/") && !strings.HasPrefix(c.Path, "luo/flbs/") && c.Path != "generations/memfd/tag" {
					continue
				}
				n++
				if c.Rule != tc.rule {
					t.Errorf("%s: rule %q, want %q", c.Path, c.Rule, tc.rule)
				}
			}
			if n == 0 {
				t.Error("no session, FLB or memfd generation was added")
			}
		})
	}
}

// TestConsumedIncoming: an incoming state after boot (L-luo-v5: map and
// luo_ser consumed) compared with the handover is unverified, never lost.
func TestConsumedIncoming(t *testing.T) {
	spec := sample(t, "k4-luov5-m2b")
	a := walkSpec(t, "a", spec)
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := handover.Walk(enc.Root, enc.Image, handover.Options{Stage: abi.StageBooted})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(a, Input{Name: "b", State: st, Mem: enc.Image}, Options{Mode: AcrossUpdate, BSide: Incoming})
	if err != nil {
		t.Fatal(err)
	}
	got := summary(r.Changes)
	want := []string{"~ kho/preserved_memory unverified", "~ luo unverified"}
	if !reflect.DeepEqual(got, want) || r.Verdict != VerdictUnverified {
		t.Errorf("changes %q, verdict %s; want %q, %s", got, r.Verdict, want, VerdictUnverified)
	}
}
