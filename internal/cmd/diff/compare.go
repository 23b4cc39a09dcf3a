package diff

import (
	"fmt"
	"io"
	"os"

	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/statediff"
)

// compareOptions turns the options into comparison options.
func compareOptions(opts *DiffOptions) (statediff.Options, error) {
	if opts.BSide != "" && !opts.AcrossUpdate {
		return statediff.Options{}, cmdutil.UsageErrorf("--b-side needs --across-update")
	}
	if !opts.AcrossUpdate {
		return statediff.Options{Mode: statediff.Plain, IgnoreAddresses: opts.IgnoreAddresses}, nil
	}
	side := statediff.BSide(opts.BSide)
	switch side {
	case "", statediff.Outgoing, statediff.Incoming:
	default:
		return statediff.Options{}, cmdutil.UsageErrorf("--b-side must be outgoing or incoming, not %q", opts.BSide)
	}
	return statediff.Options{Mode: statediff.AcrossUpdate, BSide: side, IgnoreAddresses: opts.IgnoreAddresses}, nil
}

// diffStates compares state A with state B and reports the differences.
func diffStates(opts *DiffOptions) error {
	copts, err := compareOptions(opts)
	if err != nil {
		return err
	}
	paint := opts.IO.TreePainter()
	a, b, err := loadPair(opts)
	if err != nil {
		return err
	}
	r, err := statediff.Compare(a, b, copts)
	if serr := inspect.Stopped(opts.Context); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		err = cmdutil.WriteDoc(opts.IO.Out, "json", r)
	} else {
		err = statediff.WriteText(opts.IO.Out, r, statediff.TextOptions{Paint: paint, Expected: opts.Expected})
	}
	if err != nil {
		return err
	}
	return verdictExit(r.Verdict)
}

// diffBytes compares two FDT blob files region by region.
func diffBytes(opts *DiffOptions) error {
	if opts.SampleA+opts.SampleB+opts.SpecA+opts.SpecB != "" || opts.AcrossUpdate || opts.BSide != "" || opts.IgnoreAddresses {
		return cmdutil.UsageErrorf("--bytes compares two blob files and takes no state flags")
	}
	args := opts.Args
	if len(args) != 2 {
		return cmdutil.UsageErrorf("--bytes takes two FDT blob files, got %s", cmdutil.Plural(len(args), "argument"))
	}
	paint := opts.IO.TreePainter()
	var blobs [2][]byte
	for i, name := range args {
		var err error
		if blobs[i], err = os.ReadFile(name); err != nil {
			return err
		}
	}
	d, err := statediff.Bytes(args[0], blobs[0], args[1], blobs[1])
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		err = cmdutil.WriteDoc(opts.IO.Out, "json", d)
	} else {
		err = statediff.WriteBytesText(opts.IO.Out, d, statediff.TextOptions{Paint: paint})
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
		return cmdutil.Exit(cmdutil.ExitReject)
	case statediff.Different, statediff.VerdictUnverified:
		return cmdutil.Exit(cmdutil.ExitFindings)
	}
	return nil
}

// writeRules prints the expected-difference and loss rules.
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
