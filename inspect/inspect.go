package inspect

import (
	"context"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// Options steer how a source becomes a state. The zero value detects
// everything and chooses the root itself.
type Options struct {
	// KHO, LUO and Memfd are generations to assume (abi tags such as "K1a",
	// "L-v6", "M2a") instead of detecting them.
	KHO, LUO, Memfd abi.Tag
	// Root, when HasRoot is set, is the physical address of the KHO root
	// to read in a memory dump holding several.
	Root    uint64
	HasRoot bool
	// MemoryOnly opens the memory alone: no root is looked for and no
	// state walked (Session.State is nil), so that a raw image or a dump
	// without a KHO root can still be read.
	MemoryOnly bool
	// KeepBrokenRoot returns a Session whose root does not decode (State
	// nil, WalkErr set) instead of failing: what a handoff names is what
	// the kernel reads, and a checker reports the kernel's verdict on it.
	KeepBrokenRoot bool
	// Context, when set, stops reads of the state (a walk, a scan, a
	// digest) soon after it is done.
	Context context.Context
	// Wrap, when set, wraps the memory the walk reads (e.g. to record
	// what it touched).
	Wrap func(phys.Memory) phys.Memory
	// Progress, when set, is called as a scan of memory for the root goes
	// on, with the bytes scanned and the total.
	Progress func(done, total uint64)
	// Warn, when set, receives warnings about the source (a core cut
	// short, a view shorter than its header says), and about the sources
	// a spec's memfd contents refer to.
	Warn func(string)
}

// OptionError is an Options value that cannot apply: a generation of the
// wrong component, or a root the dump does not hold.
type OptionError struct {
	Option string // "kho", "luo", "memfd" or "root"
	Value  string
	Msg    string
}

func (e *OptionError) Error() string { return e.Msg }

// Session is an opened state with what it was read from. Close releases
// the source.
type Session struct {
	// State is the walked state; nil only with Options.KeepBrokenRoot
	// when the root does not decode (WalkErr says why).
	State   *handover.State
	WalkErr error
	// Memory is what the state was read from (wrapped to stop with the
	// context).
	Memory phys.Memory
	// Blobs are the root and client blobs as the source showed them.
	Blobs *source.Blobs
	// Source is the opened source; nil for samples and specs.
	Source source.Source
	// Description names the source for people, e.g. "sample k2-lflb-m1"
	// or a snapshot's description.
	Description string
	close       func() error
}

// Close releases the source; it is safe to call more than once.
func (s *Session) Close() error {
	if s.close == nil {
		return nil
	}
	c := s.close
	s.close = nil
	return c()
}

// check refuses generations of the wrong component.
func (o *Options) check() error {
	for _, g := range []struct {
		option, tag string
		comp        abi.Component
	}{{"kho", string(o.KHO), abi.ComponentKHO}, {"luo", string(o.LUO), abi.ComponentLUO}, {"memfd", string(o.Memfd), abi.ComponentMemfd}} {
		if g.tag == "" {
			continue
		}
		if gen, ok := abi.Lookup(abi.Tag(g.tag)); !ok || gen.Component != g.comp {
			return &OptionError{g.option, g.tag, fmt.Sprintf("%q is not a %s generation (see 'luoinspect abi list')", g.tag, g.comp)}
		}
	}
	return nil
}

func (o *Options) context() context.Context {
	if o.Context != nil {
		return o.Context
	}
	return context.Background()
}

func (o *Options) walkOptions() handover.Options {
	return handover.Options{KHO: o.KHO, LUO: o.LUO, Memfd: o.Memfd}
}

// walkMem is the memory the walk reads: m stopped by the context, wrapped
// by Wrap.
func (o *Options) walkMem(m phys.Memory) phys.Memory {
	if o.Wrap == nil {
		return m
	}
	return o.Wrap(m)
}

func (o *Options) warn(msg string) {
	if o.Warn != nil {
		o.Warn(msg)
	}
}

// Stopped returns why ctx is done (its cause), or nil while it is not.
func Stopped(ctx context.Context) error {
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
