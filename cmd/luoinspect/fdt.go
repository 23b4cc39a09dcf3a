package main

import "github.com/spf13/cobra"

func newFDTCmd(s *streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "fdt",
		Short: "Work with raw FDT blobs (KHO roots, LUO and memblock FDTs)",
	}
	c.AddCommand(newFDTCheckCmd(s), newFDTDTSCmd(s))
	return c
}
