package main

import (
	"os"

	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/spf13/cobra"
)

func newHexdumpCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "hexdump FILE",
		Short: "Annotated hex dump: every header field, token, name, value and padding byte",
		Long: "hexdump prints FILE in hex with what every byte is: FDT header fields,\n" +
			"reserve entries, tokens, node and property names, values (strings, and\n" +
			"u64s in the CPU byte order KHO and LUO use), padding, strings no\n" +
			"property uses, and bytes outside every block.",
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			paint, err := s.regionPainter()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			t, err := fdt.Parse(data)
			if err != nil {
				return err
			}
			return annot.Write(s.Out, t.Data, t.Regions(), annot.Options{Paint: paint})
		},
	}
}
