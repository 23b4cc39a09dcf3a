package diff

import (
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/statediff"
)

// loadPair resolves the two states to compare: two SOURCEs given as
// arguments, or each side an embedded sample or a spec file.
func loadPair(opts *DiffOptions) (a, b statediff.Input, err error) {
	switch len(opts.Args) {
	case 0:
	case 2:
		if opts.SampleA != "" || opts.SpecA != "" || opts.SampleB != "" || opts.SpecB != "" {
			return a, b, cmdutil.UsageErrorf("give A and B as two SOURCEs or with --sample-X/--spec-X, not both")
		}
		if a, err = loadSourceSide(opts, opts.Args[0]); err != nil {
			return a, b, err
		}
		b, err = loadSourceSide(opts, opts.Args[1])
		return a, b, err
	default:
		return a, b, cmdutil.UsageErrorf("diff takes two SOURCEs A and B (or --sample-X/--spec-X, or --bytes FILE1 FILE2), got %s", cmdutil.Plural(len(opts.Args), "argument"))
	}
	if a, err = loadSide(opts, "a", opts.SampleA, opts.SpecA); err != nil {
		return a, b, err
	}
	b, err = loadSide(opts, "b", opts.SampleB, opts.SpecB)
	return a, b, err
}

// loadSourceSide walks the state of a SOURCE (snapshot, core, debugfs
// copy, live). The source stays open for the folio comparison; the
// process exits right after.
func loadSourceSide(opts *DiffOptions, spec string) (statediff.Input, error) {
	so := cmdutil.StateOptions{Sources: []string{spec}}
	l, err := so.Load(opts.Context, opts.IO)
	if err != nil {
		return statediff.Input{}, cmdutil.Naming(spec, err)
	}
	return statediff.Input{Name: l.Description, State: l.State, Mem: l.Memory}, nil
}

// loadSide loads one side from --sample-X or --spec-X. The sources a
// spec's contents name stay open for the comparison; the process exits
// right after.
func loadSide(opts *DiffOptions, which, sample, specFile string) (statediff.Input, error) {
	iopts := inspect.Options{Context: opts.Context, Warn: cmdutil.WarnFunc(opts.IO.ErrOut)}
	var l *inspect.Session
	var err error
	name := "spec " + specFile
	switch {
	case sample != "" && specFile != "":
		return statediff.Input{}, cmdutil.UsageErrorf("give --sample-%s or --spec-%s, not both", which, which)
	case sample != "":
		if l, err = inspect.OpenSample(sample, iopts); err != nil {
			return statediff.Input{}, cmdutil.LoadError(err)
		}
	case specFile != "":
		var spec *handover.Spec
		if spec, err = cmdutil.ReadSpecFile(specFile); err != nil {
			return statediff.Input{}, err
		}
		l, err = inspect.OpenSpec(spec, name, iopts)
	default:
		return statediff.Input{}, cmdutil.UsageErrorf("state %s: give --sample-%s NAME or --spec-%s FILE", which, which, which)
	}
	if err != nil {
		return statediff.Input{}, cmdutil.Naming(name, err)
	}
	return statediff.Input{Name: l.Description, State: l.State, Mem: l.Memory}, nil
}
