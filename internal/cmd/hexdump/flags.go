package hexdump

import (
	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/source"
)

// checkFlags checks how the options combine and returns the struct
// --struct and --gen name (nil for none).
func checkFlags(opts *HexdumpOptions) (*abi.Struct, error) {
	switch {
	case opts.Addr == "" && (len(opts.Args) != 1 || opts.State.Sample != ""):
		return nil, cmdutil.UsageErrorf("give an FDT blob FILE, or --addr PA with a SOURCE or --sample")
	case opts.Addr != "" && opts.OffsetSet:
		return nil, cmdutil.UsageErrorf("--offset applies to a FILE; with --addr give the address of the first byte")
	case opts.FDT && (opts.Struct != "" || opts.OffsetSet || opts.SizeSet):
		return nil, cmdutil.UsageErrorf("--fdt shows an FDT blob whole: it takes no --struct, --offset or --size")
	case opts.Size == 0 || opts.Size > source.MaxBlobSize:
		return nil, cmdutil.UsageErrorf("--size %d: want 1 to %d (64 MiB) bytes", opts.Size, source.MaxBlobSize)
	case opts.Struct == "" && opts.Gen == "":
		return nil, nil
	case opts.Struct == "" || opts.Gen == "":
		return nil, cmdutil.UsageErrorf("--struct NAME and --gen TAG go together")
	}
	g, ok := abi.Lookup(abi.Tag(opts.Gen))
	if !ok {
		return nil, cmdutil.UsageErrorf("--gen %q is not a generation (see 'luoinspect abi list')", opts.Gen)
	}
	st, ok := g.Struct(opts.Struct)
	if !ok {
		return nil, cmdutil.UsageErrorf("generation %s has no struct %q (see 'luoinspect abi show %s')", opts.Gen, opts.Struct, opts.Gen)
	}
	return st, nil
}
