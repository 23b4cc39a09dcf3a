// Package luo decodes, detects and encodes the state that the Live Update
// Orchestrator hands from one kernel to the next: the blob registered as the
// KHO client "LUO" and everything it points to (sessions, their preserved
// files, and File-Lifecycle-Bound objects).
//
// Every LUO layout generation of the abi registry is understood, from the
// RFC-era FDT with /subsystems (L-RFC) to the feature-header luo_ser (L-feat).
// All offsets and sizes come from the abi registry. The decoder never
// panics, checks every count against what its array or block can hold
// before iterating, and never follows memory twice. It keeps going past
// problems: it decodes everything around a damaged part and reports each
// problem as a *phys.Error with a Check (checks.go) and a Path naming the
// place in the state, for example "LUO/sessions[3].files[7].compatible",
// together with the physical address and the byte offset inside the
// structure.
package luo

import "github.com/luoinspect/luoinspect/abi"

// State is one decoded LUO handover state, as independent of the layout
// generation as the generations allow.
type State struct {
	// Generation is the abi tag of the layout, e.g. "L-6.19" or "L-feat".
	Generation abi.Tag
	// Compatible is the LUO root identification string: the root
	// compatible of an FDT blob ("luo-v1", "luo-v2") or the string at the
	// start of a raw struct luo_ser ("luo-v3", "luo-v5;block-v1", ...).
	// It is empty for L-feat, which has no strings. Encode uses it to pick
	// between the two L-blk strings and otherwise ignores it.
	Compatible string
	// LiveupdateNumber is the live-update counter (liveupdate-number or
	// luo_ser.liveupdate_num); 0 where the layout has none.
	LiveupdateNumber uint64
	// Sessions are the preserved sessions in serialization (creation)
	// order.
	Sessions []Session
	// FLBs are the File-Lifecycle-Bound objects in serialization
	// (registration) order.
	FLBs []FLB
	// Files are the globally preserved files of L-RFC, which has no
	// sessions, in blob order. Nil for every other generation. Encode
	// writes them in ascending token order (the patch v2/v3 kernel walks
	// an xarray indexed by token), so Decode returns them sorted.
	Files []File
	// Subsystems are the /subsystems properties of L-RFC and L-v4 other
	// than the ones this package decodes itself (the file-descriptors
	// subsystem of L-RFC patch v2/v3 and the session subsystem of L-v4),
	// in registration order. A kernel-written node holds them newest
	// first (read-write mode); Decode reverses that, and Encode registers
	// them in this order before its own subsystem.
	Subsystems []Subsystem
	// Features is the L-feat feature header of struct luo_ser; nil for
	// the other generations.
	Features *Features
	// SessionEntrySize is the luo_session_ser stride of L-v6, 80 (a v6
	// kernel built before patch 05/20, name[56]) or 88 (the fully applied
	// series, name[64]). Decode sets it only for L-v6; Encode reads it only
	// for L-v6, where 0 means 88.
	SessionEntrySize int
	// Layout records where the decoder found things. Encode ignores it.
	Layout Layout
}

// Session is one preserved session.
type Session struct {
	// Name is the session name (without the NUL padding).
	Name string
	// Files are the session's preserved files in preservation order.
	Files []File
	// Addr is the physical address of the session's luo_session_ser entry
	// (decoder output; Encode ignores it).
	Addr uint64
	// Path is the decode path of the entry, e.g. "LUO/sessions[3]".
	Path string
	// FilesAddr is the physical address of the session's file array or of
	// the first block of its file chain; 0 when it has no files.
	FilesAddr uint64
	// FilesPgcnt is the pgcnt member of L-v4/L-v5/L-v6 session entries
	// (pages of the file array); 0 elsewhere.
	FilesPgcnt uint64
	// FileBlocks lists the block addresses of a block-chain file set, in
	// chain order.
	FileBlocks []uint64
}

// File is one preserved file of a session (or, in L-RFC, of the whole
// state).
type File struct {
	// Compatible is the handler compatible, e.g. "memfd-v1". Empty in
	// L-feat.
	Compatible string
	// HandlerName is the handler name of L-feat, e.g. "memfd"; empty in
	// every other generation.
	HandlerName string
	// Token is the userspace token.
	Token uint64
	// Data is the handler payload: for memfd the physical address of
	// struct memfd_luo_ser (or of the M0 FDT).
	Data uint64
	// Addr is the physical address of the luo_file_ser entry (decoder
	// output; 0 for L-RFC files, which are FDT nodes).
	Addr uint64
	// Path is the decode path, e.g. "LUO/sessions[3].files[7]"; the handler
	// payload is at Path + ".data".
	Path string
}

// FLB is one File-Lifecycle-Bound global object.
type FLB struct {
	// Name is the FLB compatible.
	Name string
	// Data is the FLB-private value.
	Data uint64
	// Count is the number of files that depend on the object (the
	// incoming reference count).
	Count uint64
	// Addr is the physical address of the luo_flb_ser entry (decoder
	// output).
	Addr uint64
	// Path is the decode path, e.g. "LUO/flbs[2]".
	Path string
}

// Subsystem is one property of the L-RFC/L-v4 /subsystems node: a
// subsystem name and its opaque u64.
type Subsystem struct {
	Name string
	Data uint64
}

// Features is the L-feat struct luo_feature_hdr at the start of struct
// luo_ser. The reserved words must be zero and are not kept.
type Features struct {
	Supp   uint64 // features the writer supports
	Req    uint64 // features the reader must support
	Active uint64 // features in use in this blob
}

// ArrayHeader is a decoded session or FLB header of the contiguous-array
// generations.
type ArrayHeader struct {
	Addr     uint64 // physical address of the header
	Pgcnt    uint64 // pgcnt member (valid when HasPgcnt)
	HasPgcnt bool   // the header has a pgcnt member
	Count    uint64 // count member
}

// Layout records where a decoded state was found. It is filled by Decode
// and ignored by Encode.
type Layout struct {
	// BlobAddr is the physical address of the LUO blob when known
	// (DecodeAt, or the blobAddr Encode returned).
	BlobAddr uint64
	// BlobSize is the byte length of the LUO blob: the FDT totalsize or
	// sizeof(struct luo_ser).
	BlobSize int
	// SerAddr is the physical address of struct luo_ser: the
	// luo-abi-header target in L-luo-v2, BlobAddr for raw luo_ser blobs.
	SerAddr uint64
	// SessionCompatible and FLBCompatible are the compatibles of the FDT
	// nodes luo-session and luo-flb (or of the L-v4 session FDT).
	SessionCompatible string
	FLBCompatible     string
	// SessionProp and FLBProp are the header property names
	// (luo-session-head or luo-session-header, and the FLB equivalents).
	SessionProp string
	FLBProp     string
	// SessionHeader and FLBHeader are the array headers, where the
	// generation has them.
	SessionHeader *ArrayHeader
	FLBHeader     *ArrayHeader
	// SessionBlocks lists the blocks of a session chain in chain order.
	SessionBlocks []uint64
	// SessionFDT is the physical address of the L-v4 session FDT, and
	// SessionSubsystem the /subsystems property that points to it.
	SessionFDT       uint64
	SessionSubsystem string
	// FilesFDT is the physical address of the L-RFC patch v2/v3
	// file-descriptors FDT; 0 for the RFC v2 inline node.
	FilesFDT uint64
}

// Content returns a deep copy of s that keeps only what an encoder needs:
// Layout, every Addr and Path, and the per-session placement fields are
// cleared, and empty slices become nil. Two states with equal Content
// encode to the same bytes with the same allocator.
func (s *State) Content() *State {
	c := &State{
		Generation:       s.Generation,
		Compatible:       s.Compatible,
		LiveupdateNumber: s.LiveupdateNumber,
		SessionEntrySize: s.SessionEntrySize,
	}
	if s.Features != nil {
		f := *s.Features
		c.Features = &f
	}
	for _, ss := range s.Sessions {
		c.Sessions = append(c.Sessions, Session{Name: ss.Name, Files: contentFiles(ss.Files)})
	}
	for _, f := range s.FLBs {
		c.FLBs = append(c.FLBs, FLB{Name: f.Name, Data: f.Data, Count: f.Count})
	}
	c.Files = contentFiles(s.Files)
	if len(s.Subsystems) > 0 {
		c.Subsystems = append([]Subsystem(nil), s.Subsystems...)
	}
	return c
}

func contentFiles(files []File) []File {
	var out []File
	for _, f := range files {
		out = append(out, File{Compatible: f.Compatible, HandlerName: f.HandlerName, Token: f.Token, Data: f.Data})
	}
	return out
}
