// Package annot describes what each byte of a binary blob means, as a list
// of labelled regions, and renders such a list as an annotated hex dump.
// The fdt and abi packages produce regions for FDT blobs and packed structs;
// the CLI's hexdump command renders them.
package annot

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Kind classifies a region so a renderer can colour it.
type Kind int

// Region kinds.
const (
	Header  Kind = iota + 1 // a header field
	Reserve                 // a memory-reservation entry
	Token                   // an FDT token and its fixed fields
	Name                    // a node or property name
	Value                   // a property value or a struct field
	Padding                 // alignment padding
	Strings                 // the FDT strings block
	Unused                  // bytes no structure uses (gaps, leftovers)
)

var kindNames = [...]string{
	Header: "header", Reserve: "reserve", Token: "token", Name: "name",
	Value: "value", Padding: "padding", Strings: "strings", Unused: "unused",
}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Region is a labelled byte range.
type Region struct {
	Offset int
	Size   int
	Kind   Kind
	Label  string // what the bytes are, e.g. "header.totalsize" or "/LUO fdt"
	Value  string // the decoded value, e.g. "152" or "u64 LE 0x116be4000"
}

// Options controls rendering.
type Options struct {
	// Base is added to every printed offset (a physical address, say).
	Base uint64
	// Paint, when set, wraps text in colour for a region kind.
	Paint func(k Kind, s string) string
}

const bytesPerLine = 16

// Write renders data as hex lines, one or more per region, with the
// region's label and value beside its first line. Bytes no region covers
// are shown as unused.
func Write(w io.Writer, data []byte, regions []Region, opts Options) error {
	paint := opts.Paint
	if paint == nil {
		paint = func(_ Kind, s string) string { return s }
	}
	var b strings.Builder
	for _, r := range fill(regions, len(data)) {
		for off := r.Offset; off < r.Offset+r.Size; off += bytesPerLine {
			end := min(off+bytesPerLine, r.Offset+r.Size)
			hex := fmt.Sprintf("% x", data[off:end])
			fmt.Fprintf(&b, "0x%08x  %s", opts.Base+uint64(off), paint(r.Kind, hex))
			if off == r.Offset {
				b.WriteString(strings.Repeat(" ", 3*bytesPerLine-1-len(hex)))
				fmt.Fprintf(&b, "  %-8s %s", r.Kind, r.Label)
				if r.Value != "" {
					b.WriteString(" = " + r.Value)
				}
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fill sorts the regions, clips them to size and to each other, and covers
// every byte they leave out with Unused regions.
func fill(regions []Region, size int) []Region {
	rs := append([]Region(nil), regions...)
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].Offset < rs[b].Offset })
	var out []Region
	pos := 0
	for _, r := range rs {
		if r.Offset < pos {
			r.Size -= pos - r.Offset
			r.Offset = pos
		}
		r.Size = min(r.Size, size-r.Offset)
		if r.Size <= 0 {
			continue
		}
		if r.Offset > pos {
			out = append(out, Region{Offset: pos, Size: r.Offset - pos, Kind: Unused, Label: "unused"})
		}
		out = append(out, r)
		pos = r.Offset + r.Size
	}
	if pos < size {
		out = append(out, Region{Offset: pos, Size: size - pos, Kind: Unused, Label: "unused"})
	}
	return out
}
