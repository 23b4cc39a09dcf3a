package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/spf13/cobra"
)

func newABIDiffCmd(s *streams) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Check whether a change breaks the handover ABI",
		Long: "diff compares two ABI snapshots (each a generation tag or combination,\n" +
			"kernel tree, vmlinux/BTF file or schema JSON) and classifies every\n" +
			"difference as breaking, compatible or info. A breaking layout change made\n" +
			"while the compatible string that versions it stayed the same is reported\n" +
			"as \"layout changed but compatible string unchanged\".",
		Example: "  luoinspect abi diff L-v5 L-v6\n" +
			"  luoinspect abi diff baseline.json ~/linux -o json",
		Args: exactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json", "yaml"); err != nil {
				return err
			}
			a, err := loadABISource(args[0])
			if err != nil {
				return err
			}
			b, err := loadABISource(args[1])
			if err != nil {
				return err
			}
			s.warnSnapshot(a)
			s.warnSnapshot(b)
			r := schema.Diff(a, b)
			if format == "text" {
				err = writeDiffText(s.Out, r)
			} else {
				err = writeDoc(s.Out, format, r)
			}
			if err != nil {
				return err
			}
			code := 0
			if r.HasChanges() {
				code |= exitFindings
			}
			if r.HasUnbumped() {
				code |= exitUnbumped
			}
			if code != 0 {
				return exitCodeError{code}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "output", "o", "text", "output format: text, json or yaml")
	return c
}

func writeDiffText(w io.Writer, r *schema.Report) error {
	if len(r.Findings) == 0 {
		_, err := fmt.Fprintf(w, "%s -> %s: no differences\n", r.Old, r.New)
		return err
	}
	fmt.Fprintf(w, "%s -> %s: %d breaking, %d compatible, %d info", r.Old, r.New, r.Breaking, r.Compatible, r.Info)
	if r.HasUnbumped() {
		fmt.Fprintf(w, "; LAYOUT CHANGED WITHOUT A COMPATIBLE BUMP")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range r.Findings {
		class := string(f.Class)
		switch {
		case f.Kind == schema.KindUnbumped:
			class = "UNBUMPED"
		case f.Unbumped:
			class += "!"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", class, f.Component, f.Kind, f.Message)
	}
	return tw.Flush()
}
