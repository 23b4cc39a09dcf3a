package dump

import (
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/source"
)

// dumpRun loads the state and writes it, or the part --path selects, in
// the format asked for.
func dumpRun(opts *DumpOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "tree", "json", "yaml", "jsonl", "spec"); err != nil {
		return err
	}
	if err := cmdutil.CheckChoice("--detail", opts.Detail, "summary", "full"); err != nil {
		return err
	}
	paint := opts.IO.TreePainter()
	l, err := opts.State.Load(opts.Context, opts.IO)
	if err != nil {
		return err
	}
	defer l.Close()
	if opts.Digest {
		l.State.ComputeDigests(l.Memory)
		if err := inspect.Stopped(opts.Context); err != nil {
			return err
		}
	}
	out, format, path, full := opts.IO.Out, opts.Format, opts.Path, opts.Detail == "full"
	switch {
	case format == "jsonl":
		if _, err := render.Canonical(render.Model(l.State), path); err != nil {
			return cmdutil.UsageError{Err: err}
		}
		return render.WriteJSONL(out, l.State, l.Memory, path)
	case format == "tree" && path == "":
		if full {
			return render.FullTree(out, l.State, l.Memory, paint)
		}
		return render.Tree(out, l.State, paint)
	}
	var doc any
	switch {
	case format == "spec":
		doc = l.State.SpecWith(l.Memory, specOptions(&opts.State))
	case full:
		if doc, err = render.FullModel(l.State, l.Memory); err != nil {
			return err
		}
	default:
		doc = render.Model(l.State)
	}
	if path != "" {
		if doc, err = render.Select(doc, path); err != nil {
			return cmdutil.UsageError{Err: err}
		}
	}
	if format == "tree" || format == "spec" {
		format = "yaml"
	}
	return cmdutil.WriteDoc(out, format, doc)
}

// specOptions are the options of 'dump -o spec': contents too large to
// embed are referenced to the SOURCE, named so that it opens from any
// directory. Samples are never referenced (they are made, not read),
// nor are live memory (live, kcore, devmem: it changes) and sources
// without memory (debugfs, blobs, standard input).
func specOptions(o *cmdutil.StateOptions) handover.SpecOptions {
	if o.Sample != "" || len(o.Sources) != 1 {
		return handover.SpecOptions{}
	}
	spec, err := source.ParseSpec(o.Sources[0])
	if err != nil {
		return handover.SpecOptions{}
	}
	if spec, ok := spec.Reopenable(); ok {
		return handover.SpecOptions{Source: spec.String()}
	}
	return handover.SpecOptions{}
}
