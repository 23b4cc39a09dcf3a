package source

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/luoinspect/luoinspect/phys"
)

// WriteSnapshot writes a snapshot to path atomically: it writes a
// temporary file in path's directory, syncs it, renames it over path and
// syncs the directory. On any error, and when ctx is cancelled (checked
// between chunks of 1 MiB), the temporary file is removed and path is left
// as it was. A caller that wants Ctrl-C to abort cleanly passes a context
// from signal.NotifyContext(ctx, os.Interrupt). blobs may be nil. The
// captures must not overlap; they are stored in address order. The file
// is created with mode 0600: it holds kernel memory.
func WriteSnapshot(ctx context.Context, path string, meta Metadata, blobs *Blobs, captures []Capture) error {
	machine, err := meta.complete(blobs)
	if err != nil {
		return err
	}
	notes, err := snapshotNotes(meta, blobs)
	if err != nil {
		return err
	}
	caps, err := sortCaptures(captures)
	if err != nil {
		return err
	}
	hdr, offs := snapshotHeader(machine, notes, caps)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return writeAtomic(ctx, path, func(f *os.File) error {
		return writeContents(ctx, f, hdr, caps, offs)
	})
}

// complete fills what WriteSnapshot writes of m: the format, the tool,
// the normalised architecture, defaults for the page size and the time,
// and the fields taken from blobs. It returns the architecture's
// e_machine.
func (m *Metadata) complete(blobs *Blobs) (elf.Machine, error) {
	arch, machine, err := machineFor(m.Arch)
	if err != nil {
		return 0, err
	}
	m.Arch = arch
	m.Format = SnapshotFormat
	m.Tool = "luoinspect"
	if m.PageSize == 0 {
		m.PageSize = 4096
	}
	if m.Time.IsZero() {
		m.Time = time.Now().UTC()
	}
	m.HasBlobs = blobs != nil
	m.Side, m.BlobsOrigin, m.RootAddr, m.Scratch, m.Warnings = "", "", nil, nil, nil
	if blobs == nil {
		return machine, nil
	}
	m.Side, m.BlobsOrigin, m.Warnings = blobs.Side, blobs.Origin, blobs.Warnings
	if blobs.RootAddr != phys.NoAddr {
		a := blobs.RootAddr
		m.RootAddr = &a
	}
	for _, s := range blobs.Scratch {
		m.Scratch = append(m.Scratch, ScratchArea(s))
	}
	return machine, nil
}

// machineFor maps an architecture name to e_machine.
func machineFor(arch string) (string, elf.Machine, error) {
	if arch == "" {
		arch = runtime.GOARCH
	}
	switch arch {
	case "x86_64", "amd64":
		return "x86_64", elf.EM_X86_64, nil
	case "aarch64", "arm64":
		return "aarch64", elf.EM_AARCH64, nil
	}
	return "", 0, fmt.Errorf("snapshot: architecture %q is not supported (want x86_64 or aarch64)", arch)
}

// snapshotNotes returns the note segment: the metadata note, then a blob
// note for the root and one for each client blob.
func snapshotNotes(meta Metadata, blobs *Blobs) ([]byte, error) {
	var notes bytes.Buffer
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("snapshot: metadata: %w", err)
	}
	writeNote(&notes, NoteMetadata, js)
	if blobs != nil {
		if blobs.Root != nil {
			writeNote(&notes, NoteBlob, blobNote(rootBlobName, blobs.Root))
		}
		seen := map[string]bool{}
		for _, s := range blobs.Subs {
			if s.Name == "" || strings.ContainsAny(s.Name, "\x00/") {
				return nil, fmt.Errorf("snapshot: blob name %q is not a file name", s.Name)
			}
			if seen[s.Name] {
				return nil, fmt.Errorf("snapshot: two blobs named %q", s.Name)
			}
			seen[s.Name] = true
			writeNote(&notes, NoteBlob, blobNote(subBlobDir+s.Name, s.Data))
		}
	}
	if notes.Len() > maxNoteSegment {
		return nil, fmt.Errorf("snapshot: notes take %d bytes, more than %d", notes.Len(), maxNoteSegment)
	}
	return notes.Bytes(), nil
}

// writeContents writes hdr and then each capture at its offset, padding
// the gaps with zeros.
func writeContents(ctx context.Context, f *os.File, hdr []byte, caps []Capture, offs []uint64) error {
	if _, err := f.Write(hdr); err != nil {
		return fmt.Errorf("snapshot: write %s: %w", f.Name(), err)
	}
	pos := uint64(len(hdr))
	buf := make([]byte, chunkSize)
	for i, c := range caps {
		if offs[i] > pos {
			if _, err := f.Write(make([]byte, offs[i]-pos)); err != nil {
				return fmt.Errorf("snapshot: write %s: %w", f.Name(), err)
			}
		}
		if err := copyCapture(ctx, f, c, buf); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		pos = offs[i] + c.Size
	}
	return nil
}

// writeAtomic creates a temporary file (mode 0600) in path's directory,
// fills it with write, syncs and closes it, renames it over path and
// syncs the directory. On any error, and when ctx is cancelled, the
// temporary file is removed.
func writeAtomic(ctx context.Context, path string, write func(*os.File) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("snapshot: sync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("snapshot: close %s: %w", tmp, err)
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return syncDir(dir, path)
}

// syncDir syncs directory dir after path was renamed into it; a directory
// that cannot be opened is not synced.
func syncDir(dir, path string) error {
	d, err := openRO(dir)
	if err != nil {
		return nil
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("snapshot: %s was written but syncing directory %s failed: %w", path, dir, err)
	}
	return nil
}
