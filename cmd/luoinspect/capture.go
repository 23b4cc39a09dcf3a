package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/source"
	"github.com/spf13/cobra"
)

func newCaptureCmd(s *streams) *cobra.Command {
	var sf stateFlags
	var out string
	var withData bool
	c := &cobra.Command{
		Use:   "capture [SOURCE] --out FILE",
		Short: "Save the handover state as a self-contained snapshot file",
		Long: "capture walks the state and writes one snapshot file (an ELF core, see\n" +
			"docs/snapshot-format.md) holding the debugfs blobs, metadata and exactly\n" +
			"the physical pages the walk reached: structures, chunk chains and folio\n" +
			"arrays; the memfd data pages only with --with-data. The write is atomic:\n" +
			"an interrupted capture (Ctrl-C) leaves no file behind. Every command\n" +
			"accepts the snapshot wherever it accepts a live system.\n\n" +
			"What it was asked to save and the source does not hold (memfd data\n" +
			"pages with --with-data, structures, folio arrays) is counted on stderr\n" +
			"in lines starting \"not saved:\", and the exit status is then 4: the\n" +
			"snapshot is written, without those pages.\n\n" + sourceHelp,
		Example: "  sudo luoinspect capture --out before.core\n  luoinspect capture /var/crash/vmcore --out state.core",
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("--out FILE is required")}
			}
			var rec *phys.Recorder
			sf.wrap = func(m phys.Memory) phys.Memory {
				rec = phys.NewRecorder(m)
				return rec
			}
			l, err := sf.load(args)
			if err != nil {
				return err
			}
			defer l.Close()
			gaps := captureGaps{structures: l.State.Unresolved()}
			if err := touchFolios(c.Context(), l.State, rec, withData, &gaps); err != nil {
				return err
			}
			held := rec.Ranges()
			if l.Blobs.RootAddr != phys.NoAddr {
				// The root blob is saved as a note: its memory only where
				// the source has it.
				recordHeld(rec, held, l.Blobs.RootAddr, uint64(len(l.Blobs.Root)))
			}
			ranges := clipRanges(rec.Pages(), held)
			var total uint64
			for _, r := range ranges {
				total += r.Size
			}
			if s.isTerminal(s.Err) {
				fmt.Fprintf(s.Err, "capturing %s in %s from %s...\n", render.HumanSize(total), plural(len(ranges), "range"), l.Description)
			}
			meta := source.Metadata{Arch: archName(), Source: l.Description, KernelRelease: kernelRelease(args)}
			if err := writeSnapshot(c.Context(), out, meta, l.Blobs, l.Memory, ranges); err != nil {
				return err
			}
			line := fmt.Sprintf("captured %s (%s) to %s", render.HumanSize(total), plural(len(ranges), "range"), out)
			if n := len(l.State.Problems); n > 0 {
				line += fmt.Sprintf("; the state has %s (see 'luoinspect validate')", plural(n, "problem"))
			}
			fmt.Fprintln(s.Err, line)
			if gaps.any() {
				gaps.write(s.Err)
				return exitCodeError{exitFindings}
			}
			return nil
		},
	}
	sf.register(c)
	c.Flags().StringVar(&out, "out", "", "snapshot file to write")
	c.Flags().BoolVar(&withData, "with-data", false, "also save the memfd data pages (guest RAM: can be large)")
	return c
}

// archName is the snapshot architecture of this build.
func archName() string {
	if runtime.GOARCH == "arm64" {
		return "aarch64"
	}
	return "x86_64"
}

// kernelRelease is the running kernel's release when capturing the live
// system, else "".
func kernelRelease(args []string) string {
	if len(args) > 0 && !strings.HasPrefix(args[0], "live") {
		return ""
	}
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
