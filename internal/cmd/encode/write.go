package encode

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/atomicdir"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/source"
)

// readSpec loads the spec named by --sample or the SPEC argument.
func readSpec(sample, file string) (*handover.Spec, error) {
	switch {
	case sample != "" && file != "":
		return nil, cmdutil.UsageErrorf("give a spec file or --sample, not both")
	case sample != "":
		spec, err := handover.Sample(sample)
		if err != nil {
			return nil, cmdutil.UsageError{Err: err}
		}
		return spec, nil
	case file != "":
		return cmdutil.ReadSpecFile(file)
	}
	return nil, cmdutil.UsageErrorf("give a spec file or --sample NAME")
}

// outDirError words the refusal of an --out directory as a usage error;
// any other error is returned as is.
func outDirError(dir string, err error) error {
	switch {
	case errors.Is(err, atomicdir.ErrNotDir):
		return cmdutil.UsageErrorf("--out %s is a file, not a directory", dir)
	case errors.Is(err, atomicdir.ErrNotEmpty):
		return cmdutil.UsageErrorf("--out %s exists and is not empty (--force replaces it)", dir)
	}
	return err
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
	return cmdutil.WriteSnapshot(ctx, filepath.Join(dir, "state.core"), meta, inspect.EncodedBlobs(enc), mem, mem.Ranges())
}
