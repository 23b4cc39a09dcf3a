package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/spf13/cobra"
)

func newFDTCheckCmd(s *streams) *cobra.Command {
	var lenient bool
	c := &cobra.Command{
		Use:   "check FILE",
		Short: "Check an FDT blob as strictly as libfdt's fdt_check_full, and more",
		Long: "check parses FILE strictly and prints a one-line summary, or the first\n" +
			"problem with its byte offset. With --lenient it reads as much as it can\n" +
			"and lists every problem. FILE - reads standard input; a file is read\n" +
			"header first and never past its totalsize (at most 64 MiB).\n" +
			"Exit code 4 means problems were found (a file that is no FDT blob too).",
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			name := displayName(args[0])
			read := readFDTFile
			if lenient {
				read = readAnyFile // whatever the file holds, read as far as it goes
			}
			data, err := read(args[0])
			var bf blobFinding
			if errors.As(err, &bf) {
				// The file's name leads the reader's message: one line.
				fmt.Fprintf(s.Out, "%s: error: %s\n", name, strings.TrimPrefix(bf.msg, name+": "))
				return exitCodeError{exitFindings}
			}
			if err != nil {
				return err
			}
			return fdtCheck(s, name, data, lenient)
		},
	}
	c.Flags().BoolVar(&lenient, "lenient", false, "list every problem instead of stopping at the first")
	return c
}

func fdtCheck(s *streams, name string, data []byte, lenient bool) error {
	var problems []*fdt.Error
	t, err := fdt.Parse(data)
	if err != nil {
		problems = []*fdt.Error{err.(*fdt.Error)}
		if lenient {
			t, problems = fdt.ParseLenient(data)
		}
	}
	for _, p := range problems {
		fmt.Fprintf(s.Out, "%s: error: %v\n", name, p)
	}
	if t != nil {
		for _, n := range t.Notices {
			fmt.Fprintf(s.Out, "%s: notice: %v\n", name, n)
		}
	}
	if len(problems) > 0 {
		return exitCodeError{exitFindings}
	}
	h := t.Header
	fmt.Fprintf(s.Out, "%s: ok: version %d, totalsize %d, %d nodes, %d properties, %d reserve entries\n",
		name, h.Version, h.TotalSize, t.NumNodes(), t.NumProperties(), len(t.Reserve))
	return nil
}
