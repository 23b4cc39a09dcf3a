package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/statediff"
	"github.com/spf13/cobra"
)

// diffFlags are the flags of the diff command.
type diffFlags struct {
	sampleA, sampleB string
	specA, specB     string
	bytes            bool
	across           bool
	bSide            string
	format           string
	expected         bool
	rules            bool
	ignoreAddresses  bool
}

func newDiffCmd(s *streams) *cobra.Command {
	var f diffFlags
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
			if err := checkFormat(f.format, "text", "json"); err != nil {
				return err
			}
			if f.rules {
				return writeRules(s.Out)
			}
			if f.bytes {
				return diffBytes(s, &f, args)
			}
			return diffStates(c.Context(), s, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.sampleA, "sample-a", "", "state A is this embedded sample")
	fl.StringVar(&f.sampleB, "sample-b", "", "state B is this embedded sample")
	fl.StringVar(&f.specA, "spec-a", "", "state A is this spec file (YAML or JSON), encoded as the kernel would")
	fl.StringVar(&f.specB, "spec-b", "", "state B is this spec file (YAML or JSON), encoded as the kernel would")
	fl.BoolVar(&f.bytes, "bytes", false, "compare the two FDT blob files given as arguments, byte region by region")
	fl.BoolVar(&f.across, "across-update", false, "B is one live update after A: apply the expected-difference rules")
	fl.StringVar(&f.bSide, "b-side", "", "with --across-update: B is the next kernel's outgoing (default) or incoming state")
	fl.StringVarP(&f.format, "output", "o", "text", "output format: text or json")
	fl.BoolVar(&f.expected, "expected", false, "list expected differences one by one instead of counting them")
	fl.BoolVar(&f.rules, "rules", false, "print the expected-difference and loss rules and exit")
	fl.BoolVar(&f.ignoreAddresses, "ignore-addresses", false, "do not compare physical addresses, folio PFNs and preserved-memory blocks (placement); everything else, contents included, still is")
	return c
}

// options turns the flags into comparison options.
func (f *diffFlags) options() (statediff.Options, error) {
	if f.bSide != "" && !f.across {
		return statediff.Options{}, usageError{fmt.Errorf("--b-side needs --across-update")}
	}
	if !f.across {
		return statediff.Options{Mode: statediff.Plain, IgnoreAddresses: f.ignoreAddresses}, nil
	}
	side := statediff.BSide(f.bSide)
	switch side {
	case "", statediff.Outgoing, statediff.Incoming:
	default:
		return statediff.Options{}, usageError{fmt.Errorf("--b-side must be outgoing or incoming, not %q", f.bSide)}
	}
	return statediff.Options{Mode: statediff.AcrossUpdate, BSide: side, IgnoreAddresses: f.ignoreAddresses}, nil
}

func diffStates(ctx context.Context, s *streams, f *diffFlags, args []string) error {
	opts, err := f.options()
	if err != nil {
		return err
	}
	paint, err := s.treePainter()
	if err != nil {
		return err
	}
	a, b, err := loadPair(ctx, s, f, args)
	if err != nil {
		return err
	}
	r, err := statediff.Compare(a, b, opts)
	if serr := inspect.Stopped(ctx); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if f.format == "json" {
		err = writeDoc(s.Out, "json", r)
	} else {
		err = statediff.WriteText(s.Out, r, statediff.TextOptions{Paint: paint, Expected: f.expected})
	}
	if err != nil {
		return err
	}
	return verdictExit(r.Verdict)
}

func diffBytes(s *streams, f *diffFlags, args []string) error {
	if f.sampleA+f.sampleB+f.specA+f.specB != "" || f.across || f.bSide != "" || f.ignoreAddresses {
		return usageError{fmt.Errorf("--bytes compares two blob files and takes no state flags")}
	}
	if len(args) != 2 {
		return usageError{fmt.Errorf("--bytes takes two FDT blob files, got %s", plural(len(args), "argument"))}
	}
	paint, err := s.treePainter()
	if err != nil {
		return err
	}
	var blobs [2][]byte
	for i, name := range args {
		if blobs[i], err = os.ReadFile(name); err != nil {
			return err
		}
	}
	d, err := statediff.Bytes(args[0], blobs[0], args[1], blobs[1])
	if err != nil {
		return err
	}
	if f.format == "json" {
		err = writeDoc(s.Out, "json", d)
	} else {
		err = statediff.WriteBytesText(s.Out, d, statediff.TextOptions{Paint: paint})
	}
	if err != nil {
		return err
	}
	return verdictExit(d.Verdict)
}

// verdictExit maps a verdict to the command's exit status.
func verdictExit(v statediff.Verdict) error {
	switch v {
	case statediff.DataLost:
		return exitCodeError{exitReject}
	case statediff.Different, statediff.VerdictUnverified:
		return exitCodeError{exitFindings}
	}
	return nil
}

func writeRules(w io.Writer) error {
	for _, list := range []struct {
		title string
		rules []statediff.Rule
	}{{"Expected differences (--across-update)", statediff.ExpectedRules}, {"Data loss (always)", statediff.LossRules}} {
		if _, err := fmt.Fprintf(w, "%s:\n", list.title); err != nil {
			return err
		}
		for _, r := range list.rules {
			if _, err := fmt.Fprintf(w, "  %s (%s)\n      %s\n", r.ID, r.When, r.Doc); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadPair resolves the two states to compare: two SOURCEs given as
// arguments, or each side an embedded sample or a spec file.
func loadPair(ctx context.Context, s *streams, f *diffFlags, args []string) (a, b statediff.Input, err error) {
	switch len(args) {
	case 0:
	case 2:
		if f.sampleA != "" || f.specA != "" || f.sampleB != "" || f.specB != "" {
			return a, b, usageError{fmt.Errorf("give A and B as two SOURCEs or with --sample-X/--spec-X, not both")}
		}
		if a, err = loadSourceSide(ctx, s, args[0]); err != nil {
			return a, b, err
		}
		b, err = loadSourceSide(ctx, s, args[1])
		return a, b, err
	default:
		return a, b, usageError{fmt.Errorf("diff takes two SOURCEs A and B (or --sample-X/--spec-X, or --bytes FILE1 FILE2), got %s", plural(len(args), "argument"))}
	}
	if a, err = loadSide(ctx, s, "a", f.sampleA, f.specA); err != nil {
		return a, b, err
	}
	b, err = loadSide(ctx, s, "b", f.sampleB, f.specB)
	return a, b, err
}

// loadSourceSide walks the state of a SOURCE (snapshot, core, debugfs
// copy, live). The source stays open for the folio comparison; the
// process exits right after.
func loadSourceSide(ctx context.Context, s *streams, spec string) (statediff.Input, error) {
	sf := stateFlags{ctx: ctx, warnw: s.Err}
	l, err := sf.load([]string{spec})
	if err != nil {
		return statediff.Input{}, naming(spec, err)
	}
	return statediff.Input{Name: l.Description, State: l.State, Mem: l.Memory}, nil
}

// loadSide loads one side from --sample-X or --spec-X. The sources a
// spec's contents name stay open for the comparison; the process exits
// right after.
func loadSide(ctx context.Context, s *streams, which, sample, specFile string) (statediff.Input, error) {
	opts := inspect.Options{Context: ctx, Warn: warnOn(s.Err)}
	var l *inspect.Session
	var err error
	name := "spec " + specFile
	switch {
	case sample != "" && specFile != "":
		return statediff.Input{}, usageError{fmt.Errorf("give --sample-%s or --spec-%s, not both", which, which)}
	case sample != "":
		if l, err = inspect.OpenSample(sample, opts); err != nil {
			return statediff.Input{}, loadError(err)
		}
	case specFile != "":
		var spec *handover.Spec
		if spec, err = readSpecFile(specFile); err != nil {
			return statediff.Input{}, err
		}
		l, err = inspect.OpenSpec(spec, name, opts)
	default:
		return statediff.Input{}, usageError{fmt.Errorf("state %s: give --sample-%s NAME or --spec-%s FILE", which, which, which)}
	}
	if err != nil {
		return statediff.Input{}, naming(name, err)
	}
	return statediff.Input{Name: l.Description, State: l.State, Mem: l.Memory}, nil
}
