package abi

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
)

// showTree prints a snapshot for humans.
func showTree(w io.Writer, snap *schema.Snapshot) error {
	fmt.Fprintf(w, "%s (%s, %s)\n", snap.Source, snap.Origin, snap.Schema)
	for _, c := range snap.Components {
		fmt.Fprintf(w, "\n%s", c.Name)
		if len(c.Generations) > 0 {
			fmt.Fprintf(w, "  generations: %s", strings.Join(c.Generations, ", "))
		}
		if len(c.Compatibles) > 0 {
			fmt.Fprintf(w, "  compatibles: %s", strings.Join(c.Compatibles, ", "))
		}
		if c.Root != "" {
			fmt.Fprintf(w, "  blob: struct %s", c.Root)
		}
		fmt.Fprintln(w)
		if len(c.Nodes) > 0 {
			fmt.Fprintln(w, "  FDT")
			for _, n := range c.Nodes {
				showNode(w, n)
			}
		}
		for _, st := range c.Structs {
			showStruct(w, st)
		}
		if len(c.Constants) > 0 {
			fmt.Fprintln(w, "  constants")
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, k := range c.Constants {
				v := fmt.Sprintf("%d", k.Value)
				if k.IsString {
					v = fmt.Sprintf("%q", k.String)
				} else if k.Value > 9 {
					v += fmt.Sprintf(" (%#x)", k.Value)
				}
				fmt.Fprintf(tw, "    %s\t= %s\n", k.Name, v)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// showNode prints an FDT node of a snapshot's schema with its
// properties.
func showNode(w io.Writer, n schema.Node) {
	name := n.Path
	if n.FDT != "" {
		name = n.FDT + ":" + n.Path
	}
	var flags []string
	if n.Compatible != "" {
		flags = append(flags, fmt.Sprintf("compatible %q", n.Compatible))
	}
	if n.Required {
		flags = append(flags, "required")
	}
	if n.Repeated {
		flags = append(flags, "repeated")
	}
	fmt.Fprintf(w, "    %s  %s\n", name, strings.Join(flags, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range n.Props {
		size := "var"
		if p.Size > 0 {
			size = fmt.Sprint(p.Size)
		}
		req := "optional"
		if p.Required {
			req = "required"
		}
		extra := ""
		if p.Struct != "" {
			extra = "struct " + p.Struct
		}
		fmt.Fprintf(tw, "      %s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, size, req, extra)
	}
	_ = tw.Flush()
}

// showStruct prints a struct layout member by member.
func showStruct(w io.Writer, st *schema.Struct) {
	packed := ""
	if st.Packed {
		packed = ", packed"
	}
	fmt.Fprintf(w, "  struct %s (%s%s)\n", st.Name, cmdutil.Plural(st.Size, "byte"), packed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range st.Fields {
		where := fmt.Sprintf("@%d", f.Offset)
		if f.BitSize > 0 {
			where = fmt.Sprintf("@%d bits %d..%d", f.Offset, f.BitOffset, f.BitOffset+f.BitSize-1)
		}
		fmt.Fprintf(tw, "    %s\t%d\t%s\t%s\t%s\n", where, f.Size, f.Name, f.Type, f.Kind)
	}
	_ = tw.Flush()
}
