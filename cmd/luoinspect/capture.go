package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/memfd"
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
			"accepts the snapshot wherever it accepts a live system.\n\n" + sourceHelp,
		Example: "  sudo luoinspect capture --out before.core\n  luoinspect capture /var/crash/vmcore --out state.core",
		RunE: func(_ *cobra.Command, args []string) error {
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
			defer l.close()
			for _, err := range touchFolios(l.state, rec, withData) {
				fmt.Fprintf(s.Err, "luoinspect: warning: %v\n", err)
			}
			if l.blobs.RootAddr != phys.NoAddr {
				rec.Record(l.blobs.RootAddr, uint64(len(l.blobs.Root)))
			}
			ranges := rec.Pages()
			var total uint64
			for _, r := range ranges {
				total += r.Size
			}
			if s.isTerminal(s.Err) {
				fmt.Fprintf(s.Err, "capturing %s in %d ranges from %s...\n", render.HumanSize(total), len(ranges), l.name)
			}
			meta := source.Metadata{Arch: archName(), Source: l.name, KernelRelease: kernelRelease(args)}
			if err := writeSnapshot(out, meta, l.blobs, l.mem, ranges); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "captured %s (%d ranges, %d problems) to %s\n", render.HumanSize(total), len(ranges), len(l.state.Problems), out)
			return nil
		},
	}
	sf.register(c)
	c.Flags().StringVar(&out, "out", "", "snapshot file to write")
	c.Flags().BoolVar(&withData, "with-data", false, "also save the memfd data pages (guest RAM: can be large)")
	return c
}

// touchFolios reads every memfd folio array through the recorder, and
// with data also records each folio's pages (sized by the preserved block
// that starts at the folio). It returns what it could not read.
func touchFolios(st *handover.State, rec *phys.Recorder, withData bool) []error {
	var errs []error
	batch := make([]memfd.Folio, 512)
	for f := range st.Files() {
		if f.Memfd == nil {
			continue
		}
		it := f.Memfd.Iter(rec)
		for n := it.NextBatch(batch); n > 0; n = it.NextBatch(batch) {
			for _, fo := range batch[:n] {
				if !withData || fo.PFN == 0 {
					continue
				}
				size := uint64(phys.PageSize)
				if st.Preserved != nil {
					if b, ok := st.Preserved.Head(fo.Addr()); ok {
						size = b.Size()
					}
				}
				if phys.Holds(rec, fo.Addr(), size) {
					rec.Record(fo.Addr(), size)
				}
			}
		}
		if err := it.Err(); err != nil {
			errs = append(errs, fmt.Errorf("folios of %s not captured: %w", f.File.Path, err))
		}
	}
	return errs
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
