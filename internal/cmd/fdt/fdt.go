// Package fdt is "luoinspect fdt": the commands that work on raw FDT blob
// files (check, dts).
package fdt

import (
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdFDT builds the fdt command group.
func NewCmdFDT(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "fdt",
		Short: "Work with raw FDT blobs (KHO roots, LUO and memblock FDTs)",
	}
	c.AddCommand(NewCmdCheck(f, nil), NewCmdDTS(f, nil))
	return c
}
