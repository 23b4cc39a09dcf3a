package handover

import (
	"iter"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// ByteOrder is the CPU byte order assumed for every native-endian value.
const ByteOrder = "little-endian (x86-64, arm64)"

// State is a complete decoded handover state.
type State struct {
	// ByteOrder is the CPU byte order the values were read in.
	ByteOrder string
	// Detection names the generation of each component.
	Detection Detection
	// Root is the KHO root FDT.
	Root *kho.Root
	// Memmap is the preserved-memory map (*kho.MemmapV1 or
	// *kho.MemmapRadix), nil when it could not be read.
	Memmap kho.Memmap
	// MemmapIncomplete is set when parts of the map could not be read:
	// Memmap and Preserved then hold a lower bound of the preserved
	// blocks, and a page they do not list is unverified, not unpreserved.
	MemmapIncomplete bool
	// Preserved indexes the preserved blocks of Memmap.
	Preserved *kho.Preserved
	// Clients lists every KHO client node and how it was read.
	Clients []Client
	// LUO is the LUO state, nil when the root has no LUO client or it could
	// not be read.
	LUO *luo.State
	// Sessions is the LUO state as a tree: one node per session of LUO,
	// in serialization order, each with its files and their handler
	// payloads.
	Sessions []SessionState
	// GlobalFiles are L-RFC's session-less files (luo.State.Files) with
	// their handler payloads; nil for every other generation.
	GlobalFiles []FileState
	// Memblock, KexecMetadata and KhoTest are the other known clients.
	Memblock      *kho.Memblock
	KexecMetadata *kho.KexecMetadata
	KhoTest       *kho.KhoTest
	// Stage is the walk's Options.Stage: how far the receiving kernel had
	// got with the state.
	Stage abi.Stage
	// Consumed lists the parts the receiving kernel had freed or reused
	// by Stage; they are not decoded and are no problems.
	Consumed []Consumed
	// Roots lists the KHO roots the loader found in a memory dump, the
	// walked one marked Chosen; nil when the root came from debugfs or a
	// blob. Set by the loader.
	Roots []RootSeen
	// RootAddr is the physical address of the root FDT when the source
	// tells it (phys.NoAddr otherwise: debugfs shows the bytes, not the
	// address), and RootOrigin says where the root was read, e.g.
	// "memory at PA 0x1f9000 (via setup_data/1 (type 10))". Set by the
	// loader.
	RootAddr   uint64
	RootOrigin string
	// Notes say how the state was found and what it cannot show, for
	// readers (which root of several, a root completed from memory,
	// sessions a running kernel has not written yet). Set by the loader.
	Notes []string
	// Problems lists what could not be read, in walk order. A problem
	// wrapping phys.ErrUnresolved means the source does not hold the memory
	// a pointer names: the walk goes on around it.
	Problems []*phys.Error
}

// Paths of the parts a receiving kernel consumes, as State.Consumed names
// them.
const (
	ConsumedMemoryMap = kho.MemmapPath
	ConsumedLUO       = "LUO"
)

// ConsumedPart returns the consumption recorded for the part at path.
func (s *State) ConsumedPart(path string) (Consumed, bool) {
	for _, c := range s.Consumed {
		if c.Path == path {
			return c, true
		}
	}
	return Consumed{}, false
}

// RootSeen is one KHO root found in a memory dump.
type RootSeen struct {
	Addr uint64
	// Role is handover, incoming, outgoing, older or copy (see
	// source.RootRole).
	Role string
	// CopyOf is the address of the root a copy repeats.
	CopyOf uint64
	// KexecCount is the root's kexec-metadata count when HasCount.
	KexecCount uint32
	HasCount   bool
	// Via says how the root was found (a boot handoff, the scan).
	Via    string
	Chosen bool
}

// Consumed is a part of the state that the receiving kernel had consumed
// at the walk's stage, as the registry records for its generation.
type Consumed struct {
	// Path names the part, e.g. "KHO/preserved-memory-map" or "LUO".
	Path string
	// Addr is the part's physical address.
	Addr uint64
	// Generation is the tag whose kernels consume it.
	Generation abi.Tag
	abi.Consumption
}

// ClientKind names what a KHO client node holds; the client's node name
// decides it.
type ClientKind string

// Client kinds.
const (
	ClientLUO           ClientKind = "LUO"
	ClientMemblock      ClientKind = "memblock"
	ClientKexecMetadata ClientKind = "kexec-metadata"
	ClientKhoTest       ClientKind = "kho_test"
	ClientUnknown       ClientKind = "unknown"
)

// String returns the kind as the node name spells it.
func (k ClientKind) String() string { return string(k) }

// Client is one child node of the KHO root.
type Client struct {
	Name    string
	Addr    uint64 // physical address of the client's blob
	HasAddr bool   // the root gave a readable pointer (Addr is 0 otherwise)
	Size    uint64 // blob-size, or the length read (FDT totalsize)
	HasSize bool   // the root carried blob-size
	// Kind is what the client holds, ClientUnknown for a client this
	// build does not decode.
	Kind ClientKind
	// Blob is the client's blob as read, nil when it could not be read.
	Blob []byte
	// Err is why the client could not be decoded, or nil.
	Err error
}

// SessionState is one LUO session with its files' handler payloads.
type SessionState struct {
	// Session is the decoded session entry.
	Session *luo.Session
	// Files holds one node per file of Session, in file order.
	Files []FileState
}

// Files yields every file of the state: L-RFC's global files first, then
// each session's in session and file order.
func (s *State) Files() iter.Seq[*FileState] {
	return func(yield func(*FileState) bool) {
		for i := range s.GlobalFiles {
			if !yield(&s.GlobalFiles[i]) {
				return
			}
		}
		for i := range s.Sessions {
			for j := range s.Sessions[i].Files {
				if !yield(&s.Sessions[i].Files[j]) {
					return
				}
			}
		}
	}
}

// FileState is one preserved LUO file with its handler payload.
type FileState struct {
	// Session is the name of the session holding the file ("" for L-RFC's
	// global files).
	Session string
	File    *luo.File
	// Handler is the handler compatible or name the entry carries.
	Handler string
	// Memfd is the decoded memfd payload, nil for other handlers or when
	// it could not be read.
	Memfd *memfd.File
	// Err is why the payload could not be decoded, or nil. A handler this
	// build does not know is not an error: the payload stays raw (its
	// address is File.Data).
	Err error
	// Digest is the memfd's content digest once ComputeDigests ran and
	// could read every page; DigestErr says why not otherwise.
	Digest    *memfd.Digest
	DigestErr error
}

// Unresolved lists the problems caused by memory the source does not hold.
func (s *State) Unresolved() []*phys.Error {
	var out []*phys.Error
	for _, p := range s.Problems {
		if p.Err == phys.ErrUnresolved {
			out = append(out, p)
		}
	}
	return out
}
