package main

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/render"
	"github.com/spf13/cobra"
)

func newABIDetectCmd(s *streams) *cobra.Command {
	var sf stateFlags
	var format string
	c := &cobra.Command{
		Use:   "detect [SOURCE | --sample NAME]",
		Short: "Name the ABI generation of each component of a state, with the evidence",
		Long: "detect reads a state and names the layout generation of the KHO core,\n" +
			"LUO and memfd components, how sure it is (certain, high, low, or\n" +
			"assumed when --kho/--luo/--memfd named it), the facts that contradict\n" +
			"it (conflicts: a part the generation writes that is missing), the\n" +
			"generations that read the same bytes the same way, and the facts it\n" +
			"went by. --kho/--luo/--memfd override a detection.\n\n" + sourceHelp,
		Example: "  luoinspect abi detect before.core\n  luoinspect abi detect --sample k1b-lv6-m1 -o json",
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json", "yaml"); err != nil {
				return err
			}
			l, err := sf.load(args)
			if err != nil {
				return err
			}
			defer l.Close()
			gens := render.Model(l.State).Generations
			if format != "text" {
				return writeDoc(s.Out, format, gens)
			}
			for _, c := range []struct {
				name string
				c    render.Component
			}{{"KHO", gens.KHO}, {"LUO", gens.LUO}, {"memfd", gens.Memfd}} {
				if c.c.Tag == "" {
					fmt.Fprintf(s.Out, "%-6s absent\n", c.name)
					continue
				}
				line := fmt.Sprintf("%-6s %s (%s", c.name, c.c.Tag, c.c.Confidence)
				if len(c.c.Alternatives) > 0 {
					line += "; reads the same as " + strings.Join(c.c.Alternatives, ", ")
				}
				fmt.Fprintln(s.Out, line+")")
				for _, e := range c.c.Evidence {
					fmt.Fprintf(s.Out, "       - %s\n", e)
				}
				for _, e := range c.c.Conflicts {
					fmt.Fprintf(s.Out, "       ! conflict: %s\n", e)
				}
			}
			return nil
		},
	}
	sf.register(c)
	c.Flags().StringVarP(&format, "output", "o", "text", "output format: text, json or yaml")
	return c
}
