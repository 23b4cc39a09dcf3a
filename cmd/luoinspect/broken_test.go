package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/corpus"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/validate"
)

// The broken states of testdata/malformed (index.json entries with a
// "broken" part, written by validate's TestWriteMalformedCorpus): each
// must give, from the CLI, the full tree of what is still readable, the
// full set of findings naming the damage, the outcome and the exit status
// the kernel's verdict implies, and never exit 1. -update rewrites the
// expectations from what the CLI says now.

const corpusIndex = "../../testdata/malformed/index.json"

// cli runs the command in-process.
func cli(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, &iostreams.IOStreams{Out: &out, ErrOut: &errb})
	return out.String(), errb.String(), code
}

func TestBrokenStates(t *testing.T) {
	index, err := corpus.Read(corpusIndex)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range index {
		e := &index[i]
		want := e.Broken
		if want == nil {
			continue
		}
		n++
		t.Run(e.File, func(t *testing.T) {
			src := filepath.Join("../../testdata/malformed", e.File)
			if want.Spec != "" {
				src = strings.ReplaceAll(want.Spec, "{}", src)
			}
			got, exit := brokenObserve(t, append([]string{src}, want.Args...))
			got.Spec, got.Args = want.Spec, want.Args
			if testutil.Update() {
				e.Broken, e.Exit = &got, exit
				return
			}
			if exit != e.Exit || !reflect.DeepEqual(&got, want) {
				t.Errorf("validate exit %d, %+v\nwant exit %d, %+v", exit, got, e.Exit, *want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d broken states in the corpus", n)
	}
	if testutil.Update() {
		if err := corpus.Write(corpusIndex, index); err != nil {
			t.Fatal(err)
		}
	}
}

// brokenObserve runs validate (text and JSON) and dump (tree and JSON)
// on one source and checks what must hold for every broken state.
func brokenObserve(t *testing.T, args []string) (o corpus.Broken, exit int) {
	t.Helper()
	text, stderr, code := cli(append([]string{"validate"}, args...)...)
	if code == 1 || code == 2 || stderr != "" || !strings.Contains(text, "verified: ") && !strings.Contains(text, "KHO001") {
		t.Fatalf("validate %v: exit %d\n%s\nstderr: %s", args, code, text, stderr)
	}
	js, _, jcode := cli(append([]string{"validate", "-o", "json"}, args...)...)
	var r validate.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil || jcode != code {
		t.Fatalf("validate -o json %v: exit %d (text %d): %v\n%s", args, jcode, code, err, js)
	}
	exit = code
	o.Findings, o.Outcome = r.RuleIDs(), string(r.Outcome)
	slices.Sort(o.Findings)
	tree, stderr, code := cli(append([]string{"dump"}, args...)...)
	if code != 0 || stderr != "" || strings.Contains(tree, " (0 B") {
		t.Fatalf("dump %v: exit %d\n%s\nstderr: %s", args, code, tree, stderr)
	}
	js, _, code = cli(append([]string{"dump", "-o", "json"}, args...)...)
	var st render.State
	if err := json.Unmarshal([]byte(js), &st); err != nil || code != 0 {
		t.Fatalf("dump -o json %v: exit %d: %v", args, code, err)
	}
	if l := st.LUO; l != nil {
		o.Sessions = len(l.Sessions)
		o.Files = len(l.Files)
		for _, s := range l.Sessions {
			o.Files += len(s.Files)
			for _, f := range s.Files {
				if f.Memfd != nil {
					o.Memfds++
				}
			}
		}
	}
	return o, exit
}
