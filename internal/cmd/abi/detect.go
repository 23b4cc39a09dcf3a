package abi

import (
	"context"
	"fmt"
	"io"

	abilib "github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/luoinspect/luoinspect/render"
	"github.com/spf13/cobra"
)

// DetectOptions is what the abi detect command runs with.
type DetectOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	State   cmdutil.StateOptions
	// Format is -o: text, json or yaml.
	Format string
}

// NewCmdDetect builds the abi detect command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdDetect(f *cmdutil.Factory, runF func(*DetectOptions) error) *cobra.Command {
	opts := &DetectOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "detect [SOURCE | --sample NAME]",
		Short: "Name the ABI generation of each component of a state, with the evidence",
		Long: "detect reads a state and names the layout generation of the KHO core,\n" +
			"LUO and memfd components, how sure it is (certain, high, low, or\n" +
			"assumed when --kho/--luo/--memfd named it), the facts that contradict\n" +
			"it (conflicts: a part the generation writes that is missing), the\n" +
			"generations that read the same bytes the same way, and the facts it\n" +
			"went by. --kho/--luo/--memfd override a detection.\n\n" + cmdutil.SourceHelp,
		Example: "  luoinspect abi detect before.core\n  luoinspect abi detect --sample k1b-lv6-m1 -o json",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.State.Sources = c.Context(), args
			if runF != nil {
				return runF(opts)
			}
			return detectRun(opts)
		},
	}
	opts.State.Register(c)
	c.Flags().StringVarP(&opts.Format, "output", "o", "text", "output format: text, json or yaml")
	return c
}

// detectRun loads the state and names its generations.
func detectRun(opts *DetectOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "text", "json", "yaml"); err != nil {
		return err
	}
	l, err := opts.State.Load(opts.Context, opts.IO)
	if err != nil {
		return err
	}
	defer l.Close()
	gens := render.Model(l.State).Generations
	if opts.Format != "text" {
		return cmdutil.WriteDoc(opts.IO.Out, opts.Format, gens)
	}
	writeGenerations(opts.IO.Out, gens)
	return nil
}

// writeGenerations prints each component's generation with the evidence.
func writeGenerations(w io.Writer, gens render.Generations) {
	for _, c := range []struct {
		name string
		c    render.Component
	}{{"KHO", gens.KHO}, {"LUO", gens.LUO}, {"memfd", gens.Memfd}} {
		if c.c.Tag == "" {
			fmt.Fprintf(w, "%-6s absent\n", c.name)
			continue
		}
		line := fmt.Sprintf("%-6s %s (%s", c.name, c.c.Tag, c.c.Confidence)
		if len(c.c.Alternatives) > 0 {
			line += "; reads the same as " + abilib.JoinTags(c.c.Alternatives, ", ")
		}
		fmt.Fprintln(w, line+")")
		for _, e := range c.c.Evidence {
			fmt.Fprintf(w, "       - %s\n", e)
		}
		for _, e := range c.c.Conflicts {
			fmt.Fprintf(w, "       ! conflict: %s\n", e)
		}
	}
}
