package render

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
)

// SchemaState names the version of the State document. It changes when a
// field is removed or changes meaning; added fields keep it. v2 carries
// every 64-bit value (address, token, size, count, pfn, data) as a "0x…"
// string, so that no JSON reader rounds it through a double.
const SchemaState = "luoinspect.state/v2"

// Hex is a 64-bit value rendered as a "0x…" string, so that addresses,
// tokens and sizes keep every bit in JSON readers that use doubles.
type Hex uint64

// MarshalText renders the value in hex.
func (h Hex) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "0x%x", uint64(h)), nil }

// UnmarshalText reads the "0x…" form back, so Go programs can decode the
// JSON documents.
func (h *Hex) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 0, 64)
	if err != nil {
		return fmt.Errorf("address %q: %w", b, err)
	}
	*h = Hex(v)
	return nil
}

// State is the machine-readable form of a handover state.
type State struct {
	Schema      string      `json:"schema" yaml:"schema"`
	ByteOrder   string      `json:"byte_order" yaml:"byte_order"`
	Generations Generations `json:"generations" yaml:"generations"`
	KHO         KHO         `json:"kho" yaml:"kho"`
	LUO         *LUO        `json:"luo,omitempty" yaml:"luo,omitempty"`
	Memblock    []Region    `json:"memblock,omitempty" yaml:"memblock,omitempty"`
	KexecMeta   *KexecMeta  `json:"kexec_metadata,omitempty" yaml:"kexec_metadata,omitempty"`
	// Stage is how far the receiving kernel had got: handover (nothing
	// consumed), booted, opened or retrieved.
	Stage string `json:"stage" yaml:"stage"`
	// Consumed lists the parts the receiving kernel had freed by Stage.
	Consumed []Consumed `json:"consumed,omitempty" yaml:"consumed,omitempty"`
	// Roots lists the KHO roots found in a memory dump.
	Roots []Root `json:"roots,omitempty" yaml:"roots,omitempty"`
	// Notes say how the state was found and what it cannot show.
	Notes    []string  `json:"notes,omitempty" yaml:"notes,omitempty"`
	Problems []Problem `json:"problems" yaml:"problems"`
}

// Root is one KHO root found in a memory dump.
type Root struct {
	Addr       Hex     `json:"addr" yaml:"addr"`
	Role       string  `json:"role" yaml:"role"`
	CopyOf     *Hex    `json:"copy_of,omitempty" yaml:"copy_of,omitempty"`
	KexecCount *uint32 `json:"kexec_count,omitempty" yaml:"kexec_count,omitempty"`
	Via        string  `json:"via" yaml:"via"`
	Chosen     bool    `json:"chosen" yaml:"chosen"`
}

// Consumed is a part of the state the receiving kernel had consumed.
type Consumed struct {
	Path       string `json:"path" yaml:"path"`
	Addr       Hex    `json:"addr" yaml:"addr"`
	Generation string `json:"generation" yaml:"generation"`
	At         string `json:"at" yaml:"at"`
	What       string `json:"what" yaml:"what"`
	Source     string `json:"source" yaml:"source"`
}

// Generations holds the detected generation of each component.
type Generations struct {
	KHO   Component `json:"kho" yaml:"kho"`
	LUO   Component `json:"luo" yaml:"luo"`
	Memfd Component `json:"memfd" yaml:"memfd"`
}

// Component is one detection result. Confidence "assumed" marks a
// generation the user named; Conflicts are facts that contradict Tag.
type Component struct {
	Tag          abi.Tag   `json:"tag" yaml:"tag"`
	Confidence   string    `json:"confidence,omitempty" yaml:"confidence,omitempty"`
	Alternatives []abi.Tag `json:"alternatives,omitempty" yaml:"alternatives,omitempty"`
	Evidence     []string  `json:"evidence,omitempty" yaml:"evidence,omitempty"`
	Conflicts    []string  `json:"conflicts,omitempty" yaml:"conflicts,omitempty"`
}

// KHO is the root and its clients.
type KHO struct {
	Compatible     string   `json:"compatible" yaml:"compatible"`
	SubCompatibles []string `json:"sub_compatibles,omitempty" yaml:"sub_compatibles,omitempty"`
	MemoryMap      Hex      `json:"memory_map" yaml:"memory_map"`
	Layout         string   `json:"layout" yaml:"layout"`
	Clients        []Client `json:"clients" yaml:"clients"`
	// PreservedMap says how much of the memory map was read: "read",
	// "partial" (the counts are a lower bound), "unresolved" (no count),
	// "none" (the root names no map) or "consumed".
	PreservedMap string `json:"preserved_map" yaml:"preserved_map"`
	// PreservedBlocks and PreservedBytes summarise the memory map; absent
	// when it could not be read.
	PreservedBlocks *int `json:"preserved_blocks,omitempty" yaml:"preserved_blocks,omitempty"`
	PreservedBytes  *Hex `json:"preserved_bytes,omitempty" yaml:"preserved_bytes,omitempty"`
	// Root is the root FDT itself: its address and how it was found.
	Root KHORoot `json:"root" yaml:"root"`
	// Map is the preserved-memory map block by block (--detail full).
	Map *Map `json:"map,omitempty" yaml:"map,omitempty"`
}

// Map is the preserved-memory map in full: its structure, every block in
// map order and the totals per order.
type Map struct {
	MapInfo `yaml:",inline"`
	Chunks  []MapChunk       `json:"chunks,omitempty" yaml:"chunks,omitempty"`
	Leaves  []RadixLeaf      `json:"leaves,omitempty" yaml:"leaves,omitempty"`
	Blocks  []PreservedBlock `json:"blocks" yaml:"blocks"`
	Orders  []OrderTotal     `json:"orders" yaml:"orders"`
}

// Client is one KHO client node.
type Client struct {
	Name string              `json:"name" yaml:"name"`
	Kind handover.ClientKind `json:"kind" yaml:"kind"`
	// Compatible is the blob's own identification string when it has one
	// (an FDT's root compatible, a raw luo_ser's leading string).
	Compatible string `json:"compatible,omitempty" yaml:"compatible,omitempty"`
	// Addr is absent when the root's pointer property could not be read.
	Addr *Hex `json:"addr,omitempty" yaml:"addr,omitempty"`
	// Size is the blob's length (blob-size, or the FDT header's
	// totalsize); absent when neither could be read.
	Size    *Hex   `json:"size,omitempty" yaml:"size,omitempty"`
	HasSize bool   `json:"blob_size" yaml:"blob_size"`
	Error   string `json:"error,omitempty" yaml:"error,omitempty"`
}

// LUO is the LUO state.
type LUO struct {
	LUOInfo  `yaml:",inline"`
	Sessions []Session `json:"sessions" yaml:"sessions"`
	// Files are L-RFC's files, preserved by the whole state rather than
	// a session.
	Files []File `json:"files,omitempty" yaml:"files,omitempty"`
	FLBs  []FLB  `json:"flbs" yaml:"flbs"`
	// Features and SessionBlocks are shown with --detail full.
	Features      []FeatureWord `json:"features,omitempty" yaml:"features,omitempty"`
	SessionBlocks []ChainBlock  `json:"session_blocks,omitempty" yaml:"session_blocks,omitempty"`
}

// LUOInfo is the LUO blob's own record: where it and its headers are.
type LUOInfo struct {
	Compatible       string `json:"compatible,omitempty" yaml:"compatible,omitempty"`
	Addr             Hex    `json:"addr" yaml:"addr"`
	Size             Hex    `json:"size" yaml:"size"`
	LiveupdateNumber Hex    `json:"liveupdate_number" yaml:"liveupdate_number"`
	// SerAddr is struct luo_ser when it is not the blob itself (the
	// luo-abi-header target of luo-v2).
	SerAddr           *Hex         `json:"ser_addr,omitempty" yaml:"ser_addr,omitempty"`
	SessionCompatible string       `json:"session_compatible,omitempty" yaml:"session_compatible,omitempty"`
	FLBCompatible     string       `json:"flb_compatible,omitempty" yaml:"flb_compatible,omitempty"`
	SessionHeader     *ArrayHeader `json:"session_header,omitempty" yaml:"session_header,omitempty"`
	FLBHeader         *ArrayHeader `json:"flb_header,omitempty" yaml:"flb_header,omitempty"`
	SessionFDT        *Hex         `json:"session_fdt,omitempty" yaml:"session_fdt,omitempty"`
	FilesFDT          *Hex         `json:"files_fdt,omitempty" yaml:"files_fdt,omitempty"`
}

// Session is one LUO session.
type Session struct {
	SessionInfo `yaml:",inline"`
	Files       []File `json:"files" yaml:"files"`
	// FileBlocks is the block chain of the files (--detail full).
	FileBlocks []ChainBlock `json:"file_blocks,omitempty" yaml:"file_blocks,omitempty"`
}

// SessionInfo is a session's own record.
type SessionInfo struct {
	Name string `json:"name" yaml:"name"`
	Addr Hex    `json:"addr" yaml:"addr"`
	Path string `json:"path" yaml:"path"`
	// FilesAddr is the file array or the first block of the file chain;
	// absent for a session without files.
	FilesAddr  *Hex `json:"files_addr,omitempty" yaml:"files_addr,omitempty"`
	FilesPgcnt *Hex `json:"files_pgcnt,omitempty" yaml:"files_pgcnt,omitempty"`
	NrFiles    int  `json:"nr_files" yaml:"nr_files"`
}

// File is one preserved file.
type File struct {
	FileInfo `yaml:",inline"`
	Memfd    *Memfd `json:"memfd,omitempty" yaml:"memfd,omitempty"`
}

// FileInfo is a file's own record.
type FileInfo struct {
	Path    string `json:"path" yaml:"path"`
	Token   Hex    `json:"token" yaml:"token"`
	Handler string `json:"handler" yaml:"handler"`
	Data    Hex    `json:"data" yaml:"data"`
	Addr    Hex    `json:"addr" yaml:"addr"`
	Error   string `json:"error,omitempty" yaml:"error,omitempty"`
}

// Memfd is a memfd payload: the descriptor and, with --detail full, its
// folio area and every record.
type Memfd struct {
	MemfdInfo `yaml:",inline"`
	Chunks    []VmallocChunk `json:"chunks,omitempty" yaml:"chunks,omitempty"`
	Folios    []Folio        `json:"folios,omitempty" yaml:"folios,omitempty"`
	Holes     []Hole         `json:"holes,omitempty" yaml:"holes,omitempty"`
	// FoliosUnresolved is set when the folio records could not all be
	// read: Folios and Holes then cover only the records before it.
	FoliosUnresolved *FoliosUnread `json:"folios_unresolved,omitempty" yaml:"folios_unresolved,omitempty"`
}

// MemfdInfo is a memfd descriptor's own record. Seals, Flags and
// Features are absent for generations that have no such field.
type MemfdInfo struct {
	Generation string  `json:"generation" yaml:"generation"`
	Addr       Hex     `json:"addr" yaml:"addr"`
	Pos        Hex     `json:"pos" yaml:"pos"`
	Size       Hex     `json:"size" yaml:"size"`
	Seals      *uint32 `json:"seals,omitempty" yaml:"seals,omitempty"`
	Flags      *uint32 `json:"flags,omitempty" yaml:"flags,omitempty"`
	NrFolios   Hex     `json:"nr_folios" yaml:"nr_folios"`
	// FolioArray is the first chunk of the folio array's vmalloc area;
	// absent for M0, whose records sit in its FDT (FolioRecords).
	FolioArray   *Hex          `json:"folio_array,omitempty" yaml:"folio_array,omitempty"`
	FolioRecords *Hex          `json:"folio_records,omitempty" yaml:"folio_records,omitempty"`
	Vmalloc      *Vmalloc      `json:"vmalloc,omitempty" yaml:"vmalloc,omitempty"`
	Features     []FeatureWord `json:"features,omitempty" yaml:"features,omitempty"`
	// SHA256 is the content digest (dump --digest): what sha256sum gives
	// on the restored file. DigestError says why it could not be made.
	SHA256      string `json:"sha256,omitempty" yaml:"sha256,omitempty"`
	DigestError string `json:"digest_error,omitempty" yaml:"digest_error,omitempty"`
}

// FLB is one File-Lifecycle-Bound object.
type FLB struct {
	Name  string `json:"name" yaml:"name"`
	Addr  Hex    `json:"addr" yaml:"addr"`
	Path  string `json:"path" yaml:"path"`
	Data  Hex    `json:"data" yaml:"data"`
	Count Hex    `json:"count" yaml:"count"`
}

// Region is one memblock reserve_mem region.
type Region struct {
	Name  string `json:"name" yaml:"name"`
	Start Hex    `json:"start" yaml:"start"`
	Size  Hex    `json:"size" yaml:"size"`
}

// KexecMeta is the kexec-metadata client.
type KexecMeta struct {
	Version         uint32 `json:"version" yaml:"version"`
	PreviousRelease string `json:"previous_release" yaml:"previous_release"`
	KexecCount      uint32 `json:"kexec_count" yaml:"kexec_count"`
}

// Problem is one thing the walk could not read.
type Problem struct {
	Path    string `json:"path" yaml:"path"`
	Kind    string `json:"kind" yaml:"kind"`
	Addr    *Hex   `json:"addr,omitempty" yaml:"addr,omitempty"`
	Offset  *Hex   `json:"offset,omitempty" yaml:"offset,omitempty"`
	Message string `json:"message" yaml:"message"`
}

// Model converts a walked state into its machine-readable form.
func Model(s *handover.State) *State {
	out := &State{Schema: SchemaState, ByteOrder: "little", Problems: []Problem{}}
	d := s.Detection
	out.Generations = Generations{component(d.KHO), component(d.LUO), component(d.Memfd)}
	r := s.Root
	out.KHO = KHO{Compatible: r.Compatible, SubCompatibles: r.SubCompatibles, MemoryMap: Hex(r.MemoryMap),
		Layout: r.Layout.String(), Clients: []Client{}}
	for _, c := range s.Clients {
		cl := Client{Name: c.Name, Kind: c.Kind, HasSize: c.HasSize, Compatible: clientCompatible(s, c.Kind)}
		if c.HasAddr {
			a := Hex(c.Addr)
			cl.Addr = &a
		}
		if c.HasSize || c.Blob != nil || c.Size != 0 {
			size := Hex(c.Size)
			cl.Size = &size
		}
		if c.Err != nil {
			cl.Error = summary(c.Err, kho.RootPath+"/"+c.Name)
		}
		out.KHO.Clients = append(out.KHO.Clients, cl)
	}
	out.KHO.Root = rootModel(s)
	out.KHO.PreservedMap = preservedMap(s)
	if s.Preserved != nil {
		var n int
		var bytes Hex
		for b := range s.Preserved.All() {
			n++
			bytes += Hex(b.Size())
		}
		out.KHO.PreservedBlocks, out.KHO.PreservedBytes = &n, &bytes
	}
	if s.LUO != nil {
		out.LUO = luoModel(s)
	}
	if s.Memblock != nil {
		for _, r := range s.Memblock.Regions {
			out.Memblock = append(out.Memblock, Region{r.Name, Hex(r.Start), Hex(r.Size)})
		}
	}
	if km := s.KexecMetadata; km != nil {
		out.KexecMeta = &KexecMeta{km.Version, km.PreviousRelease, km.KexecCount}
	}
	out.Stage = s.Stage.String()
	for _, c := range s.Consumed {
		out.Consumed = append(out.Consumed, Consumed{c.Path, Hex(c.Addr), string(c.Generation), c.At.String(), c.What, c.Source})
	}
	for _, r := range s.Roots {
		ro := Root{Addr: Hex(r.Addr), Role: r.Role, Via: r.Via, Chosen: r.Chosen}
		if r.Role == "copy" {
			c := Hex(r.CopyOf)
			ro.CopyOf = &c
		}
		if r.HasCount {
			k := r.KexecCount
			ro.KexecCount = &k
		}
		out.Roots = append(out.Roots, ro)
	}
	out.Notes = s.Notes
	for _, p := range s.Problems {
		out.Problems = append(out.Problems, problem(p))
	}
	return out
}

// clientCompatible is the identification string of a decoded client blob.
func clientCompatible(s *handover.State, kind handover.ClientKind) string {
	switch {
	case kind == handover.ClientLUO && s.LUO != nil:
		return s.LUO.Compatible
	case kind == handover.ClientMemblock && s.Memblock != nil:
		return s.Memblock.Compatible
	}
	return ""
}

// rootModel says where the root FDT is and how it was found.
func rootModel(s *handover.State) KHORoot {
	r := s.Root
	out := KHORoot{Found: s.RootOrigin, Compatibles: r.Compatibles}
	if out.Compatibles == nil {
		out.Compatibles = []string{}
	}
	if s.RootAddr != phys.NoAddr {
		out.Addr = optHex(s.RootAddr)
		if out.Addr == nil {
			out.Addr = new(Hex)
		}
	}
	if r.Tree != nil {
		out.TotalSize = Hex(r.Tree.Header.TotalSize)
	}
	return out
}

// preservedMap says how much of the memory map the walk read.
func preservedMap(s *handover.State) string {
	switch _, consumed := s.ConsumedPart(handover.ConsumedMemoryMap); {
	case consumed:
		return "consumed"
	case s.Preserved != nil && s.MemmapIncomplete:
		return "partial"
	case s.Preserved != nil:
		return "read"
	case s.Root.MemoryMap == 0:
		return "none"
	}
	return "unresolved"
}

func component(c abi.Detection) Component {
	return Component{Tag: c.Tag, Confidence: string(c.Confidence), Alternatives: c.Alternatives,
		Evidence: c.Evidence, Conflicts: c.Conflicts}
}

func luoModel(s *handover.State) *LUO {
	l := s.LUO
	out := &LUO{LUOInfo: luoInfo(s), Sessions: []Session{}, FLBs: []FLB{}}
	for i := range s.GlobalFiles {
		out.Files = append(out.Files, fileModel(&s.GlobalFiles[i]))
	}
	for _, sn := range s.Sessions {
		ss := Session{SessionInfo: sessionInfo(sn), Files: []File{}}
		for i := range sn.Files {
			ss.Files = append(ss.Files, fileModel(&sn.Files[i]))
		}
		out.Sessions = append(out.Sessions, ss)
	}
	for _, fl := range l.FLBs {
		out.FLBs = append(out.FLBs, flbModel(fl))
	}
	return out
}

// luoInfo is the LUO blob's own record.
func luoInfo(s *handover.State) LUOInfo {
	l := s.LUO
	ly := l.Layout
	out := LUOInfo{Compatible: l.Compatible, Addr: Hex(ly.BlobAddr), Size: Hex(ly.BlobSize),
		LiveupdateNumber: Hex(l.LiveupdateNumber), SessionCompatible: ly.SessionCompatible,
		FLBCompatible: ly.FLBCompatible, SessionHeader: arrayHeader(ly.SessionHeader),
		FLBHeader: arrayHeader(ly.FLBHeader), SessionFDT: optHex(ly.SessionFDT), FilesFDT: optHex(ly.FilesFDT)}
	if ly.SerAddr != ly.BlobAddr {
		out.SerAddr = optHex(ly.SerAddr)
	}
	return out
}

// optHex is v as an optional value, absent when 0.
func optHex(v uint64) *Hex {
	if v == 0 {
		return nil
	}
	h := Hex(v)
	return &h
}

func arrayHeader(h *luo.ArrayHeader) *ArrayHeader {
	if h == nil {
		return nil
	}
	out := &ArrayHeader{Addr: Hex(h.Addr), Count: Hex(h.Count)}
	if h.HasPgcnt {
		pg := Hex(h.Pgcnt)
		out.Pgcnt = &pg
	}
	return out
}

func sessionInfo(sn handover.SessionState) SessionInfo {
	ss := sn.Session
	out := SessionInfo{Name: ss.Name, Addr: Hex(ss.Addr), Path: ss.Path, FilesAddr: optHex(ss.FilesAddr), NrFiles: len(sn.Files)}
	if ss.FilesAddr != 0 && ss.FilesPgcnt != 0 {
		out.FilesPgcnt = optHex(ss.FilesPgcnt)
	}
	return out
}

func flbModel(fl luo.FLB) FLB {
	return FLB{Name: fl.Name, Addr: Hex(fl.Addr), Path: fl.Path, Data: Hex(fl.Data), Count: Hex(fl.Count)}
}

func fileModel(fs *handover.FileState) File {
	f := File{FileInfo: fileInfo(fs)}
	if fs.Memfd != nil {
		f.Memfd = &Memfd{MemfdInfo: memfdInfo(fs)}
	}
	return f
}

func fileInfo(fs *handover.FileState) FileInfo {
	f := FileInfo{Path: fs.File.Path, Token: Hex(fs.File.Token), Handler: fs.Handler, Data: Hex(fs.File.Data), Addr: Hex(fs.File.Addr)}
	if fs.Err != nil {
		f.Error = summary(fs.Err, fs.File.Path)
	}
	return f
}

// memfdInfo is the memfd descriptor's own record; fs.Memfd is not nil.
func memfdInfo(fs *handover.FileState) MemfdInfo {
	m := fs.Memfd
	out := MemfdInfo{Generation: string(m.Generation), Addr: Hex(m.Addr), Pos: Hex(m.Pos), Size: Hex(m.Size), NrFolios: Hex(m.NrFolios)}
	if m.HasField("folios.first") {
		out.FolioArray = optHex(m.Folios.First)
		out.Vmalloc = &Vmalloc{First: Hex(m.Folios.First), TotalPages: Hex(m.Folios.TotalPages),
			Order: int(m.Folios.Order), Flags: Hex(m.Folios.Flags)}
	}
	if m.FDT != nil {
		out.FolioRecords = optHex(m.FDT.Folios)
	}
	if m.HasField("seals") {
		seals := m.Seals
		out.Seals = &seals
	}
	if m.HasField("flags") {
		flags := m.Flags
		out.Flags = &flags
	}
	if m.HasField("features.req") {
		ft := m.Features
		out.Features = featureWords(string(m.Generation), "MEMFD_LUO_FEATURE_", ft.Supp, ft.Req, ft.Active)
	}
	if fs.Digest != nil {
		out.SHA256 = fs.Digest.String()
	}
	if fs.DigestErr != nil {
		out.DigestError = fs.DigestErr.Error()
	}
	return out
}

// summary is an error on one line: the first problem it holds, and how
// many more (they are listed in State.Problems).
func summary(err error, path string) string {
	ps := phys.Flatten(err, path)
	if len(ps) == 1 {
		return ps[0].Error()
	}
	return fmt.Sprintf("%v (and %d more problems)", ps[0], len(ps)-1)
}

func problem(p *phys.Error) Problem {
	out := Problem{Path: p.Path, Message: p.Msg, Kind: "error"}
	for _, k := range []error{phys.ErrUnresolved, phys.ErrMalformed, phys.ErrCycle, phys.ErrLimit, phys.ErrUnsupported} {
		if errors.Is(p, k) {
			out.Kind = k.Error()
		}
	}
	if p.Addr != phys.NoAddr {
		a := Hex(p.Addr)
		out.Addr = &a
	}
	if p.Offset >= 0 {
		o := Hex(p.Offset)
		out.Offset = &o
	}
	return out
}
