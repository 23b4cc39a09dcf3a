package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"luoinspect": func() { os.Exit(run(os.Args[1:], &streams{Out: os.Stdout, Err: os.Stderr})) },
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
