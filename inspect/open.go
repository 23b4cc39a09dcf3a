package inspect

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
)

// Open opens the source a SOURCE spec names (see source.Open for the
// forms) and walks its state. A spec written wrong is a
// *source.SpecError; options that cannot apply are an *OptionError.
func Open(spec string, opts Options) (*Session, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	ps, err := source.ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	src, err := ps.Open()
	if err != nil {
		return nil, err
	}
	s, err := openSource(src, opts)
	if err != nil {
		src.Close()
		return nil, err
	}
	return s, nil
}

// openSource finds the root of an opened source and walks its state.
func openSource(src source.Source, opts Options) (*Session, error) {
	for _, w := range source.Warnings(src) {
		opts.warn(w)
	}
	ctx := opts.context()
	mem := StopOn(ctx, src)
	s := &Session{Memory: mem, Source: src, Description: src.Describe(), close: src.Close}
	if opts.MemoryOnly {
		return s, nil
	}
	root, err := findRoot(src, opts)
	if err != nil {
		return nil, err
	}
	s.Blobs = root.blobs
	if root.blobs.Root == nil {
		return nil, fmt.Errorf("%s has no KHO root (%s)", src.Describe(), root.blobs.Origin)
	}
	wo := opts.walkOptions()
	wo.Stage = root.stage
	if root.blobs.Side == source.SideIn && wo.Stage == abi.StageHandover {
		// debugfs in/ exists once the receiving kernel has booted.
		wo.Stage = abi.StageBooted
	}
	wo.SubBlobs = map[string][]byte{}
	for _, b := range root.blobs.Subs {
		wo.SubBlobs[b.Name] = b.Data
	}
	st, err := handover.Walk(root.blobs.Root, opts.walkMem(mem), wo)
	if cerr := Stopped(ctx); cerr != nil {
		return nil, cerr
	}
	if err != nil && opts.KeepBrokenRoot {
		s.WalkErr = err
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	notes := append(slices.Clone(root.blobs.Notes), root.notes...)
	if root.blobs.Side == source.SideOut {
		notes = append(notes, pendingSessionsNote(st)...)
	}
	if raw, ok := src.(*source.Raw); ok {
		notes = append(notes, rawBaseNote(raw, st, root.blobs.Root, wo)...)
	}
	st.Notes, st.Roots = notes, root.seen
	st.RootAddr, st.RootOrigin = root.blobs.RootAddr, root.blobs.Origin
	s.State = st
	return s, Stopped(ctx)
}

// foundRoot is the root a source shows and how it was chosen.
type foundRoot struct {
	blobs *source.Blobs
	stage abi.Stage
	notes []string
	seen  []handover.RootSeen
}

// findRoot reads the source's debugfs-style blobs or, for a memory-only
// source (a dump), surveys memory for the KHO roots and chooses one.
func findRoot(src source.Source, opts Options) (foundRoot, error) {
	blobs, err := src.Blobs()
	switch {
	case errors.Is(err, source.ErrNoBlobs):
		return surveyRoot(src, opts)
	case err != nil:
		return foundRoot{}, err
	case opts.HasRoot:
		return foundRoot{}, &OptionError{"root", fmt.Sprintf("0x%x", opts.Root),
			fmt.Sprintf("--root applies to memory dumps; %s shows its root through debugfs", src.Describe())}
	}
	return foundRoot{blobs: blobs}, nil
}

// surveyRoot finds the KHO roots of a memory-only source, chooses one (or
// the one at Options.Root) and reads its blobs.
func surveyRoot(src source.Source, opts Options) (foundRoot, error) {
	survey, err := source.SurveyWith(opts.context(), src, source.SurveyOptions{Progress: opts.Progress})
	if err != nil {
		return foundRoot{}, err
	}
	if survey == nil {
		return foundRoot{}, fmt.Errorf("%s: no KHO root FDT (a page starting with d0 0d fe ed whose compatible is kho-v*) in the memory it holds", src.Describe())
	}
	if opts.HasRoot {
		if err := survey.Choose(opts.Root); err != nil {
			return foundRoot{}, &OptionError{"root", fmt.Sprintf("0x%x", opts.Root), err.Error()}
		}
	}
	found := foundRoot{stage: survey.Stage, notes: survey.Describe(), seen: survey.Seen()}
	c := survey.Candidates[survey.Chosen]
	side := ""
	switch c.Role {
	case source.RoleIncoming:
		side = source.SideIn
	case source.RoleOutgoing:
		side = source.SideOut
	}
	if c.Broken != nil {
		// What the handoff names is what the kernel reads: keep it whole
		// for a checker, which reports the kernel's verdict on it.
		found.blobs = &source.Blobs{Side: side, Origin: fmt.Sprintf("memory at PA 0x%x (via %s)", c.Addr, c.Via), Root: c.Blob(), RootAddr: c.Addr}
		return found, nil
	}
	found.blobs, err = source.BlobsFromMemory(src, c.RootRef, side)
	return found, err
}

// OpenSample encodes an embedded sample (handover.SampleNames) and walks
// it.
func OpenSample(name string, opts Options) (*Session, error) {
	spec, err := handover.Sample(name)
	if err != nil {
		return nil, &OptionError{"sample", name, err.Error()}
	}
	return openSpec(spec, "sample "+name, opts)
}

// OpenSpec encodes a spec (docs/spec-format.md) the way the kernels of its
// generations would and walks the result; name describes it ("spec
// my-state.yaml").
func OpenSpec(spec *handover.Spec, name string, opts Options) (*Session, error) {
	return openSpec(spec, name, opts)
}

func openSpec(spec *handover.Spec, name string, opts Options) (*Session, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	enc, err := handover.EncodeWith(spec, EncodeOptions(opts.Warn))
	if err != nil {
		return nil, err
	}
	mem := StopOn(opts.context(), enc.Memory())
	blobs := EncodedBlobs(enc)
	if opts.MemoryOnly {
		return &Session{Memory: mem, Blobs: blobs, Description: name, close: enc.Close}, nil
	}
	st, err := handover.Walk(enc.Root, opts.walkMem(mem), opts.walkOptions())
	if err == nil {
		err = Stopped(opts.context())
	}
	if err != nil {
		enc.Close()
		return nil, err
	}
	st.RootAddr, st.RootOrigin = blobs.RootAddr, blobs.Origin
	return &Session{State: st, Memory: mem, Blobs: blobs, Description: name, close: enc.Close}, nil
}

// EncodeOptions are the options to encode a spec whose memfd contents
// refer to sources: each is opened as Open opens a SOURCE, its warnings
// passed to warn (nil drops them).
func EncodeOptions(warn func(string)) handover.EncodeOptions {
	return handover.EncodeOptions{Open: func(name string) (handover.ContentSource, error) {
		src, err := source.Open(name)
		if err != nil {
			return nil, err
		}
		for _, w := range source.Warnings(src) {
			if warn != nil {
				warn(name + ": " + w)
			}
		}
		return src, nil
	}}
}

// EncodedBlobs describes an encoded state the way debugfs shows it.
func EncodedBlobs(enc *handover.Encoded) *source.Blobs {
	origin := "written by luoinspect encode"
	if enc.Spec.Name != "" {
		origin += " (" + enc.Spec.Name + ")"
	}
	b := &source.Blobs{Side: source.SideOut, Origin: origin, Root: enc.Root, RootAddr: enc.RootAddr, Scratch: enc.Scratch}
	for _, name := range slices.Sorted(maps.Keys(enc.Blobs)) {
		b.Subs = append(b.Subs, source.Blob{Name: name, Data: enc.Blobs[name]})
	}
	return b
}
