package main

import (
	"bytes"
	"os"

	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/spf13/cobra"
)

func newABIExtractCmd(s *streams) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "extract SOURCE [-o FILE]",
		Short: "Write the ABI snapshot of a generation, kernel tree or vmlinux as schema JSON",
		Long: "extract writes a baseline (schema luoinspect.abi/v1) that 'abi diff' can\n" +
			"compare later kernels with. Without -o, or with -o -, it writes to stdout.",
		Example: "  luoinspect abi extract ~/linux -o baseline.json\n" +
			"  luoinspect abi extract /sys/kernel/btf/vmlinux -o running.json",
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			snap, err := loadABISource(args[0])
			if err != nil {
				return err
			}
			s.warnSnapshot(snap)
			if out == "" || out == "-" {
				return schema.Write(s.Out, snap)
			}
			var b bytes.Buffer
			if err := schema.Write(&b, snap); err != nil {
				return err
			}
			return os.WriteFile(out, b.Bytes(), 0o644)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the schema JSON to FILE (- for stdout)")
	return c
}
