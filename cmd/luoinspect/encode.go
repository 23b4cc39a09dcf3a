package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
	"github.com/spf13/cobra"
)

func newEncodeCmd(s *streams) *cobra.Command {
	var sample, out string
	c := &cobra.Command{
		Use:   "encode [SPEC] --out DIR",
		Short: "Build a handover state from a spec: root blob, debugfs tree and memory",
		Long: "encode lays out the state a spec describes (docs/spec-format.md) the way\n" +
			"the kernel of the named generations would, and writes into DIR:\n" +
			"  root.dtb            the KHO root FDT (totalsize bytes)\n" +
			"  debugfs/kho/out/    fdt, sub_fdts/<client>, scratch_phys, scratch_len\n" +
			"  state.core          a snapshot (ELF core) holding every page of the state\n" +
			"Read it back with 'luoinspect dump DIR/state.core'.",
		Example: "  luoinspect encode my-state.yaml --out /tmp/state\n  luoinspect encode --sample k4-luov5-m2b --out /tmp/k4",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			spec, err := readSpec(sample, args)
			if err != nil {
				return err
			}
			if out == "" {
				return usageError{fmt.Errorf("--out DIR is required")}
			}
			enc, err := handover.Encode(spec)
			if err != nil {
				return err
			}
			if err := writeEncoded(enc, out); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "encoded %s+%s+%s: root at PA 0x%x, %d preserved blocks, written to %s\n",
				spec.KHO, spec.LUO, spec.Memfd, enc.RootAddr, len(enc.Preserved), out)
			return nil
		},
	}
	c.Flags().StringVar(&sample, "sample", "", "encode an embedded sample instead of a spec file")
	c.Flags().StringVar(&out, "out", "", "directory to write (created)")
	return c
}

// readSpec loads the spec named by --sample or the SPEC argument.
func readSpec(sample string, args []string) (*handover.Spec, error) {
	switch {
	case sample != "" && len(args) > 0:
		return nil, usageError{fmt.Errorf("give a spec file or --sample, not both")}
	case sample != "":
		spec, err := handover.Sample(sample)
		if err != nil {
			return nil, usageError{err}
		}
		return spec, nil
	case len(args) == 1:
		data, err := os.ReadFile(args[0])
		if err != nil {
			return nil, err
		}
		return handover.ParseSpec(data)
	}
	return nil, usageError{fmt.Errorf("give a spec file or --sample NAME")}
}

func writeEncoded(enc *handover.Encoded, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "root.dtb"), enc.Root, 0o644); err != nil {
		return err
	}
	if err := enc.WriteDebugfs(filepath.Join(dir, "debugfs", "kho")); err != nil {
		return err
	}
	meta := source.Metadata{Arch: "x86_64", Source: "luoinspect encode " + enc.Spec.Name}
	return writeSnapshot(filepath.Join(dir, "state.core"), meta, encodedBlobs(enc), enc.Image, enc.Image.Ranges())
}
