package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
	"github.com/spf13/cobra"
)

// SourceHelp is the paragraph of a command's help that says what a
// SOURCE argument can be.
const SourceHelp = "SOURCE is live (the default: debugfs + /proc/kcore, needs root), a\n" +
	"snapshot or ELF core (kdump vmcore, QEMU dump-guest-memory), a copied\n" +
	"kho debugfs directory, an FDT blob, or a spec such as kcore, devmem,\n" +
	"core:FILE, raw:FILE@0xBASE, debugfs-in:DIR, snapshot:FILE."

// StateOptions say where a command that reads a handover state reads it
// from and how: the flags every such command shares (Register adds them),
// its SOURCE arguments, and what the command itself asks of the opening.
type StateOptions struct {
	// Sample is --sample: an embedded sample instead of a SOURCE.
	Sample string
	// KHO, LUO and Memfd are --kho, --luo and --memfd: generations to
	// assume instead of detecting them.
	KHO, LUO, Memfd string
	// Root is --root: the physical address of the KHO root to read in a
	// memory dump holding several.
	Root string
	// Sources are the SOURCE arguments: none for the live system, at most
	// one.
	Sources []string

	// KeepBrokenRoot lets Load return a root that does not decode (State
	// nil, WalkErr set) instead of failing: validate reports it as the
	// kernel's verdict on it.
	KeepBrokenRoot bool
	// MemoryOnly opens the memory of the source alone (hexdump --addr).
	MemoryOnly bool
	// Wrap, when set, wraps the memory the walk reads (capture records
	// what the walk touched).
	Wrap func(phys.Memory) phys.Memory
}

// Register adds the state flags to c.
func (o *StateOptions) Register(c *cobra.Command) {
	c.Flags().StringVar(&o.Sample, "sample", "", "use an embedded sample state: "+fmt.Sprint(handover.SampleNames()))
	c.Flags().StringVar(&o.KHO, "kho", "", "assume this KHO generation (e.g. K1a) instead of detecting it")
	c.Flags().StringVar(&o.LUO, "luo", "", "assume this LUO generation (e.g. L-v6) instead of detecting it")
	c.Flags().StringVar(&o.Memfd, "memfd", "", "assume this memfd generation (e.g. M2a) instead of detecting it")
	c.Flags().StringVar(&o.Root, "root", "", "in a memory dump holding several KHO roots, read the one at this physical address (e.g. 0x1f9000)")
}

// inspectOptions are the inspect options the state options give, with
// reads stopping when ctx is done and warnings on ios.
func (o *StateOptions) inspectOptions(ctx context.Context, ios *iostreams.IOStreams) (inspect.Options, error) {
	opts := inspect.Options{KHO: abi.Tag(o.KHO), LUO: abi.Tag(o.LUO), Memfd: abi.Tag(o.Memfd), KeepBrokenRoot: o.KeepBrokenRoot, MemoryOnly: o.MemoryOnly,
		Context: ctx, Wrap: o.Wrap, Warn: WarnFunc(ios.ErrOut)}
	if o.Root != "" {
		var err error
		if opts.Root, err = strconv.ParseUint(o.Root, 0, 64); err != nil {
			return opts, UsageErrorf("--root %q: want a physical address such as 0x1f9000", o.Root)
		}
		opts.HasRoot = true
	}
	return opts, nil
}

// Load opens the state the options name (the live system without a
// SOURCE or a sample). Its memory stops serving reads once ctx is done; a
// scan of memory for the root shows its progress when ios's stderr is a
// terminal, and warnings about the source go to ios's stderr.
func (o *StateOptions) Load(ctx context.Context, ios *iostreams.IOStreams) (*inspect.Session, error) {
	opts, err := o.inspectOptions(ctx, ios)
	if err != nil {
		return nil, err
	}
	var s *inspect.Session
	switch {
	case o.Sample != "" && len(o.Sources) > 0:
		return nil, UsageErrorf("--sample takes no SOURCE argument")
	case len(o.Sources) > 1:
		return nil, UsageErrorf("at most one SOURCE, got %d", len(o.Sources))
	case o.Sample != "":
		s, err = inspect.OpenSample(o.Sample, opts)
	default:
		spec := "live"
		if len(o.Sources) == 1 {
			spec = o.Sources[0]
		}
		p := ios.NewProgress("scanning memory for the KHO root", true)
		opts.Progress = p.Update
		s, err = inspect.Open(spec, opts)
		p.Done()
	}
	return s, LoadError(err)
}

// LoadError makes the errors of opening a state that come from a source
// named wrong, or from options that cannot apply, usage errors (exit 2)
// worded with the flags' names.
func LoadError(err error) error {
	var specErr *source.SpecError
	var optErr *inspect.OptionError
	switch {
	case errors.As(err, &specErr):
		return UsageError{err}
	case errors.As(err, &optErr) && optErr.Option != "root" && optErr.Option != "sample":
		return UsageErrorf("--%s %s", optErr.Option, optErr.Msg)
	case errors.As(err, &optErr):
		return UsageError{err}
	}
	return err
}

// WarnFunc returns a function printing warnings on w.
func WarnFunc(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(w, "luoinspect: warning: %s\n", msg) }
}
