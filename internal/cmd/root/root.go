// Package root builds the luoinspect command tree.
package root

import (
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/cmd/abi"
	"github.com/luoinspect/luoinspect/internal/cmd/capture"
	"github.com/luoinspect/luoinspect/internal/cmd/compat"
	"github.com/luoinspect/luoinspect/internal/cmd/diff"
	"github.com/luoinspect/luoinspect/internal/cmd/dump"
	"github.com/luoinspect/luoinspect/internal/cmd/encode"
	"github.com/luoinspect/luoinspect/internal/cmd/fdt"
	"github.com/luoinspect/luoinspect/internal/cmd/gendocs"
	"github.com/luoinspect/luoinspect/internal/cmd/hexdump"
	"github.com/luoinspect/luoinspect/internal/cmd/validate"
	"github.com/luoinspect/luoinspect/internal/cmd/version"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// NewCmdRoot builds the command tree, writing to f's streams. Every
// command runs with the context it is executed with (cancelled by
// Ctrl-C) and its flags checked first; flag errors are usage errors.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	var colorMode string
	ios := f.IOStreams
	root := &cobra.Command{
		Use:   "luoinspect",
		Short: "Inspect Linux live-update handover state (KHO, LUO, memfd)",
		Long: "luoinspect reads the state one Linux kernel hands to the next in a live\n" +
			"update (KHO, LUO, memfd preservation) from the running system, a dump, a\n" +
			"snapshot or a spec, and shows, checks, encodes and compares it.\n\n" + cmdutil.ExitHelp(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			return checkFlags(c, ios, colorMode)
		},
	}
	root.DisableAutoGenTag = true
	root.PersistentFlags().StringVar(&colorMode, "color", "auto", "colour human output: auto, always or never (NO_COLOR is honoured)")
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(cmdutil.FlagError)
	root.AddCommand(
		dump.NewCmdDump(f, nil), capture.NewCmdCapture(f, nil), validate.NewCmdValidate(f, nil),
		compat.NewCmdCompat(f, nil), diff.NewCmdDiff(f, nil), abi.NewCmdABI(f), encode.NewCmdEncode(f, nil),
		fdt.NewCmdFDT(f), hexdump.NewCmdHexdump(f, nil), version.NewCmdVersion(f, nil), gendocs.NewCmdGenDocs(f, nil),
	)
	cmdutil.AddExitHelp(root)
	return root
}

// checkFlags runs before every command: the context not yet cancelled,
// no string flag given an empty value, and --color valid (it sets the
// colour mode of ios).
func checkFlags(c *cobra.Command, ios *iostreams.IOStreams, colorMode string) error {
	if err := inspect.Stopped(c.Context()); err != nil {
		return err
	}
	if err := cmdutil.CheckEmptyFlags(c); err != nil {
		return err
	}
	if err := ios.SetColorMode(colorMode); err != nil {
		return cmdutil.UsageError{Err: err}
	}
	return nil
}
