package cmdutil

import (
	"context"
	"os"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/build"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// WriteSnapshot writes blobs and the given memory ranges of mem as a
// snapshot file (adjacent ranges joined), recording this build's version
// in meta, atomically: when ctx is done (Ctrl-C) it stops and leaves
// nothing behind.
func WriteSnapshot(ctx context.Context, path string, meta source.Metadata, blobs *source.Blobs, mem phys.Memory, ranges []phys.Range) error {
	meta.ToolVersion, _ = build.Version()
	var caps []source.Capture
	for _, r := range phys.Merge(ranges) {
		caps = append(caps, source.CaptureRange(mem, r))
	}
	return source.WriteSnapshot(ctx, path, meta, blobs, caps)
}

// ReadSpecFile reads and parses a spec file (YAML or JSON); a parse
// error names the file.
func ReadSpecFile(file string) (*handover.Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	spec, err := handover.ParseSpec(data)
	return spec, Naming(file, err)
}
