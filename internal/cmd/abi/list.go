package abi

import (
	"fmt"
	"strings"

	abilib "github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// ListOptions is what the abi list command runs with.
type ListOptions struct {
	IO *iostreams.IOStreams
	// Format is -o: table, json or yaml.
	Format string
}

// NewCmdList builds the abi list command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "list",
		Short: "List the known layout generations",
		Args:  cmdutil.ExactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	c.Flags().StringVarP(&opts.Format, "output", "o", "table", "output format: table, json or yaml")
	return c
}

// genRow is one generation in 'abi list -o json|yaml'.
type genRow struct {
	Tag         string   `json:"tag" yaml:"tag"`
	Component   string   `json:"component" yaml:"component"`
	Compatibles []string `json:"compatibles" yaml:"compatibles"`
	Status      string   `json:"status" yaml:"status"`
	Verified    bool     `json:"verified" yaml:"verified"`
	Kernels     []string `json:"kernels" yaml:"kernels"`
	Summary     string   `json:"summary" yaml:"summary"`
}

// listRun lists the registry's generations as a table or a document.
func listRun(opts *ListOptions) error {
	if err := cmdutil.CheckFormat(opts.Format, "table", "json", "yaml"); err != nil {
		return err
	}
	var rows []genRow
	for _, g := range abilib.All() {
		rows = append(rows, genRow{Tag: string(g.Tag), Component: g.Component.String(), Compatibles: nonNil(g.Compatibles),
			Status: g.Status.String(), Verified: g.Verified, Kernels: nonNil(g.Kernels), Summary: g.Summary})
	}
	if opts.Format != "table" {
		return cmdutil.WriteDoc(opts.IO.Out, opts.Format, rows)
	}
	t := cmdutil.NewTable(opts.IO.Out, "TAG", "COMPONENT", "COMPATIBLES", "STATUS", "KERNELS")
	for _, r := range rows {
		comp := strings.Join(r.Compatibles, ", ")
		if comp == "" {
			comp = "-"
		}
		kern := "-"
		if len(r.Kernels) > 0 {
			kern = r.Kernels[0]
			if len(r.Kernels) > 1 {
				kern += fmt.Sprintf(" (+%d)", len(r.Kernels)-1)
			}
		}
		if err := t.Append([]string{r.Tag, r.Component, comp, r.Status, kern}); err != nil {
			return err
		}
	}
	return t.Render()
}

// nonNil is s, or an empty list for nil (a JSON [] rather than null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
