package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// exitCase is one command line and the exit status it must give. In args
// $D is the test's scratch directory and $T the repository's testdata.
type exitCase struct {
	args   []string
	code   int
	stderr string // a substring stderr must hold, "" for any
}

// exitCases has, for every command, a case for every exit code the
// command lists in cmdutil.CommandExits (128+n is tested for every command
// below, and with a real SIGINT in robustness_test.go).
var exitCases = []exitCase{
	{[]string{"dump", "--sample", "k2-lflb-m1"}, 0, ""},
	{[]string{"dump", "$D/missing.core"}, 1, "missing.core"},
	{[]string{"dump", "--sample", ""}, 2, `--sample "": empty value`},
	{[]string{"dump", "raw:$D/mem.bin@zz"}, 2, `base "zz" is not an address`},
	{[]string{"dump", "live:sideways"}, 2, "want live, live:in or live:out"},

	{[]string{"capture", "$D/enc/state.core", "--out", "$D/c0.core"}, 0, " ranges) to "},
	{[]string{"capture", "$D/missing.core", "--out", "$D/c1.core"}, 1, "missing.core"},
	{[]string{"capture", "--sample", "k2-lflb-m1"}, 2, "--out FILE is required"},
	{[]string{"capture", "$D/enc/state.core", "--with-data", "--out", "$D/c4.core"}, 4, "not saved: 1 MiB of memfd data not in the source (256 pages in 1 file)"},

	{[]string{"validate", "--sample", "k2-lflb-m1"}, 0, ""},
	{[]string{"validate", "$D/missing.core"}, 1, "missing.core"},
	{[]string{"validate", "--sample", "k2-lflb-m1", "-o", "xml"}, 2, "-o must be one of"},
	{[]string{"validate", "$T/malformed/session-header-outside.core"}, 4, ""},
	{[]string{"validate", "$T/malformed/root-bad-magic.core"}, 8, ""},
	{[]string{"validate", "$T/malformed/radix-cycle.core"}, 12, ""},

	{[]string{"compat", "--sample", "k4-luov5-m2b", "--to", "K4+L-luo-v5+M2b"}, 0, ""},
	{[]string{"compat", "$D/missing.core", "--to", "K4"}, 1, "missing.core"},
	{[]string{"compat", "--sample", "k4-luov5-m2b"}, 2, "--to GEN is required"},
	{[]string{"compat", "--sample", "k2-lflb-m1", "--to", "L-6.19"}, 4, ""},
	{[]string{"compat", "--sample", "k1b-l619-m1", "--to", "L-FLB"}, 8, ""},

	{[]string{"diff", "--sample-a", "k2-lflb-m1", "--sample-b", "k2-lflb-m1"}, 0, ""},
	{[]string{"diff", "--spec-a", "$D/missing.yaml", "--sample-b", "k2-lflb-m1"}, 1, "missing.yaml"},
	{[]string{"diff", "$D/enc/state.core", "raw:$D/mem.bin@zz"}, 2, `base "zz" is not an address`},
	{[]string{"diff", "--bytes", "$T/fdt/kho-v1-root.dtb", "$T/fdt/luo-v1-flb.dtb"}, 4, ""},
	{[]string{"diff", "--spec-a", "$D/a.yaml", "--spec-b", "$D/lossy.yaml", "--across-update"}, 8, ""},

	{[]string{"abi", "list"}, 0, ""},
	{[]string{"abi", "list", "extra"}, 2, "accepts 0 arg(s)"},
	{[]string{"abi", "show", "M1"}, 0, ""},
	{[]string{"abi", "show", "$D/missing.json"}, 1, "missing.json"},
	{[]string{"abi", "show", "K4+zz"}, 2, `unknown generation "zz"`},
	{[]string{"abi", "detect", "--sample", "k2-lflb-m1"}, 0, ""},
	{[]string{"abi", "detect", "$D/missing.core"}, 1, "missing.core"},
	{[]string{"abi", "detect", "--sample", "k2-lflb-m1", "-o", "xml"}, 2, "-o must be one of"},
	{[]string{"abi", "extract", "L-v5", "-o", "$D/v5.json"}, 0, ""},
	{[]string{"abi", "extract", "$D/missing"}, 1, "missing"},
	{[]string{"abi", "extract"}, 2, "accepts 1 arg(s)"},
	{[]string{"abi", "diff", "K4", "K4"}, 0, ""},
	{[]string{"abi", "diff", "M1", "$D/missing.json"}, 1, "missing.json"},
	{[]string{"abi", "diff", "M1"}, 2, "accepts 2 arg(s)"},
	{[]string{"abi", "diff", "M1", "M2b"}, 4, ""},
	{[]string{"abi", "diff", "M2a", "M2b"}, 16, ""},
	{[]string{"abi", "diff", "L-v5", "L-v6"}, 20, ""},

	{[]string{"encode", "--sample", "k2-lflb-m1", "--out", "$D/e0"}, 0, ""},
	{[]string{"encode", "$D/missing.yaml", "--out", "$D/e1"}, 1, "missing.yaml"},
	{[]string{"encode", "--sample", "k2-lflb-m1"}, 2, "--out DIR is required"},
	{[]string{"encode", "--sample", "k2-lflb-m1", "--out", "$D/enc"}, 2, "exists and is not empty (--force replaces it)"},

	{[]string{"fdt", "check", "$T/fdt/kho-v1-root.dtb"}, 0, ""},
	{[]string{"fdt", "check", "$D/missing.dtb"}, 1, "missing.dtb"},
	{[]string{"fdt", "check"}, 2, "accepts 1 arg(s)"},
	{[]string{"fdt", "check", "$D/mem.bin"}, 4, ""},
	{[]string{"fdt", "dts", "$T/fdt/kho-v1-root.dtb"}, 0, ""},
	{[]string{"fdt", "dts", "$D/missing.dtb"}, 1, "missing.dtb"},
	{[]string{"fdt", "dts", "--offsets=maybe", "x"}, 2, `--offsets "maybe": want true or false`},
	{[]string{"fdt", "dts", "$D/mem.bin"}, 4, "not an FDT blob"},

	{[]string{"hexdump", "$T/fdt/kho-v1-root.dtb"}, 0, ""},
	{[]string{"hexdump", "$D/missing.dtb"}, 1, "missing.dtb"},
	{[]string{"hexdump", "--sample", "k4-luov5-m2b", "--addr", "0x100130000", "--size", "-1"}, 2, `--size "-1": want a byte count such as 4096 or 0x1000`},
	{[]string{"hexdump", "$D/mem.bin"}, 0, "not an FDT blob: starts with 6e 6f 74 20"},
	{[]string{"hexdump", "--fdt", "$D/mem.bin"}, 4, "not an FDT blob"},
	{[]string{"hexdump", "$D/short.dtb"}, 4, "totalsize is 220 but the blob has only 100 bytes"},
	{[]string{"hexdump", "$D/mem.bin", "--struct", "luo_session_ser", "--gen", "L-luo-v5"}, 4, "struct luo_session_ser is 80 bytes, but the file ends 49 bytes after offset 0x0"},
	{[]string{"hexdump", "raw:$D/mem.bin@0x1000", "--addr", "0x1020", "--size", "32"}, 4, "15 of the 32 bytes at PA 0x1020-0x1040 are not in the source"},

	{[]string{"version"}, 0, ""},
	{[]string{"version", "extra"}, 2, "accepts 0 arg(s)"},

	{[]string{"gen-docs", "--markdown", "$D/cli.md"}, 0, ""},
	{[]string{"gen-docs", "--markdown", "$D/no/such/dir/cli.md"}, 1, "no such file or directory"},
	{[]string{"gen-docs"}, 2, "give --markdown FILE and/or --man DIR"},
}

// exitFixtures writes the inputs exitCases name into a new directory.
func exitFixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var errb bytes.Buffer
	if code := run([]string{"encode", "--sample", "k1b-l619-m1", "--out", filepath.Join(dir, "enc")}, &iostreams.IOStreams{Out: &errb, ErrOut: &errb}); code != 0 {
		t.Fatalf("encode: exit %d: %s", code, &errb)
	}
	kho, err := os.ReadFile("../../testdata/fdt/kho-v1-root.dtb")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"short.dtb": string(kho[:100]),
		"mem.bin":   "not an FDT, not an ELF core: some bytes of memory",
		"a.yaml": "kho: K3\nluo: L-luo-v3\nmemfd: M2b\nsessions:\n  - name: vm0\n    files:\n" +
			"      - token: 1\n        memfd: {size: 12288, with_data: true}\n",
		"lossy.yaml": "kho: K3\nluo: L-luo-v3\nmemfd: M2b\nsessions:\n  - name: vm0\n    files:\n" +
			"      - token: 1\n        memfd: {size: 8192, with_data: true}\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// expand replaces $D and $T in args.
func expand(args []string, dir string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.NewReplacer("$D", dir, "$T", "../../testdata").Replace(a)
	}
	return out
}

// leaves lists the path of every command of the tree that has no
// subcommands, hidden ones included.
func leaves(c *cobra.Command) []string {
	if !c.HasSubCommands() {
		return []string{c.CommandPath()}
	}
	var out []string
	for _, sub := range c.Commands() {
		out = append(out, leaves(sub)...)
	}
	return out
}

// TestExitCodes runs every case of exitCases in-process and requires its
// exit status, that every command of the tree is in cmdutil.CommandExits,
// and that every code it lists for a command has a case.
func TestExitCodes(t *testing.T) {
	root := newRootCmd(&iostreams.IOStreams{Out: os.Stdout, ErrOut: os.Stderr})
	all := leaves(root)
	for _, path := range all {
		if _, ok := cmdutil.CommandExits[path]; !ok {
			t.Errorf("command %q has no row in commandExits", path)
		}
	}
	for path := range cmdutil.CommandExits {
		if !slices.Contains(all, path) {
			t.Errorf("commandExits has %q, which is not a command", path)
		}
	}
	dir := exitFixtures(t)
	covered := map[string]map[int]bool{}
	for _, tc := range exitCases {
		args := expand(tc.args, dir)
		c, _, err := root.Find(args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		path := c.CommandPath()
		if !slices.ContainsFunc(cmdutil.CommandExits[path], func(u cmdutil.ExitUse) bool { return u.Code == tc.code }) {
			t.Errorf("%v expects exit %d, which commandExits does not list for %s", tc.args, tc.code, path)
		}
		if covered[path] == nil {
			covered[path] = map[int]bool{}
		}
		covered[path][tc.code] = true
		var out, errb bytes.Buffer
		code := run(args, &iostreams.IOStreams{Out: &out, ErrOut: &errb})
		if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%v: exit %d, want %d; stderr %q, want it to hold %q", tc.args, code, tc.code, errb.String(), tc.stderr)
		}
		if tc.code == cmdutil.ExitUsage && !strings.Contains(errb.String(), "(see '"+path+" --help')") {
			t.Errorf("%v: usage error %q does not point at '%s --help'", tc.args, errb.String(), path)
		}
		if strings.Count(errb.String(), "\n") > 1 && tc.code != 4 {
			t.Errorf("%v: stderr has more than one line: %q", tc.args, errb.String())
		}
	}
	for path, uses := range cmdutil.CommandExits {
		for _, u := range uses {
			if !covered[path][u.Code] {
				t.Errorf("no case gives exit %d of %s", u.Code, path)
			}
		}
	}
}

// TestExitInterrupted requires exit 130 and one line from every command
// run with the context a SIGINT cancels, already cancelled.
func TestExitInterrupted(t *testing.T) {
	dir := exitFixtures(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cmdutil.Signalled{Sig: syscall.SIGINT})
	done := map[string]bool{}
	root := newRootCmd(&iostreams.IOStreams{Out: os.Stdout, ErrOut: os.Stderr})
	for _, tc := range exitCases {
		args := expand(tc.args, dir)
		c, _, _ := root.Find(args)
		if tc.code != 0 || done[c.CommandPath()] {
			continue
		}
		done[c.CommandPath()] = true
		var out, errb bytes.Buffer
		code := runContext(ctx, args, &iostreams.IOStreams{Out: &out, ErrOut: &errb})
		if code != 130 || errb.String() != "luoinspect: interrupted by SIGINT\n" {
			t.Errorf("%v, interrupted: exit %d, stderr %q; want 130 and one line", tc.args, code, errb.String())
		}
	}
	for _, path := range leaves(root) {
		if !done[path] {
			t.Errorf("no interrupted run of %s", path)
		}
	}
}
