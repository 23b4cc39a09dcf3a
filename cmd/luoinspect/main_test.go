package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/luoinspect/luoinspect/internal/cmd/gendocs"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/luoinspect/luoinspect/internal/testutil"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"luoinspect": func() { os.Exit(run(os.Args[1:], iostreams.System())) },
	})
}

// TestScripts runs the command-line scenarios in testdata/script. The
// repository's testdata directory is available to them as $TESTDATA.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			env.Setenv("TESTDATA", wd+"/../../testdata")
			return nil
		},
	})
}

// TestCLIReferenceCurrent keeps docs/cli.md equal to the command tree;
// go test ./cmd/luoinspect -update rewrites it.
func TestCLIReferenceCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := gendocs.WriteCLIReference(&b, newRootCmd(iostreams.System())); err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, "../../docs", "cli.md", b.Bytes())
}
