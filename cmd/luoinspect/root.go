package main

import "github.com/spf13/cobra"

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "luoinspect",
		Short:         "Inspect Linux live-update handover state (KHO, LUO, memfd)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newFDTCmd(s), newVersionCmd(s))
	return root
}
