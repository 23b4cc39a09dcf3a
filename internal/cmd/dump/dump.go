// Package dump is the "luoinspect dump" command: the whole handover
// state, or one part of it, as a tree or as a document.
package dump

import (
	"context"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// DumpOptions is what the dump command runs with.
type DumpOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	State   cmdutil.StateOptions
	// Format is -o: tree, json, yaml, jsonl or spec.
	Format string
	// Detail is --detail: summary or full.
	Detail string
	// Path is --path: the part of the state to show ("" for all of it).
	Path string
	// Digest reads every memfd's pages and shows the sha256 of its
	// contents.
	Digest bool
}

// NewCmdDump builds the dump command; runF, when not nil, runs instead
// of the command's own run (for tests).
func NewCmdDump(f *cmdutil.Factory, runF func(*DumpOptions) error) *cobra.Command {
	opts := &DumpOptions{IO: f.IOStreams}
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
			"records at or below the part.\n\n" + cmdutil.SourceHelp,
		Example: "  luoinspect dump --sample k2-lflb-m1\n" +
			"  luoinspect dump --sample k4-luov5-m2b -o json --path luo/sessions/big/files/token=1\n" +
			"  luoinspect dump --sample k2-lflb-m1 --detail full\n" +
			"  luoinspect dump state.core -o jsonl --path 'luo/sessions/#0/files/#0/memfd/folios'",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.State.Sources = c.Context(), args
			if runF != nil {
				return runF(opts)
			}
			return dumpRun(opts)
		},
	}
	opts.State.Register(c)
	c.Flags().StringVarP(&opts.Format, "output", "o", "tree", "output format: tree, json, yaml, jsonl (one record per line, streamed) or spec")
	c.Flags().StringVar(&opts.Detail, "detail", "summary", "summary, or full: every record (folios, holes, preserved blocks, chunk and block chains, feature bits)")
	c.Flags().StringVar(&opts.Path, "path", "", "show only this part of the state (e.g. luo/sessions/vm0)")
	c.Flags().BoolVar(&opts.Digest, "digest", false, "read every memfd's folio pages and show the sha256 of its contents (holes as zeros, cut at size): what sha256sum gives on the restored file")
	return c
}
