package testutil

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of every test binary that imports testutil.
var update = flag.Bool("update", false, "rewrite golden files and generated documents from what the code produces now")

// Update reports whether the test binary runs with -update, so that a test
// keeping something other than a single file (a corpus index, a document
// built from several subtests) rewrites it instead of comparing.
func Update() bool { return *update }

// Golden compares got with the file dir/name. Under -update it writes got
// there instead, creating dir when needed, and passes. A difference or a
// missing file is reported with t.Errorf, naming the first line that
// differs and the command that rewrites the file, so a test can compare
// several files and report them all.
//
// dir is relative to the package directory, where tests run: usually
// "testdata" or a folder below it, or "../docs" for a generated document.
func Golden(t testing.TB, dir, name string, got []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v (%s creates it)", err, rerun(t, "-update"))
		return
	}
	if d := firstDifference(want, got); d != "" {
		t.Errorf("%s is stale, %s (%s rewrites it)", path, d, rerun(t, "-update"))
	}
}

// firstDifference describes where got first departs from want, or returns
// "" when they are equal.
func firstDifference(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	wl, gl := lines(want), lines(got)
	for i := 0; ; i++ {
		switch {
		case i == len(wl):
			return fmt.Sprintf("line %d: want the end of the file, got %q", i+1, gl[i])
		case i == len(gl):
			return fmt.Sprintf("line %d: want %q, got the end of the output", i+1, wl[i])
		case !bytes.Equal(wl[i], gl[i]):
			return fmt.Sprintf("line %d: want %q, got %q", i+1, wl[i], gl[i])
		}
	}
}

// lines splits b after each newline, without the empty piece that
// follows a final newline.
func lines(b []byte) [][]byte {
	l := bytes.SplitAfter(b, []byte("\n"))
	if len(l[len(l)-1]) == 0 {
		l = l[:len(l)-1]
	}
	return l
}
