package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
)

// FuzzOpenSource feeds fuzzed bytes to the CLI as every kind of file a
// SOURCE can be: a path it detects (ELF core, snapshot, FDT blob), a core
// and a snapshot named explicitly, a raw image, and a kho debugfs
// directory whose root is the bytes. Each run must end with an exit status
// of the table (never a panic), print at most a report and one error line,
// and allocate within a bound of the input (the readers are bounded by
// what the file holds, never by the sizes it claims).
func FuzzOpenSource(f *testing.F) {
	for _, seed := range fuzzSourceSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "in")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		dbg := filepath.Join(dir, "kho")
		if err := os.MkdirAll(dbg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dbg, "fdt"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"dump", file}, {"validate", "core:" + file}, {"dump", "snapshot:" + file},
			{"dump", "raw:" + file + "@0x100000000"}, {"validate", dbg}, {"fdt", "check", file},
		} {
			var out, errb bytes.Buffer
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			code := runContext(context.Background(), args, &iostreams.IOStreams{Out: &out, ErrOut: &errb})
			runtime.ReadMemStats(&after)
			switch code {
			case cmdutil.ExitOK, cmdutil.ExitError, cmdutil.ExitFindings, cmdutil.ExitReject, cmdutil.ExitFindings | cmdutil.ExitReject:
			default:
				t.Fatalf("%v: exit %d\n%s", args, code, errb.String())
			}
			if n := strings.Count(strings.TrimRight(errb.String(), "\n"), "\n"); n > 1 {
				t.Fatalf("%v: %d lines on stderr:\n%s", args, n+1, errb.String())
			}
			if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*len(data))+64<<20; got > limit {
				t.Fatalf("%v: %d bytes allocated for a %d-byte input", args, got, len(data))
			}
		}
	})
}

// fuzzSourceSeeds are the corpus files: broken states, snapshots, FDT
// blobs, plus the edge inputs of issue 15 that fit in a seed (a
// kdump-compressed header, a core cut in its program headers, zeros).
func fuzzSourceSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"root-bad-magic.core", "session-header-outside.core", "fdt-truncated.dtb", "fdt-deep.dtb", "snapshot-truncated.core"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/malformed", name))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	core, err := os.ReadFile("../../testdata/malformed/ref-not-preserved.core")
	if err != nil {
		f.Fatal(err)
	}
	return append(seeds,
		append([]byte("KDUMP   "), make([]byte, 600)...),
		append([]byte("makedumpfile"), make([]byte, 4084)...),
		core[:100],
		make([]byte, 4096),
	)
}
