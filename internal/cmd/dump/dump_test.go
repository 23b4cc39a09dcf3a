package dump

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
)

func TestNewCmdDumpFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *DumpOptions
	c := NewCmdDump(&cmdutil.Factory{IOStreams: ios}, func(o *DumpOptions) error { got = o; return nil })
	c.SetArgs([]string{"state.core", "-o", "json", "--detail", "full", "--path", "luo/sessions/#0", "--digest", "--root", "0x1000"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Format != "json" || got.Detail != "full" || got.Path != "luo/sessions/#0" || !got.Digest ||
		got.State.Root != "0x1000" || len(got.State.Sources) != 1 || got.State.Sources[0] != "state.core" || got.IO != ios {
		t.Errorf("options %+v", got)
	}
}

// dumpSample runs dump on a sample with the given format and path.
func dumpSample(t *testing.T, format, detail, path string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	err := dumpRun(&DumpOptions{IO: ios, Context: context.Background(), State: cmdutil.StateOptions{Sample: "k2-lflb-m1"},
		Format: format, Detail: detail, Path: path})
	return out.String(), errOut.String(), err
}

func TestDumpRunTree(t *testing.T) {
	out, errOut, err := dumpSample(t, "tree", "summary", "")
	if err != nil || errOut != "" {
		t.Fatalf("err %v, stderr %q", err, errOut)
	}
	for _, want := range []string{"KHO kho-v2 (K2, certain)", `session "guest-a"`, "FLB iommufd-v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour on streams that are no terminal:\n%s", out)
	}
}

func TestDumpRunPathJSON(t *testing.T) {
	out, _, err := dumpSample(t, "json", "summary", "luo/sessions/guest-a")
	if err != nil {
		t.Fatal(err)
	}
	var session struct {
		Name  string `json:"name"`
		Files []any  `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &session); err != nil || session.Name != "guest-a" || len(session.Files) != 1 {
		t.Errorf("session %+v (%v) from\n%s", session, err, out)
	}
}

func TestDumpRunUsageErrors(t *testing.T) {
	for _, tc := range []struct{ format, detail, path, want string }{
		{"xml", "summary", "", "-o must be one of"},
		{"tree", "most", "", "--detail must be one of"},
		{"json", "summary", "luo/sessions/nosuch", "nosuch"},
		{"jsonl", "summary", "luo/sessions/nosuch", "nosuch"},
	} {
		out, _, err := dumpSample(t, tc.format, tc.detail, tc.path)
		var u cmdutil.UsageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("-o %s --detail %s --path %q: err %v, output %q; want a usage error holding %q", tc.format, tc.detail, tc.path, err, out, tc.want)
		}
	}
}
