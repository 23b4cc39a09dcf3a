package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
	"github.com/spf13/cobra"
)

// stateFlags are the flags every command that reads a handover state
// shares: where the state comes from and which generations to assume.
type stateFlags struct {
	sample        string
	kho, luo, mfd string
	// root is --root: the physical address of the KHO root to read in a
	// memory dump holding several.
	root string
	// brokenRoot lets load return a root that does not decode (state
	// nil, walkErr set) instead of failing: validate reports it as the
	// kernel's verdict on it.
	brokenRoot bool
	// memoryOnly opens the memory of the source alone (hexdump --addr).
	memoryOnly bool
	// wrap, when set, wraps the memory the walk reads (capture records
	// what the walk touched).
	wrap func(phys.Memory) phys.Memory
	// cmd is the command the flags belong to (set by register): its
	// context stops long reads on Ctrl-C.
	cmd *cobra.Command
	// ctx, when set, is the context to use instead of cmd's.
	ctx context.Context
	// warnw, when set, gets the source's warnings instead of cmd's
	// stderr.
	warnw io.Writer
}

// stderr is where warnings and progress about the source go: warnw, or
// the command's stderr (io.Discard without either).
func (f *stateFlags) stderr() io.Writer {
	switch {
	case f.warnw != nil:
		return f.warnw
	case f.cmd != nil:
		return f.cmd.ErrOrStderr()
	}
	return io.Discard
}

// warn prints a warning about the source on the command's stderr.
func (f *stateFlags) warn(msg string) { warnOn(f.stderr())(msg) }

// warnOn returns a function printing warnings on w.
func warnOn(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(w, "luoinspect: warning: %s\n", msg) }
}

// context is the context reads of the state honour.
func (f *stateFlags) context() context.Context {
	switch {
	case f.ctx != nil:
		return f.ctx
	case f.cmd != nil && f.cmd.Context() != nil:
		return f.cmd.Context()
	}
	return context.Background()
}

// walkMem returns the memory a walk should read.
func (f *stateFlags) walkMem(m phys.Memory) phys.Memory {
	if f.wrap == nil {
		return m
	}
	return f.wrap(m)
}

const sourceHelp = "SOURCE is live (the default: debugfs + /proc/kcore, needs root), a\n" +
	"snapshot or ELF core (kdump vmcore, QEMU dump-guest-memory), a copied\n" +
	"kho debugfs directory, an FDT blob, or a spec such as kcore, devmem,\n" +
	"core:FILE, raw:FILE@0xBASE, debugfs-in:DIR, snapshot:FILE."

func (f *stateFlags) register(c *cobra.Command) {
	f.cmd = c
	c.Flags().StringVar(&f.sample, "sample", "", "use an embedded sample state: "+fmt.Sprint(handover.SampleNames()))
	c.Flags().StringVar(&f.kho, "kho", "", "assume this KHO generation (e.g. K1a) instead of detecting it")
	c.Flags().StringVar(&f.luo, "luo", "", "assume this LUO generation (e.g. L-v6) instead of detecting it")
	c.Flags().StringVar(&f.mfd, "memfd", "", "assume this memfd generation (e.g. M2a) instead of detecting it")
	c.Flags().StringVar(&f.root, "root", "", "in a memory dump holding several KHO roots, read the one at this physical address (e.g. 0x1f9000)")
}

// options are the inspect options the flags give.
func (f *stateFlags) options() (inspect.Options, error) {
	o := inspect.Options{KHO: f.kho, LUO: f.luo, Memfd: f.mfd, KeepBrokenRoot: f.brokenRoot, MemoryOnly: f.memoryOnly,
		Context: f.context(), Wrap: f.wrap, Warn: f.warn}
	if f.root != "" {
		var err error
		if o.Root, err = strconv.ParseUint(f.root, 0, 64); err != nil {
			return o, usageError{fmt.Errorf("--root %q: want a physical address such as 0x1f9000", f.root)}
		}
		o.HasRoot = true
	}
	return o, nil
}

// load opens the state the flags and the optional SOURCE argument name
// (the live system without one). Its memory stops serving reads once the
// command's context is done; a scan of memory for the root shows its
// progress on a terminal.
func (f *stateFlags) load(args []string) (*inspect.Session, error) {
	opts, err := f.options()
	if err != nil {
		return nil, err
	}
	var s *inspect.Session
	switch {
	case f.sample != "" && len(args) > 0:
		return nil, usageError{fmt.Errorf("--sample takes no SOURCE argument")}
	case len(args) > 1:
		return nil, usageError{fmt.Errorf("at most one SOURCE, got %d", len(args))}
	case f.sample != "":
		s, err = inspect.OpenSample(f.sample, opts)
	default:
		spec := "live"
		if len(args) == 1 {
			spec = args[0]
		}
		p := newProgress(f.stderr(), "scanning memory for the KHO root", true)
		opts.Progress = p.update
		s, err = inspect.Open(spec, opts)
		p.done()
	}
	return s, loadError(err)
}

// loadError makes the errors of a source named wrong, or of options that
// cannot apply, usage errors (exit 2) worded with the flags' names.
func loadError(err error) error {
	var specErr *source.SpecError
	var optErr *inspect.OptionError
	switch {
	case errors.As(err, &specErr):
		return usageError{err}
	case errors.As(err, &optErr) && optErr.Option != "root" && optErr.Option != "sample":
		return usageError{fmt.Errorf("--%s %s", optErr.Option, optErr.Msg)}
	case errors.As(err, &optErr):
		return usageError{err}
	}
	return err
}
