package main

import (
	"github.com/luoinspect/luoinspect/render"
	"github.com/spf13/cobra"
)

func newDumpCmd(s *streams) *cobra.Command {
	var sf stateFlags
	var format, path string
	var digest bool
	c := &cobra.Command{
		Use:   "dump [SOURCE | --sample NAME]",
		Short: "Show the whole handover state, or one part of it",
		Long: "dump walks the handover state from the KHO root through every client,\n" +
			"session, file and memfd payload, and prints it as a tree (-o tree), as\n" +
			"JSON or YAML with a stable schema (-o json|yaml, see docs/state.schema.json),\n" +
			"or as a spec that 'encode' turns back into the same state (-o spec).\n" +
			"--path selects a part: kho/clients/LUO, luo/sessions/vm0/files/3 (lists\n" +
			"are indexed by name, token or position).\n\n" + sourceHelp,
		Example: "  luoinspect dump --sample k2-lflb-m1\n" +
			"  luoinspect dump --sample k4-luov5-m2b -o json --path luo/sessions/big/files/1",
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat(format, "tree", "json", "yaml", "spec"); err != nil {
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
			defer l.close()
			if digest {
				l.state.ComputeDigests(l.mem)
				if err := stopped(c.Context()); err != nil {
					return err
				}
			}
			var doc any = render.Model(l.state)
			switch {
			case format == "spec":
				doc = l.state.Spec(l.mem)
			case format == "tree" && path == "":
				return render.Tree(s.Out, l.state, paint)
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
	c.Flags().StringVarP(&format, "output", "o", "tree", "output format: tree, json, yaml or spec")
	c.Flags().StringVar(&path, "path", "", "show only this part of the state (e.g. luo/sessions/vm0)")
	c.Flags().BoolVar(&digest, "digest", false, "read every memfd's folio pages and show the sha256 of its contents (holes as zeros, cut at size): what sha256sum gives on the restored file")
	return c
}
