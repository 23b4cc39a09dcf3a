package main

import "github.com/spf13/cobra"

// newRootCmd builds the command tree. Every command runs with the
// context run gives it (cancelled by Ctrl-C) and its flags checked first.
func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "luoinspect",
		Short: "Inspect Linux live-update handover state (KHO, LUO, memfd)",
		Long: "luoinspect reads the state one Linux kernel hands to the next in a live\n" +
			"update (KHO, LUO, memfd preservation) from the running system, a dump, a\n" +
			"snapshot or a spec, and shows, checks, encodes and compares it.\n\n" + exitHelp(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: checkFlags(s),
	}
	root.DisableAutoGenTag = true
	root.PersistentFlags().StringVar(&s.colorMode, "color", "auto", "colour human output: auto, always or never (NO_COLOR is honoured)")
	root.AddCommand(
		newDumpCmd(s), newCaptureCmd(s), newValidateCmd(s), newCompatCmd(s), newDiffCmd(s),
		newABICmd(s), newEncodeCmd(s), newFDTCmd(s), newHexdumpCmd(s), newVersionCmd(s), newGenDocsCmd(s),
	)
	addExitHelp(root)
	return root
}
