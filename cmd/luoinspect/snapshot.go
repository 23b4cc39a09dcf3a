package main

import (
	"context"

	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// toolVersion is the version recorded in snapshots.
func toolVersion() string {
	v, _ := buildVersion()
	return v
}

// writeSnapshot writes blobs and the given memory ranges of mem as a
// snapshot file (adjacent ranges joined), atomically: when ctx is done
// (Ctrl-C) it stops and leaves nothing behind.
func writeSnapshot(ctx context.Context, path string, meta source.Metadata, blobs *source.Blobs, mem phys.Memory, ranges []phys.Range) error {
	meta.ToolVersion = toolVersion()
	var caps []source.Capture
	for _, r := range phys.Merge(ranges) {
		caps = append(caps, source.CaptureRange(mem, r))
	}
	return source.WriteSnapshot(ctx, path, meta, blobs, caps)
}
