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
	"github.com/spf13/cobra"
)

type hexdumpFlags struct {
	sf    stateFlags
	addr  string
	size  uint64
	strct string
	gen   string
}

func newHexdumpCmd(s *streams) *cobra.Command {
	var f hexdumpFlags
	c := &cobra.Command{
		Use:   "hexdump FILE | hexdump [SOURCE | --sample NAME] --addr PA [--struct NAME --gen TAG | --size N]",
		Short: "Annotated hex dump of an FDT blob, or of memory as a registry struct",
		Long: "With FILE, hexdump prints an FDT blob in hex with what every byte is: header\n" +
			"fields, reserve entries, tokens, node and property names, values (strings,\n" +
			"and u64s in the CPU byte order KHO and LUO use), padding, strings no\n" +
			"property uses, and bytes outside every block.\n\n" +
			"With --addr it reads the memory of a SOURCE (or a --sample) at a physical\n" +
			"address: as the struct --struct of generation --gen (every member with its\n" +
			"offset, size, C type and decoded value; bitfields by bit range), as an FDT\n" +
			"when the bytes there start with the FDT magic, or else as --size raw bytes.\n\n" + sourceHelp,
		Example: "  luoinspect hexdump root.dtb\n" +
			"  luoinspect hexdump --sample k4-luov5-m2b --addr 0x100130000 --struct luo_ser --gen L-luo-v5",
		RunE: func(_ *cobra.Command, args []string) error {
			paint, err := s.regionPainter()
			if err != nil {
				return err
			}
			if f.addr == "" {
				if len(args) != 1 || f.sf.sample != "" {
					return usageError{fmt.Errorf("give an FDT blob FILE, or --addr PA with a SOURCE or --sample")}
				}
				return hexdumpBlobFile(s, args[0], paint)
			}
			return hexdumpMemory(s, &f, args, paint)
		},
	}
	f.sf.register(c)
	c.Flags().StringVar(&f.addr, "addr", "", "physical address to read (0x… or decimal)")
	c.Flags().Uint64Var(&f.size, "size", 256, "bytes to show when the memory is neither a struct nor an FDT")
	c.Flags().StringVar(&f.strct, "struct", "", "show the memory as this registry struct (see 'luoinspect abi show GEN')")
	c.Flags().StringVar(&f.gen, "gen", "", "the generation whose layout --struct names")
	return c
}

func hexdumpBlobFile(s *streams, path string, paint func(annot.Kind, string) string) error {
	t, err := parseFDTFile(path)
	if err != nil {
		return reportBlobFinding(s.Err, err)
	}
	return annot.Write(s.Out, t.Data, t.Regions(), annot.Options{Paint: paint})
}

func hexdumpMemory(s *streams, f *hexdumpFlags, args []string, paint func(annot.Kind, string) string) error {
	pa, err := strconv.ParseUint(f.addr, 0, 64)
	if err != nil {
		return usageError{fmt.Errorf("--addr %q is not a number", f.addr)}
	}
	var st *abi.Struct
	if f.strct != "" || f.gen != "" {
		g, ok := abi.Lookup(f.gen)
		if !ok {
			return usageError{fmt.Errorf("--gen %q is not a generation (see 'luoinspect abi list')", f.gen)}
		}
		if st, ok = g.Struct(f.strct); !ok {
			return usageError{fmt.Errorf("generation %s has no struct %q (see 'luoinspect abi show %s')", f.gen, f.strct, f.gen)}
		}
	}
	l, err := f.sf.load(args)
	if err != nil {
		return err
	}
	defer l.close()
	opts := annot.Options{Base: pa, Paint: paint}
	if st != nil {
		b, err := phys.Read(l.mem, pa, uint64(st.Size), st.Name)
		if err != nil {
			return err
		}
		return annot.Write(s.Out, b, render.StructRegions(st, b), opts)
	}
	if hdr, err := phys.Read(l.mem, pa, fdt.MinHeaderSize, "fdt"); err == nil && binary.BigEndian.Uint32(hdr) == fdt.Magic {
		b, err := phys.Read(l.mem, pa, uint64(binary.BigEndian.Uint32(hdr[4:])), "fdt")
		if err != nil {
			return err
		}
		t, err := fdt.Parse(b)
		if err != nil {
			return err
		}
		return annot.Write(s.Out, t.Data, t.Regions(), opts)
	}
	b, err := phys.Read(l.mem, pa, f.size, "memory")
	if err != nil {
		return err
	}
	return annot.Write(s.Out, b, nil, opts)
}
