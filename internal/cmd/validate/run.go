package validate

import (
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	validatelib "github.com/luoinspect/luoinspect/validate"
)

// validateRun loads the state, checks it and writes the report; the exit
// status says how bad the findings are.
func validateRun(opts *ValidateOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "text", "json", "sarif", "junit"); err != nil {
		return err
	}
	l, err := opts.State.Load(opts.Context, opts.IO)
	if err != nil {
		return err
	}
	defer l.Close()
	vopts, err := checkOptions(opts, l)
	if err != nil {
		return err
	}
	p := opts.IO.NewProgress("validating folio records", false)
	vopts.Progress = p.Update
	var r *validatelib.Report
	if l.State == nil {
		// The root does not decode: the kernel's verdict on it.
		r = validatelib.Run(l.Blobs.Root, l.Memory, vopts)
	} else {
		r = validatelib.Check(l.State, l.Memory, vopts)
	}
	p.Done()
	if err := inspect.Stopped(opts.Context); err != nil {
		return err
	}
	if err := writeReport(opts, r); err != nil {
		return err
	}
	code := 0
	if r.Summary.Warnings+r.Summary.Unverified > 0 {
		code |= cmdutil.ExitFindings
	}
	if r.Summary.Errors > 0 {
		code |= cmdutil.ExitReject
	}
	return cmdutil.Exit(code)
}

// checkOptions are the options of the check of the opened state l.
func checkOptions(opts *ValidateOptions, l *inspect.Session) (validatelib.Options, error) {
	vopts := validatelib.Options{Source: l.Description}
	if opts.HasNextCmdline {
		var err error
		if vopts.NextReserveMem, err = validatelib.ParseReserveMem(opts.NextCmdline); err != nil {
			return vopts, cmdutil.UsageErrorf("--next-cmdline: %w", err)
		}
		if vopts.NextReserveMem == nil {
			vopts.NextReserveMem = []validatelib.ReserveMem{}
		}
	}
	if l.Blobs != nil {
		vopts.Scratch, vopts.RootMapped = l.Blobs.Scratch, l.Blobs.RootMapped
	}
	if l.State != nil {
		vopts.Notes = l.State.Notes
	}
	return vopts, nil
}

// writeReport writes the report r in the format asked for.
func writeReport(opts *ValidateOptions, r *validatelib.Report) error {
	out := opts.IO.Out
	switch opts.Format {
	case "json":
		return validatelib.WriteJSON(out, r)
	case "sarif":
		return validatelib.WriteSARIF(out, r)
	case "junit":
		return validatelib.WriteJUnit(out, r)
	}
	return validatelib.WriteText(out, r, opts.IO.SeverityPainter())
}
