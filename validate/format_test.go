package validate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

// brokenReport is a report with an error, a warning and an info finding.
func brokenReport(t *testing.T) *Report {
	f := newFixture(t, s619)
	f.fill("L-6.19", "luo_session_ser", "name", f.session(1), []byte("vm0"))       // LUO011 error
	f.fill("L-6.19", "luo_session_ser", "name", f.session(2), nil)                 // LUO012 warning
	f.fill("L-6.19", "luo_file_ser", "compatible", f.file(0, 1), []byte("x\x00y")) // LUO024 info, FP001 info
	f.opts.Source = "fixture"
	r := f.run()
	if r.Summary.Errors != 1 || r.Summary.Warnings != 1 || r.Summary.Infos != 2 {
		t.Fatalf("summary %+v: %v", r.Summary, r.Findings)
	}
	return r
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, brokenReport(t), nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"fixture: KHO K1b, LUO L-6.19, memfd M1", "error   LUO011 session-name-duplicate  LUO/sessions[1].name @0x",
		"consequence: luo_session_insert() returns -EEXIST", "1 error, 1 warning, 0 unverified, 2 infos"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, brokenReport(t)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema   string
		Findings []map[string]any
		Summary  Summary
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != SchemaVersion || len(doc.Findings) != 4 || doc.Summary.Errors != 1 {
		t.Fatalf("%s", b.String())
	}
	f := doc.Findings[0]
	if f["rule"] != "LUO011" || !strings.HasPrefix(f["address"].(string), "0x") || f["consequence"] == "" {
		t.Errorf("finding %v", f)
	}
}

func TestWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	r := brokenReport(t)
	if err := WriteSARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("%s", b.String())
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(catalogue) || len(run.Results) != len(r.Findings) {
		t.Fatalf("%d rules, %d results", len(run.Tool.Driver.Rules), len(run.Results))
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("ruleIndex %d does not name %s", res.RuleIndex, res.RuleID)
		}
	}
	if run.Results[0].Level != "error" || run.Results[0].Locations[0].Physical == nil {
		t.Errorf("first result %+v", run.Results[0])
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, brokenReport(t)); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != len(catalogue) || doc.Failures != 2 {
		t.Fatalf("tests %d failures %d:\n%s", doc.Tests, doc.Failures, b.String())
	}
	if !strings.Contains(b.String(), `<failure message="1 error finding(s)" type="error">`) {
		t.Errorf("no error failure:\n%s", b.String())
	}
}

// TestProgress checks that the folio stream reports its progress.
func TestProgress(t *testing.T) {
	enc := encodeSample(t, "k1b-l619-m1")
	var last, total uint64
	Run(enc.Root, enc.Image, Options{Progress: func(d, t uint64) { last, total = d, t }})
	if total == 0 || last != total {
		t.Fatalf("progress %d/%d", last, total)
	}
}
