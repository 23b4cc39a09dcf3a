package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/source"
	"github.com/spf13/cobra"
)

func newEncodeCmd(s *streams) *cobra.Command {
	var sample, out string
	var force bool
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
			spec, err := readSpec(sample, args)
			if err != nil {
				return err
			}
			if out == "" {
				return usageError{fmt.Errorf("--out DIR is required")}
			}
			if err := checkOutDir(out, force); err != nil {
				return err
			}
			ctx := c.Context()
			enc, err := encodeCtx(ctx, spec, inspect.EncodeOptions(warnOn(s.Err)))
			if err != nil {
				return err
			}
			defer enc.Close()
			if err := writeDirAtomic(ctx, out, force, func(tmp string) error { return writeEncoded(ctx, enc, tmp) }); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "encoded %s+%s+%s: root at PA 0x%x, %s, written to %s\n",
				spec.KHO, spec.LUO, spec.Memfd, enc.RootAddr, plural(len(enc.Preserved), "preserved block"), out)
			return nil
		},
	}
	c.Flags().StringVar(&sample, "sample", "", "encode an embedded sample instead of a spec file")
	c.Flags().StringVar(&out, "out", "", "directory to write (created; see --force)")
	c.Flags().BoolVar(&force, "force", false, "replace DIR when it exists with files in it")
	return c
}

// encodeCtx runs handover.Encode, which takes no context, and stops
// waiting for it when ctx is done: it only builds memory (seconds for a
// large memfd with data), so leaving it behind loses nothing.
func encodeCtx(ctx context.Context, spec *handover.Spec, opts handover.EncodeOptions) (*handover.Encoded, error) {
	type result struct {
		enc *handover.Encoded
		err error
	}
	done := make(chan result, 1)
	go func() {
		enc, err := handover.EncodeWith(spec, opts)
		done <- result{enc, err}
	}()
	select {
	case r := <-done:
		return r.enc, r.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// readSpec loads the spec named by --sample or the SPEC argument.
func readSpec(sample string, args []string) (*handover.Spec, error) {
	switch {
	case sample != "" && len(args) > 0:
		return nil, usageError{fmt.Errorf("give a spec file or --sample, not both")}
	case sample != "":
		spec, err := handover.Sample(sample)
		if err != nil {
			return nil, usageError{err}
		}
		return spec, nil
	case len(args) == 1:
		return readSpecFile(args[0])
	}
	return nil, usageError{fmt.Errorf("give a spec file or --sample NAME")}
}

// writeEncoded writes the files of an encoded state into dir, which
// exists; it stops when ctx is done.
func writeEncoded(ctx context.Context, enc *handover.Encoded, dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "root.dtb"), enc.Root, 0o644); err != nil {
		return err
	}
	if err := enc.WriteDebugfs(filepath.Join(dir, "debugfs", "kho")); err != nil {
		return err
	}
	if err := inspect.Stopped(ctx); err != nil {
		return err
	}
	meta := source.Metadata{Arch: "x86_64", Source: "luoinspect encode " + enc.Spec.Name}
	mem := enc.Memory()
	return writeSnapshot(ctx, filepath.Join(dir, "state.core"), meta, inspect.EncodedBlobs(enc), mem, mem.Ranges())
}

// readSpecFile reads a spec file.
func readSpecFile(file string) (*handover.Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	spec, err := handover.ParseSpec(data)
	return spec, naming(file, err)
}

// specOptions are the options of 'dump -o spec': contents too large to
// embed are referenced to the SOURCE, named so that it opens from any
// directory. Samples are never referenced (they are made, not read),
// nor are live memory (live, kcore, devmem: it changes) and sources
// without memory (debugfs, blobs, standard input).
func specOptions(sf *stateFlags, args []string) handover.SpecOptions {
	if sf.sample != "" || len(args) != 1 {
		return handover.SpecOptions{}
	}
	spec, err := source.ParseSpec(args[0])
	if err != nil {
		return handover.SpecOptions{}
	}
	if spec, ok := spec.Reopenable(); ok {
		return handover.SpecOptions{Source: spec.String()}
	}
	return handover.SpecOptions{}
}
