// Package diff is the "luoinspect diff" command: compare two handover
// states by meaning, or two FDT blobs byte region by byte region.
package diff

import (
	"context"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// DiffOptions is what the diff command runs with.
type DiffOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	// Args are the arguments: two SOURCEs A and B, or with Bytes two FDT
	// blob files.
	Args []string
	// SampleA and SpecA (SampleB and SpecB) name state A (B) as an
	// embedded sample or a spec file instead of a SOURCE.
	SampleA, SampleB string
	SpecA, SpecB     string
	// Bytes compares two FDT blob files region by region.
	Bytes bool
	// AcrossUpdate applies the expected-difference rules of one live
	// update; BSide says whether B is the next kernel's outgoing or
	// incoming state.
	AcrossUpdate bool
	BSide        string
	// Format is -o: text or json.
	Format string
	// Expected lists expected differences one by one.
	Expected bool
	// Rules prints the rules instead of comparing.
	Rules bool
	// IgnoreAddresses leaves placement out of the comparison.
	IgnoreAddresses bool
}

// NewCmdDiff builds the diff command; runF, when not nil, runs instead
// of the command's own run (for tests).
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "diff A B | (--sample-a NAME | --spec-a FILE) (--sample-b NAME | --spec-b FILE) | --bytes FILE1 FILE2",
		Short: "Compare two handover states: did the live update preserve everything?",
		Long: "diff compares state A (before) with state B (after) by meaning: sessions by\n" +
			"name, files by token, memfd payloads field by field and folio by folio\n" +
			"(streamed, in index order), FLBs, KHO clients, memblock regions and\n" +
			"kexec-metadata. Each difference is marked + (only in B), - (only in A) or\n" +
			"~ (modified) and classed expected, changed, unverified or lost.\n\n" +
			"Without --across-update every value must match, addresses included. With\n" +
			"it the documented expected differences of one live update are accepted\n" +
			"(see --rules): the number goes up by one, addresses change, and so on.\n" +
			"--b-side incoming says B is A as the next kernel reads it instead.\n\n" +
			"--ignore-addresses leaves placement out: physical addresses, folio PFNs\n" +
			"and the preserved-memory map's blocks. Names, tokens, sizes, positions,\n" +
			"seals, flags, folio indexes, orders and flags, contents (by digest) and\n" +
			"memblock regions are still compared. It checks a re-encoding of a state\n" +
			"the encoder cannot place the same way, such as a real kernel's dump:\n" +
			"  luoinspect dump vmcore -o spec > s.yaml && luoinspect encode s.yaml --out e\n" +
			"  luoinspect diff --ignore-addresses vmcore e/state.core\n\n" +
			"--bytes compares two FDT blobs region by region, naming each field.",
		Example: "  luoinspect diff before.core live --across-update --b-side incoming\n" +
			"  luoinspect diff --sample-a k3-luov3-m2b --spec-b after.yaml --across-update\n" +
			"  luoinspect diff --spec-a a.yaml --spec-b b.yaml -o json\n" +
			"  luoinspect diff --ignore-addresses handover.core reencoded/state.core\n" +
			"  luoinspect diff --bytes luo-before.dtb luo-after.dtb",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.Args = c.Context(), args
			if runF != nil {
				return runF(opts)
			}
			return diffRun(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.SampleA, "sample-a", "", "state A is this embedded sample")
	fl.StringVar(&opts.SampleB, "sample-b", "", "state B is this embedded sample")
	fl.StringVar(&opts.SpecA, "spec-a", "", "state A is this spec file (YAML or JSON), encoded as the kernel would")
	fl.StringVar(&opts.SpecB, "spec-b", "", "state B is this spec file (YAML or JSON), encoded as the kernel would")
	fl.BoolVar(&opts.Bytes, "bytes", false, "compare the two FDT blob files given as arguments, byte region by region")
	fl.BoolVar(&opts.AcrossUpdate, "across-update", false, "B is one live update after A: apply the expected-difference rules")
	fl.StringVar(&opts.BSide, "b-side", "", "with --across-update: B is the next kernel's outgoing (default) or incoming state")
	fl.StringVarP(&opts.Format, "output", "o", "text", "output format: text or json")
	fl.BoolVar(&opts.Expected, "expected", false, "list expected differences one by one instead of counting them")
	fl.BoolVar(&opts.Rules, "rules", false, "print the expected-difference and loss rules and exit")
	fl.BoolVar(&opts.IgnoreAddresses, "ignore-addresses", false, "do not compare physical addresses, folio PFNs and preserved-memory blocks (placement); everything else, contents included, still is")
	return c
}

// diffRun prints the rules, or compares blobs or states.
func diffRun(opts *DiffOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "text", "json"); err != nil {
		return err
	}
	if opts.Rules {
		return writeRules(opts.IO.Out)
	}
	if opts.Bytes {
		return diffBytes(opts)
	}
	return diffStates(opts)
}
