package diff

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
)

func TestNewCmdDiffFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *DiffOptions
	c := NewCmdDiff(&cmdutil.Factory{IOStreams: ios}, func(o *DiffOptions) error { got = o; return nil })
	c.SetArgs([]string{"a.core", "b.core", "--across-update", "--b-side", "incoming", "--expected", "--ignore-addresses", "-o", "json"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if len(got.Args) != 2 || got.Args[1] != "b.core" || !got.AcrossUpdate || got.BSide != "incoming" || !got.Expected || !got.IgnoreAddresses || got.Format != "json" {
		t.Errorf("options %+v", got)
	}
}

// diffRunWith runs diff with the given options filled in and returns
// stdout, stderr and the exit code the outcome calls for.
func diffRunWith(t *testing.T, fill func(*DiffOptions)) (string, string, int, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	opts := &DiffOptions{IO: ios, Context: context.Background(), Format: "text"}
	fill(opts)
	err := diffRun(opts)
	code := cmdutil.ExitOK
	var ce cmdutil.ExitCodeError
	switch {
	case errors.As(err, &ce):
		code = ce.Code
	case err != nil:
		code = -1
	}
	return out.String(), errOut.String(), code, err
}

func TestDiffRunSamples(t *testing.T) {
	out, _, code, err := diffRunWith(t, func(o *DiffOptions) { o.SampleA, o.SampleB = "k2-lflb-m1", "k2-lflb-m1" })
	if code != cmdutil.ExitOK || !strings.Contains(out, "verdict: identical (0 lost, 0 changed") {
		t.Errorf("a sample with itself: exit %d (%v)\n%s", code, err, out)
	}
	out, _, code, err = diffRunWith(t, func(o *DiffOptions) { o.SampleA, o.SampleB, o.Format = "k2-lflb-m1", "k4-luov5-m2b", "json" })
	var r struct {
		Verdict string `json:"verdict"`
	}
	if code != cmdutil.ExitReject || json.Unmarshal([]byte(out), &r) != nil || r.Verdict != "data-lost" {
		t.Errorf("two samples: exit %d (%v), verdict %q", code, err, r.Verdict)
	}
	out, _, code, err = diffRunWith(t, func(o *DiffOptions) { o.SampleA, o.SampleB, o.AcrossUpdate = "k2-lflb-m1", "k2-lflb-m1", true })
	if code != cmdutil.ExitFindings || !strings.Contains(out, "mode: across-update") || !strings.Contains(out, "verdict: changed (0 lost, 1 changed") {
		t.Errorf("a sample with itself across an update: exit %d (%v)\n%s", code, err, out)
	}
}

// TestDiffRunLost compares a spec with one that lost data across an
// update: exit 8 and the loss named.
func TestDiffRunLost(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		spec := "kho: K3\nluo: L-luo-v3\nmemfd: M2b\nsessions:\n  - name: vm0\n    files:\n" +
			"      - token: 1\n        memfd: {size: " + strconv.Itoa(size) + ", with_data: true}\n"
		if err := os.WriteFile(p, []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a.yaml", 12288), write("lossy.yaml", 8192)
	out, _, code, err := diffRunWith(t, func(o *DiffOptions) { o.SpecA, o.SpecB, o.AcrossUpdate = a, b, true })
	if code != cmdutil.ExitReject || !strings.Contains(out, "[lost: memfd-shrunk]") || !strings.Contains(out, "verdict: data-lost") {
		t.Errorf("exit %d (%v)\n%s", code, err, out)
	}
}

func TestDiffRunBytes(t *testing.T) {
	const fdts = "../../../testdata/fdt/"
	out, _, code, err := diffRunWith(t, func(o *DiffOptions) {
		o.Bytes, o.Args = true, []string{fdts + "kho-v1-root.dtb", fdts + "luo-v1-flb.dtb"}
	})
	if code != cmdutil.ExitFindings || out == "" {
		t.Errorf("two different blobs: exit %d (%v)\n%s", code, err, out)
	}
}

func TestDiffRunRules(t *testing.T) {
	out, _, code, _ := diffRunWith(t, func(o *DiffOptions) { o.Rules = true })
	if code != cmdutil.ExitOK || !strings.HasPrefix(out, "Expected differences (--across-update):\n") || !strings.Contains(out, "Data loss (always):\n") {
		t.Errorf("--rules: exit %d\n%s", code, out)
	}
}

func TestDiffRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		fill func(*DiffOptions)
		want string
	}{
		{func(o *DiffOptions) { o.SampleA, o.SampleB, o.BSide = "k2-lflb-m1", "k2-lflb-m1", "incoming" }, "--b-side needs --across-update"},
		{func(o *DiffOptions) {
			o.SampleA, o.SampleB, o.AcrossUpdate, o.BSide = "k2-lflb-m1", "k2-lflb-m1", true, "sideways"
		}, "--b-side must be outgoing or incoming"},
		{func(o *DiffOptions) { o.Args = []string{"a.core"} }, "got 1 argument"},
		{func(o *DiffOptions) { o.Args, o.SampleA = []string{"a.core", "b.core"}, "k2-lflb-m1" }, "not both"},
		{func(o *DiffOptions) { o.SampleA, o.SpecA, o.SampleB = "k2-lflb-m1", "a.yaml", "k2-lflb-m1" }, "give --sample-a or --spec-a, not both"},
		{func(o *DiffOptions) { o.SampleA = "k2-lflb-m1" }, "state b: give --sample-b NAME or --spec-b FILE"},
		{func(o *DiffOptions) { o.Bytes, o.SampleA, o.Args = true, "k2-lflb-m1", []string{"x", "y"} }, "takes no state flags"},
		{func(o *DiffOptions) { o.Format = "yaml" }, "-o must be one of"},
	} {
		out, _, _, err := diffRunWith(t, tc.fill)
		var u cmdutil.UsageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("err %v, stdout %q; want a usage error holding %q", err, out, tc.want)
		}
	}
}
