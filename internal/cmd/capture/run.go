package capture

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/source"
)

// captureRun walks the state recording what it reads, and writes the
// snapshot; what it could not save makes the exit status 4.
func captureRun(opts *CaptureOptions) error {
	if opts.Out == "" {
		return cmdutil.UsageErrorf("--out FILE is required")
	}
	var rec *phys.Recorder
	so := opts.State
	so.Wrap = func(m phys.Memory) phys.Memory {
		rec = phys.NewRecorder(m)
		return rec
	}
	l, err := so.Load(opts.Context, opts.IO)
	if err != nil {
		return err
	}
	defer l.Close()
	gaps := captureGaps{structures: l.State.Unresolved()}
	if err := touchFolios(opts.Context, l.State, rec, opts.WithData, &gaps); err != nil {
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
	errOut := opts.IO.ErrOut
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(errOut, "capturing %s in %s from %s...\n", render.HumanSize(total), cmdutil.Plural(len(ranges), "range"), l.Description)
	}
	meta := source.Metadata{Arch: archName(), Source: l.Description, KernelRelease: kernelRelease(opts.State.Sources)}
	if err := cmdutil.WriteSnapshot(opts.Context, opts.Out, meta, l.Blobs, l.Memory, ranges); err != nil {
		return err
	}
	line := fmt.Sprintf("captured %s (%s) to %s", render.HumanSize(total), cmdutil.Plural(len(ranges), "range"), opts.Out)
	if n := len(l.State.Problems); n > 0 {
		line += fmt.Sprintf("; the state has %s (see 'luoinspect validate')", cmdutil.Plural(n, "problem"))
	}
	fmt.Fprintln(errOut, line)
	if gaps.any() {
		gaps.write(errOut)
		return cmdutil.Exit(cmdutil.ExitFindings)
	}
	return nil
}

// archName is the snapshot architecture of this build.
func archName() string {
	if runtime.GOARCH == "arm64" {
		return "aarch64"
	}
	return "x86_64"
}

// kernelRelease is the running kernel's release when capturing the live
// system (no SOURCE, or a live one), else "".
func kernelRelease(sources []string) string {
	if len(sources) > 0 && !strings.HasPrefix(sources[0], "live") {
		return ""
	}
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
