// Package hexdump is the "luoinspect hexdump" command: an annotated hex
// dump of a file or of physical memory, as an FDT blob, a registry struct
// or raw bytes, with every byte the source does not hold marked.
package hexdump

import (
	"context"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
	"github.com/spf13/cobra"
)

// HexdumpOptions is what the hexdump command runs with.
type HexdumpOptions struct {
	IO      *iostreams.IOStreams
	Context context.Context
	// State says where memory comes from with --addr (the generation
	// flags are deprecated: hexdump detects none).
	State cmdutil.StateOptions
	// Args are FILE, or with Addr the SOURCE (if any).
	Args []string
	// Addr is --addr: the physical address to read ("" for a FILE).
	Addr string
	// Size and Offset are --size and --offset; SizeSet and OffsetSet say
	// whether they were given.
	Size, Offset       uint64
	SizeSet, OffsetSet bool
	// Struct and Gen are --struct and --gen: the registry struct to lay
	// over the bytes.
	Struct, Gen string
	// FDT is --fdt: bytes that are no FDT blob are a finding.
	FDT bool
}

// NewCmdHexdump builds the hexdump command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdHexdump(f *cmdutil.Factory, runF func(*HexdumpOptions) error) *cobra.Command {
	opts := &HexdumpOptions{IO: f.IOStreams}
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
			"unresolved, never as zero.\n\n" + cmdutil.SourceHelp,
		Example: "  luoinspect hexdump root.dtb\n" +
			"  luoinspect hexdump debugfs/kho/out/sub_fdts/LUO --struct luo_ser --gen L-luo-v5\n" +
			"  luoinspect hexdump --sample k4-luov5-m2b --addr 0x100130000 --struct luo_ser --gen L-luo-v5\n" +
			"  luoinspect hexdump raw:mem.bin@0x100000000 --addr 0x100000ff0 --size 64",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context, opts.Args = c.Context(), args
			opts.SizeSet, opts.OffsetSet = c.Flags().Changed("size"), c.Flags().Changed("offset")
			if runF != nil {
				return runF(opts)
			}
			return hexdumpRun(opts)
		},
	}
	opts.State.Register(c)
	for _, name := range []string{"kho", "luo", "memfd", "root"} {
		_ = c.Flags().MarkDeprecated(name, "hexdump reads bytes only and detects no generation")
	}
	c.Flags().StringVar(&opts.Addr, "addr", "", "physical address to read (0x… or decimal)")
	c.Flags().Uint64Var(&opts.Size, "size", 256, "bytes to show raw: of memory that is neither a struct nor an FDT, or of a FILE that is no FDT blob (at most 64 MiB)")
	c.Flags().Uint64Var(&opts.Offset, "offset", 0, "with FILE: where in it the struct or the raw bytes start (given, FILE is shown raw even when it is an FDT)")
	c.Flags().StringVar(&opts.Struct, "struct", "", "show the bytes as this registry struct (see 'luoinspect abi show GEN')")
	c.Flags().StringVar(&opts.Gen, "gen", "", "the generation whose layout --struct names")
	c.Flags().BoolVar(&opts.FDT, "fdt", false, "require an FDT blob: bytes that are none are a finding (exit 4), not shown raw")
	return c
}

// hexdumpRun shows FILE, or the memory at --addr.
func hexdumpRun(opts *HexdumpOptions) error {
	paint := opts.IO.RegionPainter()
	st, err := checkFlags(opts)
	if err != nil {
		return err
	}
	var v hexView
	if opts.Addr == "" {
		v, err = hexdumpFile(opts.Args[0], opts, st)
	} else {
		v, err = hexdumpMemory(opts, st)
	}
	if err != nil {
		return cmdutil.ReportBlobFinding(opts.IO.ErrOut, err)
	}
	return v.write(opts.IO, paint)
}
