package cmdutil

import (
	"bytes"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a plain, borderless table for human output, header printed as
// given (tablewriter's header auto-format is off) and no trailing blanks.
// Machine output never goes through tables: commands offer -o json|yaml.
type Table struct {
	w   io.Writer
	buf bytes.Buffer
	t   *tablewriter.Table
}

// NewTable returns a table writing to w with the given column headers.
func NewTable(w io.Writer, header ...string) *Table {
	tb := &Table{w: w}
	tb.t = tablewriter.NewTable(&tb.buf,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
	)
	tb.t.Header(header)
	return tb
}

// Append adds a row.
func (tb *Table) Append(row []string) error { return tb.t.Append(row) }

// Render writes the table with trailing blanks removed from every line.
func (tb *Table) Render() error {
	if err := tb.t.Render(); err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimRight(tb.buf.String(), " \n"), "\n") {
		out.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	_, err := io.WriteString(tb.w, out.String())
	return err
}
