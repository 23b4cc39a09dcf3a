package hexdump

import (
	"encoding/binary"
	"fmt"

	"github.com/luoinspect/luoinspect/fdt"
)

// fdtView annotates the FDT blob data (from name, as messages call it).
// A blob that parses strictly is shown whole. Anything else is shown as
// far as a lenient parse reads it, each of its problems a finding, and
// with the cut marked when the header announces bytes data does not hold
// (a truncated blob, blocks running past its end).
func fdtView(name string, data []byte) hexView {
	if t, err := fdt.Parse(data); err == nil {
		return hexView{data: t.Data, regions: t.Regions()}
	}
	// A blob shorter than the smallest header has no header the parser
	// decodes: it reads a copy padded with zeros, whose problems are the
	// padding's, and every region the padding reaches is clipped or
	// marked cut short when written.
	parsed, shown := data, data
	if len(data) < fdt.MinHeaderSize {
		parsed = make([]byte, fdt.MinHeaderSize)
		copy(parsed, data)
	}
	t, problems := fdt.ParseLenient(parsed)
	if len(data) < fdt.MinHeaderSize {
		problems = nil
	} else {
		shown = t.Data
	}
	v := hexView{data: shown, regions: t.Regions()}
	relabelNameless(t, problems, v.regions)
	markCutString(shown, v.regions)
	v.regions = append(v.regions, unparsedRegions(problems, v.regions, len(shown))...)
	v.opts.Want, v.opts.WantOf = fdtWant(t.Header, len(data))
	for _, p := range problems {
		v.findings = append(v.findings, fmt.Sprintf("%s: %v", name, p))
	}
	if len(problems) == 0 && v.opts.Want > len(shown) {
		v.findings = append(v.findings, fmt.Sprintf("%s: FDT cut short: %d of the %d bytes its %s gives", name, len(shown), v.opts.Want, v.opts.WantOf))
	}
	return v
}

// fdtWant is how many bytes the header h of a blob holding have bytes
// says the blob has, and what says so: the header itself, totalsize, or
// the end of a block lying past both.
func fdtWant(h fdt.Header, have int) (int, string) {
	want, of := uint64(fdt.HeaderSize), "FDT header"
	if have >= 8 {
		want, of = uint64(h.Size()), "FDT header"
		if t := uint64(h.TotalSize); t > want {
			want, of = t, "totalsize"
		}
	}
	ends := []struct {
		end  uint64
		what string
	}{
		{uint64(h.OffDtStruct) + uint64(h.SizeDtStruct), "end of the structure block"},
		{uint64(h.OffDtStrings) + uint64(h.SizeDtStrings), "end of the strings block"},
	}
	for _, e := range ends {
		if have >= h.Size() && e.end > want {
			want, of = e.end, e.what
		}
	}
	return int(min(want, 1<<32)), of
}

// fdtMagic is the first four bytes of an FDT blob, for messages.
var fdtMagic = binary.BigEndian.AppendUint32(nil, fdt.Magic)

// startsFDT reports whether head begins like an FDT blob: with the
// magic, or with a part of it when head is shorter.
func startsFDT(head []byte) bool { return fdt.HasMagicPrefix(head) }

// notFDTText says that what name holds, starting with head, is not an
// FDT blob.
func notFDTText(name string, head []byte) string {
	first := "no byte"
	if len(head) > 0 {
		first = fmt.Sprintf("% x", head[:min(len(head), len(fdtMagic))])
	}
	return fmt.Sprintf("%s: not an FDT blob: starts with %s, want % x", name, first, fdtMagic)
}
