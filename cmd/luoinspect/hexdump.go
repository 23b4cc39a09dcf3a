package main

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/source"
	"github.com/spf13/cobra"
)

type hexdumpFlags struct {
	sf     stateFlags
	addr   string
	size   uint64
	offset uint64
	strct  string
	gen    string
	fdt    bool
	// sizeSet and offsetSet say whether --size and --offset were given.
	sizeSet, offsetSet bool
}

func newHexdumpCmd(s *streams) *cobra.Command {
	var f hexdumpFlags
	c := &cobra.Command{
		Use:   "hexdump FILE [--struct NAME --gen TAG] [--offset N] [--size N] | hexdump [SOURCE | --sample NAME] --addr PA [--struct NAME --gen TAG | --size N]",
		Short: "Annotated hex dump of a file or of memory: an FDT blob, a registry struct, or raw bytes",
		Long: "With FILE, hexdump prints an FDT blob in hex with what every byte is: header\n" +
			"fields, reserve entries, tokens, node and property names, values (strings,\n" +
			"and u64s in the CPU byte order KHO and LUO use), padding, strings no\n" +
			"property uses, and bytes outside every block. A blob cut short, or one that\n" +
			"does not parse, is shown as far as it goes, with the cut marked and each\n" +
			"problem on stderr. A FILE that is no FDT blob (a raw struct luo_ser or\n" +
			"kexec-metadata blob copied from debugfs, say) is shown as --size raw bytes\n" +
			"from --offset; --struct NAME --gen TAG lays a registry struct over FILE at\n" +
			"--offset instead (fields past the end of FILE are unresolved).\n\n" +
			"With --addr it reads the memory of a SOURCE (or a --sample) at a physical\n" +
			"address: as the struct --struct of generation --gen (every member with its\n" +
			"offset, size, C type and decoded value; bitfields by bit range), as an FDT\n" +
			"when the bytes there start with the FDT magic, or else as --size raw bytes.\n" +
			"Bytes the source does not hold show as ??, and a struct member over them as\n" +
			"unresolved, never as zero.\n\n" + sourceHelp,
		Example: "  luoinspect hexdump root.dtb\n" +
			"  luoinspect hexdump debugfs/kho/out/sub_fdts/LUO --struct luo_ser --gen L-luo-v5\n" +
			"  luoinspect hexdump --sample k4-luov5-m2b --addr 0x100130000 --struct luo_ser --gen L-luo-v5\n" +
			"  luoinspect hexdump raw:mem.bin@0x100000000 --addr 0x100000ff0 --size 64",
		RunE: func(c *cobra.Command, args []string) error {
			f.sizeSet, f.offsetSet = c.Flags().Changed("size"), c.Flags().Changed("offset")
			paint, err := s.regionPainter()
			if err != nil {
				return err
			}
			st, err := f.checkFlags(args)
			if err != nil {
				return err
			}
			var v hexView
			if f.addr == "" {
				v, err = hexdumpFile(args[0], &f, st)
			} else {
				v, err = hexdumpMemory(&f, st, args)
			}
			if err != nil {
				return reportBlobFinding(s.Err, err)
			}
			return v.write(s, paint)
		},
	}
	f.sf.register(c)
	for _, name := range []string{"kho", "luo", "memfd", "root"} {
		_ = c.Flags().MarkDeprecated(name, "hexdump reads bytes only and detects no generation")
	}
	c.Flags().StringVar(&f.addr, "addr", "", "physical address to read (0x… or decimal)")
	c.Flags().Uint64Var(&f.size, "size", 256, "bytes to show raw: of memory that is neither a struct nor an FDT, or of a FILE that is no FDT blob (at most 64 MiB)")
	c.Flags().Uint64Var(&f.offset, "offset", 0, "with FILE: where in it the struct or the raw bytes start (given, FILE is shown raw even when it is an FDT)")
	c.Flags().StringVar(&f.strct, "struct", "", "show the bytes as this registry struct (see 'luoinspect abi show GEN')")
	c.Flags().StringVar(&f.gen, "gen", "", "the generation whose layout --struct names")
	c.Flags().BoolVar(&f.fdt, "fdt", false, "require an FDT blob: bytes that are none are a finding (exit 4), not shown raw")
	return c
}

// checkFlags checks how the flags combine and returns the struct
// --struct and --gen name (nil for none).
func (f *hexdumpFlags) checkFlags(args []string) (*abi.Struct, error) {
	switch {
	case f.addr == "" && (len(args) != 1 || f.sf.sample != ""):
		return nil, usageError{fmt.Errorf("give an FDT blob FILE, or --addr PA with a SOURCE or --sample")}
	case f.addr != "" && f.offsetSet:
		return nil, usageError{fmt.Errorf("--offset applies to a FILE; with --addr give the address of the first byte")}
	case f.fdt && (f.strct != "" || f.offsetSet || f.sizeSet):
		return nil, usageError{fmt.Errorf("--fdt shows an FDT blob whole: it takes no --struct, --offset or --size")}
	case f.size == 0 || f.size > source.MaxBlobSize:
		return nil, usageError{fmt.Errorf("--size %d: want 1 to %d (64 MiB) bytes", f.size, source.MaxBlobSize)}
	case f.strct == "" && f.gen == "":
		return nil, nil
	case f.strct == "" || f.gen == "":
		return nil, usageError{fmt.Errorf("--struct NAME and --gen TAG go together")}
	}
	g, ok := abi.Lookup(f.gen)
	if !ok {
		return nil, usageError{fmt.Errorf("--gen %q is not a generation (see 'luoinspect abi list')", f.gen)}
	}
	st, ok := g.Struct(f.strct)
	if !ok {
		return nil, usageError{fmt.Errorf("generation %s has no struct %q (see 'luoinspect abi show %s')", f.gen, f.strct, f.gen)}
	}
	return st, nil
}

// hexdumpFile shows FILE: as the struct st at --offset when st is set,
// else as an FDT blob when it starts like one (and no --offset is
// given), else as raw bytes.
func hexdumpFile(path string, f *hexdumpFlags, st *abi.Struct) (hexView, error) {
	if f.fdt {
		// Header first: a file that is no FDT is refused at once.
		data, err := readFDTFile(path)
		if err != nil {
			return hexView{}, err
		}
		return fdtView(displayName(path), data), nil
	}
	h, err := openHexFile(path)
	if err != nil {
		return hexView{}, err
	}
	defer h.close()
	if st != nil {
		return fileStructView(h, f.offset, st)
	}
	head, err := h.window(0, 64)
	if err != nil {
		return hexView{}, err
	}
	switch {
	case !f.offsetSet && startsFDT(head):
		data, findings, err := h.fdtBlob()
		if err != nil {
			return hexView{}, err
		}
		v := fdtView(h.name, data)
		v.findings = append(findings, v.findings...)
		return v, nil
	}
	v, err := fileRawView(h, f.offset, f.size)
	switch {
	case err != nil || f.offsetSet:
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

// hexdumpMemory shows the memory of a source at --addr: as the struct
// st, as an FDT when it starts with the magic, or as raw bytes. Bytes the
// source does not hold are ?? and a finding.
func hexdumpMemory(f *hexdumpFlags, st *abi.Struct, args []string) (hexView, error) {
	pa, err := strconv.ParseUint(f.addr, 0, 64)
	if err != nil {
		return hexView{}, usageError{fmt.Errorf("--addr %q is not a number", f.addr)}
	}
	mem, closeMem, err := openHexMemory(&f.sf, args)
	if err != nil {
		return hexView{}, err
	}
	defer closeMem()
	if st != nil {
		p, err := readPartial(mem, pa, uint64(st.Size))
		if err != nil {
			return hexView{}, err
		}
		return p.view(render.StructRegionsPartial(st, p.data, p.miss)), nil
	}
	hdr, err := readPartial(mem, pa, 8)
	if err != nil {
		return hexView{}, err
	}
	isFDT := hdr.held() == 8 && binary.BigEndian.Uint32(hdr.data) == fdt.Magic
	switch {
	case isFDT:
		return memoryFDTView(mem, pa, binary.BigEndian.Uint32(hdr.data[4:]))
	case f.fdt:
		return hexView{}, blobFinding{notFDTText(fmt.Sprintf("PA 0x%x", pa), hdr.data[:hdr.held()])}
	}
	p, err := readPartial(mem, pa, f.size)
	if err != nil {
		return hexView{}, err
	}
	return p.view(rawRegions(len(p.data), p.miss)), nil
}

// memoryFDTView shows the FDT blob at pa, whose header gives totalsize:
// up to the first byte the source does not hold.
func memoryFDTView(mem phys.Memory, pa uint64, totalsize uint32) (hexView, error) {
	name := fmt.Sprintf("FDT at PA 0x%x", pa)
	if uint64(totalsize) > source.MaxBlobSize {
		return hexView{}, blobFinding{fmt.Sprintf("%s: totalsize %d is larger than 64 MiB, the most this reader accepts (KHO blobs are a few pages)", name, totalsize)}
	}
	p, err := readPartial(mem, pa, uint64(max(totalsize, 8)))
	if err != nil {
		return hexView{}, err
	}
	v := fdtView(name, p.data[:p.held()])
	v.opts.Base = pa
	if msg := p.finding(fmt.Sprintf("so the blob ends at the first of them, PA 0x%x", pa+uint64(p.held()))); msg != "" {
		v.findings = append(v.findings, msg)
	}
	return v, nil
}
