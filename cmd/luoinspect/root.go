package main

import "github.com/spf13/cobra"

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "luoinspect",
		Short:         "Inspect Linux live-update handover state (KHO, LUO, memfd)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.DisableAutoGenTag = true
	root.PersistentFlags().StringVar(&s.colorMode, "color", "auto", "colour human output: auto, always or never (NO_COLOR is honoured)")
	root.AddCommand(
		newDumpCmd(s), newCaptureCmd(s), newValidateCmd(s), newCompatCmd(s), newDiffCmd(s),
		newABICmd(s), newEncodeCmd(s), newFDTCmd(s), newHexdumpCmd(s), newVersionCmd(s), newGenDocsCmd(s),
	)
	return root
}
