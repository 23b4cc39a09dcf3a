package handover

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"gopkg.in/yaml.v3"
)

// Spec describes a handover state to encode, generation by generation. Its
// YAML/JSON form is documented in docs/spec-format.md.
type Spec struct {
	// Name and Description label a sample.
	Name        string `json:"name,omitempty" yaml:"name,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// KHO, LUO and Memfd are abi generation tags ("K4", "L-luo-v5",
	// "M2b"). LUO and Memfd may be empty for a state without them.
	KHO   abi.Tag `json:"kho" yaml:"kho"`
	LUO   abi.Tag `json:"luo,omitempty" yaml:"luo,omitempty"`
	Memfd abi.Tag `json:"memfd,omitempty" yaml:"memfd,omitempty"`
	// Base is the lowest physical address the encoder allocates from
	// (default DefaultBase).
	Base uint64 `json:"base,omitempty" yaml:"base,omitempty"`
	// LiveupdateNumber is the LUO live-update counter.
	LiveupdateNumber uint64 `json:"liveupdate_number,omitempty" yaml:"liveupdate_number,omitempty"`
	// Sessions and FLBs make up the LUO state, in creation order.
	Sessions []SessionSpec `json:"sessions,omitempty" yaml:"sessions,omitempty"`
	FLBs     []FLBSpec     `json:"flbs,omitempty" yaml:"flbs,omitempty"`
	// GlobalFiles are L-RFC's files, preserved by the whole state rather
	// than a session, in ascending token order (the order its kernel
	// writes them).
	GlobalFiles []FileSpec `json:"files,omitempty" yaml:"files,omitempty"`
	// Memblock lists reserve_mem regions for the memblock client.
	Memblock []MemblockRegionSpec `json:"memblock,omitempty" yaml:"memblock,omitempty"`
	// KexecMetadata adds the kexec-metadata client (K3 and later).
	KexecMetadata *KexecMetadataSpec `json:"kexec_metadata,omitempty" yaml:"kexec_metadata,omitempty"`
}

// DefaultBase is where encoders start allocating when a Spec gives no base.
const DefaultBase = 0x100000000

// SessionSpec is one LUO session.
type SessionSpec struct {
	Name  string     `json:"name" yaml:"name"`
	Files []FileSpec `json:"files,omitempty" yaml:"files,omitempty"`
}

// FileSpec is one preserved file: a memfd, or a file of another handler
// whose payload address is given as is.
type FileSpec struct {
	Token uint64 `json:"token" yaml:"token"`
	// Memfd describes a memfd payload.
	Memfd *MemfdSpec `json:"memfd,omitempty" yaml:"memfd,omitempty"`
	// Handler and Data describe any other file: its handler compatible
	// (or L-feat handler name) and its opaque payload value.
	Handler string `json:"handler,omitempty" yaml:"handler,omitempty"`
	Data    uint64 `json:"data,omitempty" yaml:"data,omitempty"`
}

// MemfdSpec is a memfd payload. In the simple form (FolioRuns nil) folio
// i covers page-cache index i, is order 0, and is marked uptodate and
// dirty; FolioRuns gives any other layout.
type MemfdSpec struct {
	Pos   uint64 `json:"pos,omitempty" yaml:"pos,omitempty"`
	Size  uint64 `json:"size" yaml:"size"`
	Seals uint32 `json:"seals,omitempty" yaml:"seals,omitempty"`
	Flags uint32 `json:"flags,omitempty" yaml:"flags,omitempty"`
	// Folios is the number of folios (default: the pages of Size).
	Folios uint64 `json:"folios,omitempty" yaml:"folios,omitempty"`
	// WithData places the folio pages in memory (filled with a pattern);
	// by default they are only preserved, so their contents are
	// unresolved and a huge memfd costs no memory.
	WithData bool `json:"with_data,omitempty" yaml:"with_data,omitempty"`
	// FolioRuns, when not nil, lays the folios out explicitly instead of
	// Folios: runs of folios of one order and flags at consecutive
	// indexes, in ascending index order; indexes no run covers are holes.
	// An empty list is a memfd without folios.
	FolioRuns FolioRuns `json:"folio_runs,omitzero" yaml:"folio_runs,omitempty"`
	// Contents gives the file's bytes (embedded, or copied from a source)
	// or says why they are left out.
	Contents *ContentsSpec `json:"contents,omitempty" yaml:"contents,omitempty"`
}

// FLBSpec is one File-Lifecycle-Bound object.
type FLBSpec struct {
	Name  string `json:"name" yaml:"name"`
	Data  uint64 `json:"data,omitempty" yaml:"data,omitempty"`
	Count uint64 `json:"count" yaml:"count"`
}

// MemblockRegionSpec is one reserve_mem region.
type MemblockRegionSpec struct {
	Name  string `json:"name" yaml:"name"`
	Start uint64 `json:"start" yaml:"start"`
	Size  uint64 `json:"size" yaml:"size"`
}

// KexecMetadataSpec is the kexec-metadata client.
type KexecMetadataSpec struct {
	PreviousRelease string `json:"previous_release" yaml:"previous_release"`
	KexecCount      uint32 `json:"kexec_count" yaml:"kexec_count"`
}

// ParseSpec reads a spec in YAML or JSON (JSON is YAML), rejecting unknown
// fields so that a typo is an error rather than a silently missing part.
func ParseSpec(data []byte) (*Spec, error) {
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if s.KHO == "" {
		return nil, fmt.Errorf("spec: no kho generation")
	}
	return &s, nil
}

// Normalize fills in the defaults Encode applies (Base, memfd folio
// counts), so that a spec compares equal to the spec of its decoded state.
func (s *Spec) Normalize() {
	if s.Base == 0 {
		s.Base = DefaultBase
	}
	normalize := func(files []FileSpec) {
		for j := range files {
			if m := files[j].Memfd; m != nil && m.FolioRuns == nil {
				m.Folios = m.folioCount()
			}
		}
	}
	normalize(s.GlobalFiles)
	for i := range s.Sessions {
		normalize(s.Sessions[i].Files)
	}
}

// JSON renders the spec as indented JSON.
func (s *Spec) JSON() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }
