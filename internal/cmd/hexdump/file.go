package hexdump

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/render"
)

// hexdumpFile shows FILE: as the struct st at --offset when st is set,
// else as an FDT blob when it starts like one (and no --offset is
// given), else as raw bytes.
func hexdumpFile(path string, opts *HexdumpOptions, st *abi.Struct) (hexView, error) {
	if opts.FDT {
		// Header first: a file that is no FDT is refused at once.
		data, err := cmdutil.ReadFDTFile(path)
		if err != nil {
			return hexView{}, err
		}
		return fdtView(cmdutil.DisplayName(path), data), nil
	}
	h, err := openHexFile(path)
	if err != nil {
		return hexView{}, err
	}
	defer h.close()
	if st != nil {
		return fileStructView(h, opts.Offset, st)
	}
	head, err := h.window(0, 64)
	if err != nil {
		return hexView{}, err
	}
	switch {
	case !opts.OffsetSet && startsFDT(head):
		data, findings, err := h.fdtBlob()
		if err != nil {
			return hexView{}, err
		}
		v := fdtView(h.name, data)
		v.findings = append(findings, v.findings...)
		return v, nil
	}
	v, err := fileRawView(h, opts.Offset, opts.Size)
	switch {
	case err != nil || opts.OffsetSet:
	case len(head) == 0:
		v.notes = append(v.notes, h.name+": the file is empty")
	default:
		v.notes = append(v.notes, notFDTText(h.name, head)+"; shown as raw bytes: --struct NAME --gen TAG [--offset N] lays a registry struct over them (see 'luoinspect abi show TAG')"+structHint(path, head))
	}
	return v, err
}

// fileRawView shows at most n bytes of FILE from offset off.
func fileRawView(h *hexFile, off, n uint64) (hexView, error) {
	b, err := h.window(off, n)
	if err != nil {
		return hexView{}, err
	}
	v := hexView{data: b, regions: rawRegions(len(b), nil), opts: annot.Options{Base: off}}
	switch end := off + uint64(len(b)); {
	case off > 0 && off >= uint64(h.size):
		v.findings = append(v.findings, fmt.Sprintf("%s: nothing to show: the file ends at 0x%x, before --offset 0x%x", h.name, h.size, off))
	case end < uint64(h.size):
		v.opts.More = uint64(h.size) - end
		v.opts.MoreHint = fmt.Sprintf("the file has 0x%x bytes; --offset and --size show others", h.size)
	}
	return v, nil
}

// fileStructView lays the struct st over FILE at offset off. Members the
// file ends before are unresolved, and the cut is a finding.
func fileStructView(h *hexFile, off uint64, st *abi.Struct) (hexView, error) {
	b, err := h.window(off, uint64(st.Size))
	if err != nil {
		return hexView{}, err
	}
	v := hexView{data: make([]byte, st.Size), opts: annot.Options{Base: off, MissingLabel: "past the end of the file"}}
	copy(v.data, b)
	v.opts.Missing = annot.Add(nil, len(b), st.Size-len(b))
	v.regions = render.StructRegionsPartial(st, v.data, v.opts.Missing)
	switch size := uint64(h.size); {
	case off >= size:
		v.findings = append(v.findings, fmt.Sprintf("%s: struct %s at offset 0x%x lies past the end of the file (0x%x bytes): all its %d bytes are missing, shown as ??; every member is unresolved",
			h.name, st.Name, off, size, st.Size))
	case len(b) < st.Size:
		v.findings = append(v.findings, fmt.Sprintf("%s: struct %s is %d bytes, but the file ends %d bytes after offset 0x%x: %d bytes missing, shown as ??; the members there are unresolved",
			h.name, st.Name, st.Size, len(b), off, st.Size-len(b)))
	case off+uint64(st.Size) < size:
		v.opts.More, v.opts.MoreHint = size-off-uint64(st.Size), "the file goes on past the struct"
	}
	return v, nil
}

// rawRegions describes n bytes without a layout: each run of them that
// is not missing (sorted, disjoint) is raw bytes.
func rawRegions(n int, missing []annot.Span) []annot.Region {
	var rs []annot.Region
	pos := 0
	for _, m := range append(missing, annot.Span{Offset: n}) {
		if m.Offset > pos {
			rs = append(rs, annot.Region{Offset: pos, Size: m.Offset - pos, Kind: annot.Unused, Label: "raw bytes"})
		}
		pos = m.End()
	}
	return rs
}
