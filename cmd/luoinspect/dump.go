package main

import (
	"github.com/luoinspect/luoinspect/inspect"
	"github.com/luoinspect/luoinspect/render"
	"github.com/spf13/cobra"
)

func newDumpCmd(s *streams) *cobra.Command {
	var sf stateFlags
	var format, path, detail string
	var digest bool
	c := &cobra.Command{
		Use:   "dump [SOURCE | --sample NAME]",
		Short: "Show the whole handover state, or one part of it",
		Long: "dump walks the handover state from the KHO root through every client,\n" +
			"session, file and memfd payload, and prints it as a tree (-o tree), as\n" +
			"JSON or YAML with a stable schema (-o json|yaml, luoinspect.state/v2, see\n" +
			"docs/state.schema.json: every 64-bit value is a \"0x…\" string), as JSON\n" +
			"Lines (-o jsonl), or as a spec that 'encode' turns back into the same\n" +
			"state (-o spec).\n\n" +
			"--detail full adds every record: the root's address and how it was\n" +
			"found, the preserved-memory map block by block (its chunk list or radix\n" +
			"leaves, totals per order), LUO headers, feature words bit by bit,\n" +
			"session and file block chains, and for each memfd its vmalloc chunk\n" +
			"chain, every folio record (index, pfn, order, flags) and the holes\n" +
			"between them. The tree joins records that continue each other into one\n" +
			"line. -o jsonl always lists every record, one object per line with\n" +
			"\"record\" (its kind) and \"at\" (its selector), streamed in constant\n" +
			"memory.\n\n" +
			"--path selects a part. Segments are keys or, in a list, one of:\n" +
			"  #N        the element at position N (from 0)\n" +
			"  token=V   the file with token V (decimal or 0x… hex)\n" +
			"  NAME      the element with that name (a session, client, FLB)\n" +
			"e.g. luo/sessions/vm0/files/token=0x3/memfd, luo/sessions/#0/files/#2,\n" +
			"kho/map/blocks/#7 (with --detail full). With -o jsonl it keeps the\n" +
			"records at or below the part.\n\n" + sourceHelp,
		Example: "  luoinspect dump --sample k2-lflb-m1\n" +
			"  luoinspect dump --sample k4-luov5-m2b -o json --path luo/sessions/big/files/token=1\n" +
			"  luoinspect dump --sample k2-lflb-m1 --detail full\n" +
			"  luoinspect dump state.core -o jsonl --path 'luo/sessions/#0/files/#0/memfd/folios'",
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat(format, "tree", "json", "yaml", "jsonl", "spec"); err != nil {
				return err
			}
			if err := checkChoice("--detail", detail, "summary", "full"); err != nil {
				return err
			}
			paint, err := s.treePainter()
			if err != nil {
				return err
			}
			l, err := sf.load(args)
			if err != nil {
				return err
			}
			defer l.Close()
			if digest {
				l.State.ComputeDigests(l.Memory)
				if err := inspect.Stopped(c.Context()); err != nil {
					return err
				}
			}
			full := detail == "full"
			switch {
			case format == "jsonl":
				if _, err := render.Canonical(render.Model(l.State), path); err != nil {
					return usageError{err}
				}
				return render.WriteJSONL(s.Out, l.State, l.Memory, path)
			case format == "tree" && path == "":
				if full {
					return render.FullTree(s.Out, l.State, l.Memory, paint)
				}
				return render.Tree(s.Out, l.State, paint)
			}
			var doc any
			switch {
			case format == "spec":
				doc = l.State.SpecWith(l.Memory, specOptions(&sf, args))
			case full:
				if doc, err = render.FullModel(l.State, l.Memory); err != nil {
					return err
				}
			default:
				doc = render.Model(l.State)
			}
			if path != "" {
				if doc, err = render.Select(doc, path); err != nil {
					return usageError{err}
				}
			}
			if format == "tree" || format == "spec" {
				format = "yaml"
			}
			return writeDoc(s.Out, format, doc)
		},
	}
	sf.register(c)
	c.Flags().StringVarP(&format, "output", "o", "tree", "output format: tree, json, yaml, jsonl (one record per line, streamed) or spec")
	c.Flags().StringVar(&detail, "detail", "summary", "summary, or full: every record (folios, holes, preserved blocks, chunk and block chains, feature bits)")
	c.Flags().StringVar(&path, "path", "", "show only this part of the state (e.g. luo/sessions/vm0)")
	c.Flags().BoolVar(&digest, "digest", false, "read every memfd's folio pages and show the sha256 of its contents (holes as zeros, cut at size): what sha256sum gives on the restored file")
	return c
}
