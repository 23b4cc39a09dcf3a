package main

import (
	"fmt"

	"github.com/fatih/color"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/validate"
	"github.com/spf13/cobra"
)

func newValidateCmd(s *streams) *cobra.Command {
	sf := stateFlags{brokenRoot: true}
	var format, nextCmdline string
	c := &cobra.Command{
		Use:   "validate [--sample NAME] [-o text|json|sarif|junit]",
		Short: "Check a handover state the way the next kernel will, and deeper",
		Long: "validate applies every rule of docs/validation-rules.md to the handover\n" +
			"state: the checks the receiving kernel makes on incoming KHO, LUO and memfd\n" +
			"data (with what it does when one fails: KHO revival disabled, panic at boot,\n" +
			"/dev/liveupdate open fails, retrieve fails, a WARN, or silent acceptance),\n" +
			"deeper invariants the kernel does not check, and producer fingerprints.\n" +
			"It reports every finding, as text, JSON, SARIF 2.1.0 or JUnit XML.\n\n" +
			"Every pointer into memory the source does not hold is an unverified\n" +
			"finding, and the report says how much of the state was verified.\n" +
			"A root that does not decode is a finding too (the kernel's verdict on it).",
		Example: "  luoinspect validate --sample k2-lflb-m1\n" +
			"  luoinspect validate --sample k4-luov5-m2b -o sarif > luo.sarif",
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json", "sarif", "junit"); err != nil {
				return err
			}
			on, err := s.color()
			if err != nil {
				return err
			}
			l, err := sf.load(args)
			if err != nil {
				return err
			}
			defer l.Close()
			opts := validate.Options{Source: l.Description}
			if c.Flags().Changed("next-cmdline") {
				if opts.NextReserveMem, err = validate.ParseReserveMem(nextCmdline); err != nil {
					return usageError{fmt.Errorf("--next-cmdline: %w", err)}
				}
				if opts.NextReserveMem == nil {
					opts.NextReserveMem = []validate.ReserveMem{}
				}
			}
			if l.Blobs != nil {
				opts.Scratch, opts.RootMapped = l.Blobs.Scratch, l.Blobs.RootMapped
			}
			if l.State != nil {
				opts.Notes = l.State.Notes
			}
			p := newProgress(s.Err, "validating folio records", false)
			opts.Progress = p.update
			var r *validate.Report
			if l.State == nil {
				// The root does not decode: the kernel's verdict on it.
				r = validate.Run(l.Blobs.Root, l.Memory, opts)
			} else {
				r = validate.Check(l.State, l.Memory, opts)
			}
			p.done()
			if err := inspect.Stopped(c.Context()); err != nil {
				return err
			}
			switch format {
			case "json":
				err = validate.WriteJSON(s.Out, r)
			case "sarif":
				err = validate.WriteSARIF(s.Out, r)
			case "junit":
				err = validate.WriteJUnit(s.Out, r)
			default:
				err = validate.WriteText(s.Out, r, severityPainter(on))
			}
			if err != nil {
				return err
			}
			code := 0
			if r.Summary.Warnings+r.Summary.Unverified > 0 {
				code |= exitFindings
			}
			if r.Summary.Errors > 0 {
				code |= exitReject
			}
			if code != 0 {
				return exitCodeError{code}
			}
			return nil
		},
	}
	sf.register(c)
	c.Flags().StringVarP(&format, "output", "o", "text", "output format: text, json, sarif or junit")
	c.Flags().StringVar(&nextCmdline, "next-cmdline", "", "the command line the next kernel boots with: its reserve_mem= parameters are checked against the preserved regions (\"\" for none)")
	allowEmpty(c, "next-cmdline")
	return c
}

var severityColors = map[validate.Severity]*color.Color{
	validate.SevError:   color.New(color.FgRed, color.Bold),
	validate.SevWarning: color.New(color.FgYellow),
	validate.SevInfo:    color.New(color.Faint),
}

// severityPainter colours severities in text output, or returns nil.
func severityPainter(on bool) validate.Painter {
	if !on {
		return nil
	}
	return func(sev validate.Severity, text string) string {
		c := severityColors[sev]
		c.EnableColor()
		return c.Sprint(text)
	}
}
