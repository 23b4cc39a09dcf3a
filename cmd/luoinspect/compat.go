package main

import (
	"fmt"

	"github.com/luoinspect/luoinspect/validate"
	"github.com/spf13/cobra"
)

func newCompatCmd(s *streams) *cobra.Command {
	var sf stateFlags
	var format, to string
	c := &cobra.Command{
		Use:   "compat --to GEN [--sample NAME] [-o text|json]",
		Short: "Tell whether a kernel of another generation would accept the state",
		Long: "compat compares the generations detected in the handover state with what\n" +
			"a kernel of generation GEN reads, component by component, and says what\n" +
			"that kernel would do with it. GEN is a KHO, LUO or memfd tag (K2, L-FLB,\n" +
			"M2b) or several joined with '+' (K4+L-luo-v5+M2b); components not named\n" +
			"are not compared.",
		Example: "  luoinspect compat --sample k1b-l619-m1 --to L-FLB\n" +
			"  luoinspect compat --sample k4-luov5-m2b --to K4+L-luo-v5+M2b -o json",
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			if to == "" {
				return usageError{fmt.Errorf("--to GEN is required")}
			}
			t, err := validate.ParseTarget(to)
			if err != nil {
				return usageError{fmt.Errorf("--to: %w", err)}
			}
			l, err := sf.load(args)
			if err != nil {
				return err
			}
			defer l.Close()
			r := validate.Compat(l.State, t)
			r.Source = l.Description
			if format == "json" {
				err = writeDoc(s.Out, "json", r)
			} else {
				err = validate.WriteCompatText(s.Out, r)
			}
			if err != nil {
				return err
			}
			switch r.Verdict {
			case validate.VerdictReject:
				return exitCodeError{exitReject}
			case validate.VerdictWarning:
				return exitCodeError{exitFindings}
			}
			return nil
		},
	}
	sf.register(c)
	c.Flags().StringVar(&to, "to", "", "generation of the receiving kernel: a KHO, LUO or memfd tag, or tags joined with '+'")
	c.Flags().StringVarP(&format, "output", "o", "text", "output format: text or json")
	return c
}
