// Package encode is the "luoinspect encode" command: build a handover
// state from a spec, as the kernel of its generations would lay it out.
package encode

import (
	"context"
	"fmt"

	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/atomicdir"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// EncodeOptions is what the encode command runs with.
type EncodeOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	// Spec is the spec file argument ("" with Sample).
	Spec string
	// Sample is --sample: an embedded sample to encode instead.
	Sample string
	// Out is --out: the directory to write.
	Out string
	// Force replaces an Out with files in it.
	Force bool
}

// NewCmdEncode builds the encode command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdEncode(f *cmdutil.Factory, runF func(*EncodeOptions) error) *cobra.Command {
	opts := &EncodeOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "encode [SPEC] --out DIR",
		Short: "Build a handover state from a spec: root blob, debugfs tree and memory",
		Long: "encode lays out the state a spec describes (docs/spec-format.md) the way\n" +
			"the kernel of the named generations would, and writes into DIR:\n" +
			"  root.dtb            the KHO root FDT (totalsize bytes)\n" +
			"  debugfs/kho/out/    fdt, sub_fdts/<client>, scratch_phys, scratch_len\n" +
			"  state.core          a snapshot (ELF core) holding every page of the state\n" +
			"Read it back with 'luoinspect dump DIR/state.core'.\n\n" +
			"A memfd's contents may name a source (contents.source in the spec, as\n" +
			"'dump -o spec' writes for files above 64 KiB): it is opened as a SOURCE\n" +
			"argument is, and each folio's pages are copied from it page by page as\n" +
			"state.core is written, so a huge memfd is never held in memory.\n\n" +
			"The write is atomic: encode fills a temporary directory next to DIR and\n" +
			"renames it to DIR once complete, so an interrupted encode (Ctrl-C) leaves\n" +
			"neither a half DIR nor the temporary directory. DIR must not exist or be\n" +
			"empty; --force replaces a DIR with files in it (the old one is removed\n" +
			"only after the new one is complete).",
		Example: "  luoinspect encode my-state.yaml --out /tmp/state\n  luoinspect encode --sample k4-luov5-m2b --out /tmp/k4",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context = c.Context()
			if len(args) == 1 {
				opts.Spec = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return encodeRun(opts)
		},
	}
	c.Flags().StringVar(&opts.Sample, "sample", "", "encode an embedded sample instead of a spec file")
	c.Flags().StringVar(&opts.Out, "out", "", "directory to write (created; see --force)")
	c.Flags().BoolVar(&opts.Force, "force", false, "replace DIR when it exists with files in it")
	return c
}

// encodeRun encodes the spec and writes the directory atomically.
func encodeRun(opts *EncodeOptions) error {
	spec, err := readSpec(opts.Sample, opts.Spec)
	if err != nil {
		return err
	}
	if opts.Out == "" {
		return cmdutil.UsageErrorf("--out DIR is required")
	}
	if err := outDirError(opts.Out, atomicdir.Check(opts.Out, opts.Force)); err != nil {
		return err
	}
	ctx := opts.Context
	enc, err := encodeCtx(ctx, spec, inspect.EncodeOptions(cmdutil.WarnFunc(opts.IO.ErrOut)))
	if err != nil {
		return err
	}
	defer enc.Close()
	err = atomicdir.Write(ctx, opts.Out, opts.Force, func(tmp string) error { return writeEncoded(ctx, enc, tmp) })
	if err := outDirError(opts.Out, err); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "encoded %s+%s+%s: root at PA 0x%x, %s, written to %s\n",
		spec.KHO, spec.LUO, spec.Memfd, enc.RootAddr, cmdutil.Plural(len(enc.Preserved), "preserved block"), opts.Out)
	return nil
}
