package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
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
func (f *stateFlags) warn(msg string) {
	fmt.Fprintf(f.stderr(), "luoinspect: warning: %s\n", msg)
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

// loaded is a walked state with the memory it was read from.
type loaded struct {
	state *handover.State
	mem   phys.Memory
	blobs *source.Blobs
	name  string
	close func() error
	// walkErr is why the root did not decode (state is nil); only with
	// stateFlags.brokenRoot.
	walkErr error
}

// pendingSessionsNote explains an empty session list on a running
// kernel whose generation writes its sessions only at reboot.
func pendingSessionsNote(st *handover.State) []string {
	g, ok := abi.Lookup(st.Detection.LUO.Tag)
	if !ok || !g.SessionsAtReboot || st.LUO == nil || len(st.LUO.Sessions) > 0 {
		return nil
	}
	return []string{fmt.Sprintf("no sessions in the LUO blob yet: %s kernels write the sessions at reboot (liveupdate_reboot), so the sessions open now appear only in the state handed over; their memfd descriptors and folio arrays already exist", g.Tag)}
}

// rawBaseNote hints at a raw image's base when none of the pointers the
// root names lands in the image.
func rawBaseNote(raw *source.Raw, st *handover.State, root []byte, opts handover.Options) []string {
	var ptrs []uint64
	if st.Root.MemoryMap != 0 {
		ptrs = append(ptrs, st.Root.MemoryMap)
	}
	for _, c := range st.Clients {
		if c.Addr != 0 {
			ptrs = append(ptrs, c.Addr)
		}
	}
	for _, p := range ptrs {
		if phys.Holds(raw, p, 1) {
			return nil
		}
	}
	fits := func(m phys.Memory) bool {
		s, err := handover.Walk(root, m, opts)
		return err == nil && len(s.Problems) == 0
	}
	if base, ok := raw.BaseHint(ptrs, fits); ok {
		return []string{raw.BaseHintNote(base)}
	}
	return nil
}

// checkOverrides makes sure each generation override names a generation
// of the right component.
func (f *stateFlags) checkOverrides() error {
	for _, o := range []struct {
		flag, tag string
		comp      abi.Component
	}{{"--kho", f.kho, abi.ComponentKHO}, {"--luo", f.luo, abi.ComponentLUO}, {"--memfd", f.mfd, abi.ComponentMemfd}} {
		if o.tag == "" {
			continue
		}
		if g, ok := abi.Lookup(o.tag); !ok || g.Component != o.comp {
			return usageError{fmt.Errorf("%s %q is not a %s generation (see 'luoinspect abi list')", o.flag, o.tag, o.comp)}
		}
	}
	return nil
}

// load reads the state the flags and the optional SOURCE argument name.
// Its memory stops serving reads once the command's context is done.
func (f *stateFlags) load(args []string) (*loaded, error) {
	if err := f.checkOverrides(); err != nil {
		return nil, err
	}
	opts := handover.Options{KHO: f.kho, LUO: f.luo, Memfd: f.mfd}
	if f.sample != "" {
		if len(args) > 0 {
			return nil, usageError{fmt.Errorf("--sample takes no SOURCE argument")}
		}
		return f.loadSample(opts)
	}
	spec := "live"
	if len(args) == 1 {
		spec = args[0]
	} else if len(args) > 1 {
		return nil, usageError{fmt.Errorf("at most one SOURCE, got %d", len(args))}
	}
	return f.loadSource(spec, opts)
}

func (f *stateFlags) loadSample(opts handover.Options) (*loaded, error) {
	name := f.sample
	spec, err := handover.Sample(name)
	if err != nil {
		return nil, usageError{err}
	}
	enc, err := handover.Encode(spec)
	if err != nil {
		return nil, err
	}
	mem := cancelOn(f.context(), enc.Image)
	st, err := handover.Walk(enc.Root, f.walkMem(mem), opts)
	if err == nil {
		err = stopped(f.context())
	}
	if err != nil {
		return nil, err
	}
	blobs := encodedBlobs(enc)
	st.RootAddr, st.RootOrigin = blobs.RootAddr, blobs.Origin
	return &loaded{state: st, mem: mem, blobs: blobs, name: "sample " + name, close: func() error { return nil }}, nil
}

// encodedBlobs describes an encoded state the way debugfs shows it.
func encodedBlobs(enc *handover.Encoded) *source.Blobs {
	origin := "written by luoinspect encode"
	if enc.Spec.Name != "" {
		origin += " (" + enc.Spec.Name + ")"
	}
	b := &source.Blobs{Side: "out", Origin: origin, Root: enc.Root, RootAddr: enc.RootAddr, Scratch: enc.Scratch}
	for _, name := range slices.Sorted(maps.Keys(enc.Blobs)) {
		b.Subs = append(b.Subs, source.Blob{Name: name, Data: enc.Blobs[name]})
	}
	return b
}

// loadSource opens a source, finds the KHO root (debugfs-style blobs, or a
// survey of memory for dumps) and walks the state at the stage the source
// shows: an incoming side (debugfs in/, or a dump's incoming root next to
// the running kernel's own) has been through the receiving kernel's boot.
func (f *stateFlags) loadSource(spec string, opts handover.Options) (*loaded, error) {
	var rootAddr uint64
	if f.root != "" {
		var err error
		if rootAddr, err = strconv.ParseUint(f.root, 0, 64); err != nil {
			return nil, usageError{fmt.Errorf("--root %q: want a physical address such as 0x1f9000", f.root)}
		}
	}
	if err := checkSourceSpec(spec); err != nil {
		return nil, err
	}
	src, err := source.Open(spec)
	if err != nil {
		return nil, err
	}
	for _, w := range source.Warnings(src) {
		f.warn(w)
	}
	ctx := f.context()
	mem := cancelOn(ctx, src)
	blobs, err := src.Blobs()
	var notes []string
	var roots []handover.RootSeen
	switch {
	case errors.Is(err, source.ErrNoBlobs):
		var survey *source.RootSurvey
		blobs, survey, err = surveyRoots(ctx, src, f.root != "", rootAddr, f.stderr())
		if survey != nil {
			opts.Stage = survey.Stage
			notes, roots = survey.Describe(), survey.Seen()
		}
	case err == nil && f.root != "":
		err = usageError{fmt.Errorf("--root applies to memory dumps; %s shows its root through debugfs", src.Describe())}
	}
	if err == nil && blobs.Root == nil {
		err = fmt.Errorf("%s has no KHO root (%s)", src.Describe(), blobs.Origin)
	}
	if err != nil {
		src.Close()
		return nil, err
	}
	if blobs.Side == source.SideIn && opts.Stage == abi.StageHandover {
		// debugfs in/ exists once the receiving kernel has booted.
		opts.Stage = abi.StageBooted
	}
	notes = append(blobs.Notes, notes...)
	opts.SubBlobs = map[string][]byte{}
	for _, b := range blobs.Subs {
		opts.SubBlobs[b.Name] = b.Data
	}
	st, err := handover.Walk(blobs.Root, f.walkMem(mem), opts)
	if cerr := stopped(ctx); cerr != nil {
		err = cerr
	} else if err != nil && f.brokenRoot {
		return &loaded{mem: mem, blobs: blobs, name: src.Describe(), close: src.Close, walkErr: err}, nil
	}
	if err != nil {
		src.Close()
		return nil, err
	}
	if blobs.Side == source.SideOut {
		notes = append(notes, pendingSessionsNote(st)...)
	}
	if raw, ok := src.(*source.Raw); ok {
		notes = append(notes, rawBaseNote(raw, st, blobs.Root, opts)...)
	}
	st.Notes, st.Roots = notes, roots
	st.RootAddr, st.RootOrigin = blobs.RootAddr, blobs.Origin
	if err := stopped(ctx); err != nil {
		src.Close()
		return nil, err
	}
	return &loaded{state: st, mem: mem, blobs: blobs, name: src.Describe(), close: src.Close}, nil
}

// surveyRoots finds the KHO roots of a memory-only source (a dump),
// chooses one (or the one at addr when pick is set) and reads its blobs.
func surveyRoots(ctx context.Context, src source.Source, pick bool, addr uint64, stderr io.Writer) (*source.Blobs, *source.RootSurvey, error) {
	p := newProgress(stderr, "scanning memory for the KHO root", true)
	survey, err := source.SurveyWith(ctx, src, source.SurveyOptions{Progress: p.update})
	p.done()
	if err != nil {
		return nil, nil, err
	}
	if survey == nil {
		return nil, nil, fmt.Errorf("%s: no KHO root FDT (a page starting with d0 0d fe ed whose compatible is kho-v*) in the memory it holds", src.Describe())
	}
	if pick {
		if err := survey.Choose(addr); err != nil {
			return nil, nil, usageError{err}
		}
	}
	side := ""
	switch survey.Candidates[survey.Chosen].Role {
	case source.RoleIncoming:
		side = source.SideIn
	case source.RoleOutgoing:
		side = source.SideOut
	}
	c := survey.Candidates[survey.Chosen]
	if c.Broken != nil {
		// What the handoff names is what the kernel reads: keep it whole
		// for validate, which reports the kernel's verdict on it.
		return &source.Blobs{Side: side, Origin: fmt.Sprintf("memory at PA 0x%x (via %s)", c.Addr, c.Via), Root: c.Blob(), RootAddr: c.Addr}, survey, nil
	}
	blobs, err := source.BlobsFromMemory(src, c.RootRef, side)
	return blobs, survey, err
}
