package source

// The luoinspect snapshot format (docs/snapshot-format.md): an ELF64 core
// file whose PT_LOADs hold physical memory and whose notes hold the
// metadata and the KHO blobs. snapshot_write.go writes it,
// snapshot_read.go reads it.

import "time"

// Snapshot notes (docs/snapshot-format.md).
const (
	// NoteOwner is the owner name of every luoinspect note.
	NoteOwner = "LUOINSPECT"
	// NoteMetadata is the type of the note holding the JSON Metadata.
	// The types stay clear of the core note types (NT_PRSTATUS = 1, …),
	// which tools such as BFD decode whatever the owner name.
	NoteMetadata uint32 = 0x4c550001
	// NoteBlob is the type of a note holding one blob: its name, a NUL,
	// then its bytes.
	NoteBlob uint32 = 0x4c550002
	// SnapshotFormat is the format number this package writes and the
	// newest it reads.
	SnapshotFormat = 1
)

// Blob names in snapshot notes, mirroring the debugfs paths.
const (
	rootBlobName = "fdt"
	subBlobDir   = "sub_fdts/"
)

// snapPageSize is the file alignment of every PT_LOAD.
const snapPageSize = 4096

// chunkSize is the unit of streaming copies and cancellation checks.
const chunkSize = 1 << 20

// alignUp rounds x up to a multiple of a, a power of two.
func alignUp(x, a uint64) uint64 { return (x + a - 1) &^ (a - 1) }

// ScratchArea is a scratch area in the metadata JSON.
type ScratchArea struct {
	Addr uint64 `json:"addr"`
	Size uint64 `json:"size"`
}

// Metadata is the JSON of a snapshot's metadata note. WriteSnapshot fills
// Format, Tool and the fields marked "from the blobs"; the caller fills
// the rest.
type Metadata struct {
	// Format is SnapshotFormat.
	Format int `json:"format"`
	// Tool is "luoinspect".
	Tool string `json:"tool"`
	// ToolVersion is the writing tool's version.
	ToolVersion string `json:"tool_version"`
	// KernelRelease is uname -r of the captured system, when known.
	KernelRelease string `json:"kernel_release,omitempty"`
	// Arch is "x86_64" or "aarch64" ("amd64" and "arm64" are accepted
	// and normalised; "" means the writer's own architecture). It decides
	// e_machine.
	Arch string `json:"arch"`
	// PageSize is the captured kernel's page size (0 means 4096).
	PageSize uint64 `json:"page_size"`
	// Time is when the capture was taken (zero means now).
	Time time.Time `json:"time"`
	// Source describes what was captured (Source.Describe()).
	Source string `json:"source"`
	// HasBlobs reports whether blob notes are present (from the blobs).
	HasBlobs bool `json:"blobs"`
	// Side is "in", "out" or "" (from the blobs).
	Side string `json:"side,omitempty"`
	// BlobsOrigin is Blobs.Origin (from the blobs).
	BlobsOrigin string `json:"blobs_origin,omitempty"`
	// RootAddr is the root's physical address when known (from the
	// blobs).
	RootAddr *uint64 `json:"root_addr,omitempty"`
	// Scratch are the scratch areas (from the blobs).
	Scratch []ScratchArea `json:"scratch,omitempty"`
	// Warnings are Blobs.Warnings (from the blobs).
	Warnings []string `json:"warnings,omitempty"`
}
