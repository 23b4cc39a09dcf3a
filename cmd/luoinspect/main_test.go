package main

import (
	"bytes"
	"flag"
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

var update = flag.Bool("update", false, "rewrite docs/cli.md")

// TestCLIReferenceCurrent keeps docs/cli.md equal to the command tree.
func TestCLIReferenceCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := writeCLIReference(&b, newRootCmd(&streams{Out: os.Stdout, Err: os.Stderr})); err != nil {
		t.Fatal(err)
	}
	const path = "../../docs/cli.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("docs/cli.md is stale: run go test ./cmd/luoinspect -run CLIReference -update (%v)", err)
	}
}
