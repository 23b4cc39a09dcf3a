package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// snapshotNoteSet collects the LUOINSPECT notes of a snapshot.
type snapshotNoteSet struct {
	meta     Metadata
	metaSeen bool
	blobs    Blobs
	names    map[string]bool // blob note names seen
}

// add records the LUOINSPECT notes of ns; other owners and unknown types
// are ignored, and blob notes of unknown names are ignored with a
// warning.
func (n *snapshotNoteSet) add(ns []elfNote) error {
	for _, note := range ns {
		if note.name != NoteOwner {
			continue
		}
		switch note.typ {
		case NoteMetadata:
			if n.metaSeen {
				return errors.New("two metadata notes")
			}
			n.metaSeen = true
			if err := json.Unmarshal(note.desc, &n.meta); err != nil {
				return fmt.Errorf("metadata note: %w", err)
			}
		case NoteBlob:
			if err := n.addBlob(note.desc); err != nil {
				return err
			}
		}
	}
	return nil
}

// addBlob records the blob note desc: a name, a NUL, the bytes.
func (n *snapshotNoteSet) addBlob(desc []byte) error {
	name, data, ok := bytes.Cut(desc, []byte{0})
	if !ok {
		return errors.New("blob note without a NUL after its name")
	}
	nm := string(name)
	if n.names == nil {
		n.names = map[string]bool{}
	}
	if n.names[nm] {
		return fmt.Errorf("two blob notes named %q", nm)
	}
	n.names[nm] = true
	sub, isSub := strings.CutPrefix(nm, subBlobDir)
	switch {
	case nm == rootBlobName:
		n.blobs.Root = data
	case isSub && sub != "" && !strings.Contains(sub, "/"):
		n.blobs.Subs = append(n.blobs.Subs, Blob{Name: sub, Data: data})
	default:
		n.blobs.warnf("unknown blob note %q ignored", nm)
	}
	return nil
}

// checkMetadata requires exactly one metadata note of a format this
// reader knows.
func (n *snapshotNoteSet) checkMetadata() error {
	if !n.metaSeen {
		return fmt.Errorf("not a luoinspect snapshot: no %s metadata note", NoteOwner)
	}
	if n.meta.Format < 1 || n.meta.Format > SnapshotFormat {
		return fmt.Errorf("snapshot format %d; this reader knows format 1 to %d", n.meta.Format, SnapshotFormat)
	}
	return nil
}

// blobSet returns the stored blobs completed from the metadata, or nil
// when the metadata says none were stored (then no blob note may be
// present).
func (n *snapshotNoteSet) blobSet() (*Blobs, error) {
	m := n.meta
	if !m.HasBlobs {
		if len(n.names) > 0 {
			return nil, errors.New("blob notes present but the metadata says there are no blobs")
		}
		return nil, nil
	}
	bl := n.blobs
	bl.Side, bl.Origin = m.Side, m.BlobsOrigin
	bl.Warnings = append(slices.Clone(m.Warnings), bl.Warnings...)
	bl.RootAddr = phys.NoAddr
	if m.RootAddr != nil {
		bl.RootAddr = *m.RootAddr
	}
	for _, a := range m.Scratch {
		bl.Scratch = append(bl.Scratch, kho.Scratch(a))
	}
	bl.sortSubs()
	return &bl, nil
}
