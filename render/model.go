package render

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// SchemaState names the version of the State document. It changes when a
// field is removed or changes meaning; added fields keep it.
const SchemaState = "luoinspect.state/v1"

// Hex is a 64-bit value rendered as a "0x…" string, so that addresses keep
// every bit in JSON readers that use doubles.
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

// Component is one detection result.
type Component struct {
	Tag          string   `json:"tag" yaml:"tag"`
	Confidence   string   `json:"confidence,omitempty" yaml:"confidence,omitempty"`
	Alternatives []string `json:"alternatives,omitempty" yaml:"alternatives,omitempty"`
	Overridden   bool     `json:"overridden,omitempty" yaml:"overridden,omitempty"`
	Evidence     []string `json:"evidence,omitempty" yaml:"evidence,omitempty"`
}

// KHO is the root and its clients.
type KHO struct {
	Compatible     string   `json:"compatible" yaml:"compatible"`
	SubCompatibles []string `json:"sub_compatibles,omitempty" yaml:"sub_compatibles,omitempty"`
	MemoryMap      Hex      `json:"memory_map" yaml:"memory_map"`
	Layout         string   `json:"layout" yaml:"layout"`
	Clients        []Client `json:"clients" yaml:"clients"`
	// PreservedBlocks and PreservedBytes summarise the memory map.
	PreservedBlocks int    `json:"preserved_blocks" yaml:"preserved_blocks"`
	PreservedBytes  uint64 `json:"preserved_bytes" yaml:"preserved_bytes"`
}

// Client is one KHO client node.
type Client struct {
	Name    string `json:"name" yaml:"name"`
	Kind    string `json:"kind" yaml:"kind"`
	Addr    Hex    `json:"addr" yaml:"addr"`
	Size    uint64 `json:"size" yaml:"size"`
	HasSize bool   `json:"blob_size" yaml:"blob_size"`
	Error   string `json:"error,omitempty" yaml:"error,omitempty"`
}

// LUO is the LUO state.
type LUO struct {
	Compatible       string    `json:"compatible,omitempty" yaml:"compatible,omitempty"`
	Addr             Hex       `json:"addr" yaml:"addr"`
	LiveupdateNumber uint64    `json:"liveupdate_number" yaml:"liveupdate_number"`
	Sessions         []Session `json:"sessions" yaml:"sessions"`
	FLBs             []FLB     `json:"flbs" yaml:"flbs"`
}

// Session is one LUO session.
type Session struct {
	Name  string `json:"name" yaml:"name"`
	Addr  Hex    `json:"addr" yaml:"addr"`
	Files []File `json:"files" yaml:"files"`
}

// File is one preserved file.
type File struct {
	Token   uint64 `json:"token" yaml:"token"`
	Handler string `json:"handler" yaml:"handler"`
	Data    Hex    `json:"data" yaml:"data"`
	Addr    Hex    `json:"addr" yaml:"addr"`
	Memfd   *Memfd `json:"memfd,omitempty" yaml:"memfd,omitempty"`
	Error   string `json:"error,omitempty" yaml:"error,omitempty"`
}

// Memfd is a memfd payload (folios are summarised, not listed).
type Memfd struct {
	Generation string `json:"generation" yaml:"generation"`
	Pos        uint64 `json:"pos" yaml:"pos"`
	Size       uint64 `json:"size" yaml:"size"`
	Seals      uint32 `json:"seals" yaml:"seals"`
	Flags      uint32 `json:"flags" yaml:"flags"`
	NrFolios   uint64 `json:"nr_folios" yaml:"nr_folios"`
	Folios     Hex    `json:"folios" yaml:"folios"`
	// SHA256 is the content digest (dump --digest): what sha256sum gives
	// on the restored file. DigestError says why it could not be made.
	SHA256      string `json:"sha256,omitempty" yaml:"sha256,omitempty"`
	DigestError string `json:"digest_error,omitempty" yaml:"digest_error,omitempty"`
}

// FLB is one File-Lifecycle-Bound object.
type FLB struct {
	Name  string `json:"name" yaml:"name"`
	Data  Hex    `json:"data" yaml:"data"`
	Count uint64 `json:"count" yaml:"count"`
}

// Region is one memblock reserve_mem region.
type Region struct {
	Name  string `json:"name" yaml:"name"`
	Start Hex    `json:"start" yaml:"start"`
	Size  uint64 `json:"size" yaml:"size"`
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
	Offset  *int64 `json:"offset,omitempty" yaml:"offset,omitempty"`
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
		cl := Client{Name: c.Name, Kind: c.Kind, Addr: Hex(c.Addr), Size: c.Size, HasSize: c.HasSize}
		if c.Err != nil {
			cl.Error = c.Err.Error()
		}
		out.KHO.Clients = append(out.KHO.Clients, cl)
	}
	if s.Preserved != nil {
		for b := range s.Preserved.All() {
			out.KHO.PreservedBlocks++
			out.KHO.PreservedBytes += b.Size()
		}
	}
	if s.LUO != nil {
		out.LUO = luoModel(s)
	}
	if s.Memblock != nil {
		for _, r := range s.Memblock.Regions {
			out.Memblock = append(out.Memblock, Region{r.Name, Hex(r.Start), r.Size})
		}
	}
	if km := s.KexecMetadata; km != nil {
		out.KexecMeta = &KexecMeta{km.Version, km.PreviousRelease, km.KexecCount}
	}
	out.Stage = s.Stage.String()
	for _, c := range s.Consumed {
		out.Consumed = append(out.Consumed, Consumed{c.Path, Hex(c.Addr), c.Generation, c.At.String(), c.What, c.Source})
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

func component(c handover.Component) Component {
	return Component{Tag: c.Tag, Confidence: string(c.Confidence), Alternatives: c.Alternatives,
		Overridden: c.Overridden, Evidence: c.Evidence}
}

func luoModel(s *handover.State) *LUO {
	l := s.LUO
	out := &LUO{Compatible: l.Compatible, Addr: Hex(l.Layout.BlobAddr), LiveupdateNumber: l.LiveupdateNumber,
		Sessions: []Session{}, FLBs: []FLB{}}
	i := 0
	for _, ls := range l.Sessions {
		ss := Session{Name: ls.Name, Addr: Hex(ls.Addr), Files: []File{}}
		for range ls.Files {
			ss.Files = append(ss.Files, fileModel(&s.Files[i]))
			i++
		}
		out.Sessions = append(out.Sessions, ss)
	}
	for _, fl := range l.FLBs {
		out.FLBs = append(out.FLBs, FLB{fl.Name, Hex(fl.Data), fl.Count})
	}
	return out
}

func fileModel(fs *handover.FileState) File {
	f := File{Token: fs.File.Token, Handler: fs.Handler, Data: Hex(fs.File.Data), Addr: Hex(fs.File.Addr)}
	if m := fs.Memfd; m != nil {
		f.Memfd = &Memfd{Generation: m.Generation, Pos: m.Pos, Size: m.Size, Seals: m.Seals, Flags: m.Flags,
			NrFolios: m.NrFolios, Folios: Hex(m.Folios.First)}
		if fs.Digest != nil {
			f.Memfd.SHA256 = fs.Digest.String()
		}
		if fs.DigestErr != nil {
			f.Memfd.DigestError = fs.DigestErr.Error()
		}
	}
	if fs.Err != nil {
		f.Error = fs.Err.Error()
	}
	return f
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
		o := p.Offset
		out.Offset = &o
	}
	return out
}
