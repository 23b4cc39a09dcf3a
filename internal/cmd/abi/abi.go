// Package abi is "luoinspect abi": the handover ABI registry, snapshots
// of kernels, and the compatibility check between two of them (list,
// show, detect, extract, diff).
package abi

import (
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdABI builds the abi command group.
func NewCmdABI(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "abi",
		Short: "List, show, extract and compare handover ABI layouts",
		Long: "abi works on ABI snapshots (schema luoinspect.abi/v1): the compatible\n" +
			"strings, FDT schema, struct layouts and constants of KHO, LUO and memfd.\n" +
			"A SOURCE is a registry generation tag or a combination such as\n" +
			"K4+L-luo-v5+M2b, a kernel source tree, a vmlinux image or raw BTF file\n" +
			"(such as /sys/kernel/btf/vmlinux), or a schema JSON file written by\n" +
			"'abi extract'.",
	}
	c.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdDetect(f, nil), NewCmdExtract(f, nil), NewCmdDiff(f, nil))
	return c
}
