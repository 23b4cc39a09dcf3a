package main

import (
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/spf13/cobra"
)

func newFDTDTSCmd(s *streams) *cobra.Command {
	var offsets bool
	c := &cobra.Command{
		Use:   "dts FILE",
		Short: "Print an FDT blob as device-tree source that dtc compiles back",
		Long: "dts prints FILE as DTS. KHO and LUO store u64 values in CPU byte order\n" +
			"(little-endian), which dtc shows as swapped cells; dts adds the real\n" +
			"value as a comment after every 8-byte value. FILE - reads standard input.\n" +
			"Exit code 4: FILE is no valid FDT blob (one line on stderr).",
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			t, err := parseFDTFile(args[0])
			if err != nil {
				return reportBlobFinding(s.Err, err)
			}
			return t.WriteDTS(s.Out, fdt.DTSOptions{Offsets: offsets})
		},
	}
	c.Flags().BoolVar(&offsets, "offsets", false, "comment every node and property with its byte offset")
	return c
}
