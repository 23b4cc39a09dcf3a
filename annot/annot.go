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
	Missing                 // bytes the input does not hold, shown as ??
)

var kindNames = [...]string{
	Header: "header", Reserve: "reserve", Token: "token", Name: "name",
	Value: "value", Padding: "padding", Strings: "strings", Unused: "unused",
	Missing: "missing",
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
	// Missing lists the bytes of data whose values are not known (memory
	// the source does not hold, bytes past the end of a file), sorted
	// and disjoint: they print as ??, and where no region covers them
	// they form Missing regions labelled MissingLabel ("missing" when
	// empty).
	Missing      []Span
	MissingLabel string
	// Want, when larger than len(data), is how many bytes the data should
	// hold (the totalsize of a blob cut short): a region reaching past
	// the end says how much of it is there, and a last line says where
	// the cut is and how many bytes are missing. WantOf names what gives
	// Want ("totalsize").
	Want   int
	WantOf string
	// More, when not zero, is how many bytes follow data without being
	// shown: a last line says so, with MoreHint (how to see them).
	More     uint64
	MoreHint string
}

const bytesPerLine = 16

// Write renders data as hex lines, one or more per region, with the
// region's label and value beside its first line. Bytes no region covers
// are shown as unused, or as missing where Options.Missing lists them.
func Write(w io.Writer, data []byte, regions []Region, opts Options) error {
	paint := opts.Paint
	if paint == nil {
		paint = func(_ Kind, s string) string { return s }
	}
	var b strings.Builder
	for _, r := range fill(regions, len(data), opts) {
		for off := r.Offset; off < r.Offset+r.Size; off += bytesPerLine {
			end := min(off+bytesPerLine, r.Offset+r.Size)
			hex := hexText(data, off, end, opts.Missing)
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
	b.WriteString(trailer(len(data), opts))
	_, err := io.WriteString(w, b.String())
	return err
}

// trailer is the line after the last region: where the data is cut, or
// how much follows it unshown; "" for neither.
func trailer(size int, opts Options) string {
	switch {
	case opts.Want > size:
		return fmt.Sprintf("── cut at byte 0x%x of 0x%x (%s): 0x%x bytes missing ──\n",
			size, opts.Want, opts.WantOf, opts.Want-size)
	case opts.More > 0:
		s := fmt.Sprintf("── 0x%x more bytes (%d) not shown", opts.More, opts.More)
		if opts.MoreHint != "" {
			s += ": " + opts.MoreHint
		}
		return s + " ──\n"
	}
	return ""
}

// hexText formats data[off:end] as space-separated hex, with ?? for each
// missing byte.
func hexText(data []byte, off, end int, missing []Span) string {
	if len(Clip(missing, off, end)) == 0 {
		return fmt.Sprintf("% x", data[off:end])
	}
	var b strings.Builder
	for i := off; i < end; i++ {
		if i > off {
			b.WriteByte(' ')
		}
		if In(missing, i) {
			b.WriteString("??")
		} else {
			fmt.Fprintf(&b, "%02x", data[i])
		}
	}
	return b.String()
}

// fill sorts the regions, clips them to size and to each other, and covers
// every byte they leave out with Unused regions (Missing ones where the
// bytes are missing). When the data is cut short of opts.Want, a region
// reaching past its end says how much of it the data holds.
func fill(regions []Region, size int, opts Options) []Region {
	rs := append([]Region(nil), regions...)
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].Offset < rs[b].Offset })
	var out []Region
	pos := 0
	for _, r := range rs {
		if r.Offset < pos {
			r.Size -= pos - r.Offset
			r.Offset = pos
		}
		if r.Offset+r.Size > size && opts.Want > size && r.Offset < size {
			r.Value = fmt.Sprintf("cut short: %d of its %d bytes are here", size-r.Offset, r.Size)
		}
		r.Size = min(r.Size, size-r.Offset)
		if r.Size <= 0 {
			continue
		}
		out = append(out, gaps(pos, r.Offset, opts)...)
		out = append(out, r)
		pos = r.Offset + r.Size
	}
	return append(out, gaps(pos, size, opts)...)
}

// gaps covers [from, to), which no region covers, with Unused regions,
// split into Missing ones where opts.Missing lists the bytes.
func gaps(from, to int, opts Options) []Region {
	label := opts.MissingLabel
	if label == "" {
		label = "missing"
	}
	var out []Region
	for _, s := range Clip(opts.Missing, from, to) {
		if s.Offset > from {
			out = append(out, Region{Offset: from, Size: s.Offset - from, Kind: Unused, Label: "unused"})
		}
		out = append(out, Region{Offset: s.Offset, Size: s.Size, Kind: Missing, Label: label})
		from = s.Offset + s.Size
	}
	if from < to {
		out = append(out, Region{Offset: from, Size: to - from, Kind: Unused, Label: "unused"})
	}
	return out
}
