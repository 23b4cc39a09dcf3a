package hexdump

import (
	"fmt"
	"strconv"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/source"
)

// hexdumpMemory shows the memory of a source at --addr: as the struct
// st, as an FDT when it starts with the magic, or as raw bytes. Bytes the
// source does not hold are ?? and a finding.
func hexdumpMemory(opts *HexdumpOptions, st *abi.Struct) (hexView, error) {
	pa, err := strconv.ParseUint(opts.Addr, 0, 64)
	if err != nil {
		return hexView{}, cmdutil.UsageErrorf("--addr %q is not a number", opts.Addr)
	}
	mem, closeMem, err := openMemory(opts)
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
	total, isFDT := fdt.TotalSize(hdr.data[:hdr.held()])
	switch {
	case isFDT:
		return memoryFDTView(mem, pa, total)
	case opts.FDT:
		return hexView{}, cmdutil.BlobFinding{Msg: notFDTText(fmt.Sprintf("PA 0x%x", pa), hdr.data[:hdr.held()])}
	}
	p, err := readPartial(mem, pa, opts.Size)
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
		return hexView{}, cmdutil.BlobFinding{Msg: fmt.Sprintf("%s: totalsize %d is larger than 64 MiB, the most this reader accepts (KHO blobs are a few pages)", name, totalsize)}
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

// openMemory opens the memory hexdump --addr reads: a --sample's
// encoded image, or SOURCE. No handover state is walked, so a raw image
// or a dump without a KHO root is read all the same. The memory stops
// serving reads once the command's context is done.
func openMemory(opts *HexdumpOptions) (phys.Memory, func() error, error) {
	so := opts.State
	so.MemoryOnly, so.Sources = true, opts.Args
	l, err := so.Load(opts.Context, opts.IO)
	if err != nil {
		return nil, nil, err
	}
	return l.Memory, l.Close, nil
}
