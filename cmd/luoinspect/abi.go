package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/luoinspect/luoinspect/abi/schema/btfsrc"
	"github.com/spf13/cobra"
)

// newABICmd is "luoinspect abi": the handover ABI registry, snapshots of
// kernels, and the compatibility check between two of them.
func newABICmd(s *streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "abi",
		Short: "List, show, extract and compare handover ABI layouts",
		Long: "abi works on ABI snapshots (schema luoinspect.abi/v1): the compatible\n" +
			"strings, FDT schema, struct layouts and constants of KHO, LUO and memfd.\n" +
			"A SOURCE is a registry generation tag or a combination such as\n" +
			"K4+L-luo-v5+M2b, a kernel source tree, a vmlinux image or raw BTF file\n" +
			"(such as /sys/kernel/btf/vmlinux), or a schema JSON file written by\n" +
			"'abi extract'.",
	}
	c.AddCommand(newABIListCmd(s), newABIShowCmd(s), newABIDetectCmd(s), newABIExtractCmd(s), newABIDiffCmd(s))
	return c
}

// loadABISource resolves a SOURCE argument to a snapshot. A generation
// combination that does not hold together is a usage error; an argument
// that names no file, directory or generation is an input that cannot be
// read (exit 1), as a missing path is for every command.
func loadABISource(arg string) (*schema.Snapshot, error) {
	st, statErr := os.Stat(arg)
	switch {
	case statErr == nil && st.IsDir():
		return schema.FromKernelTree(arg)
	case statErr == nil:
		f, err := os.Open(arg)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		head := make([]byte, 512)
		n, err := io.ReadFull(f, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, err
		}
		head = head[:n]
		switch {
		case schema.LooksLikeSchema(head):
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			s, err := schema.Read(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", arg, err)
			}
			return s, nil
		case btfsrc.IsBTF(head):
			return btfsrc.Load(arg)
		}
		return nil, fmt.Errorf("%s: not a schema JSON, vmlinux or BTF file", arg)
	case schema.IsRegistrySpec(arg) || strings.Contains(arg, "+"):
		snap, err := schema.FromRegistry(arg)
		if err != nil {
			return nil, usageError{err}
		}
		return snap, nil
	case !errors.Is(statErr, fs.ErrNotExist):
		return nil, statErr
	}
	return nil, fmt.Errorf("%q is not a file, a directory or a generation tag (see 'luoinspect abi list')", arg)
}

// warnSnapshot prints a snapshot's build warnings on stderr.
func (s *streams) warnSnapshot(snap *schema.Snapshot) {
	for _, w := range snap.Warnings {
		fmt.Fprintf(s.Err, "luoinspect: warning: %s: %s\n", snap.Source, w)
	}
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

func newABIListCmd(s *streams) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the known layout generations",
		Args:  exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json", "yaml"); err != nil {
				return err
			}
			var rows []genRow
			for _, g := range abi.All() {
				rows = append(rows, genRow{Tag: g.Tag, Component: g.Component.String(), Compatibles: nonNil(g.Compatibles),
					Status: g.Status.String(), Verified: g.Verified, Kernels: nonNil(g.Kernels), Summary: g.Summary})
			}
			if format != "table" {
				return writeDoc(s.Out, format, rows)
			}
			t := newTable(s.Out, "TAG", "COMPONENT", "COMPATIBLES", "STATUS", "KERNELS")
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
		},
	}
	c.Flags().StringVarP(&format, "output", "o", "table", "output format: table, json or yaml")
	return c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
