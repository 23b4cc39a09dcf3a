package handover

import (
	"github.com/luoinspect/luoinspect/phys"
)

// SpecOptions steer SpecWith.
type SpecOptions struct {
	// Source names the source m was read from as a SOURCE argument takes
	// it (an absolute path, core:FILE, raw:FILE@BASE): memfd contents too
	// large to embed are referenced there, run by run at their PFNs.
	// Empty: they are never referenced.
	Source string
	// EmbedLimit is the largest file size, in bytes, whose contents are
	// embedded; 0 means DefaultEmbedLimit.
	EmbedLimit uint64
}

// DefaultEmbedLimit is the size up to which SpecWith embeds a memfd's
// contents (64 KiB: some 87 KiB of base64 at most).
const DefaultEmbedLimit = 64 << 10

// Spec describes a decoded state in the form Encode takes, so that a state
// read from a live system or a dump can be re-encoded, edited or compared.
// Base is the lowest address the state's allocations start at (left out
// when it is DefaultBase); other placement is not part of a spec. Folio
// layouts are given as SpecWith gives them, but contents only as far as
// WithData tells them: a memfd whose first folio page m holds gets
// WithData (m may be nil). SpecWith gives the contents themselves.
func (s *State) Spec(m phys.Memory) *Spec { return s.spec(m, SpecOptions{}, true) }

// SpecWith is Spec with each memfd's contents resolved so that encoding
// the spec gives back the same files: when m holds every folio page, the
// contents are WithData when they are the encoder's pattern, embedded
// (ContentsSpec.Base64) when the file is at most EmbedLimit bytes, and
// otherwise referenced to o.Source with each run's PFN. When m does not
// hold them, or no source is named for a large file, ContentsSpec.
// Unresolved says so and the contents are left out. It reads every folio
// page at most twice (pattern check, then embedding) and holds at most
// EmbedLimit bytes of them at once.
func (s *State) SpecWith(m phys.Memory, o SpecOptions) *Spec { return s.spec(m, o, false) }

func (s *State) spec(m phys.Memory, o SpecOptions, legacy bool) *Spec {
	if o.EmbedLimit == 0 {
		o.EmbedLimit = DefaultEmbedLimit
	}
	d := s.Detection
	spec := &Spec{KHO: d.KHO.Tag, LUO: d.LUO.Tag, Memfd: d.Memfd.Tag, Base: s.specBase()}
	if s.Memblock != nil {
		for _, r := range s.Memblock.Regions {
			spec.Memblock = append(spec.Memblock, MemblockRegionSpec{Name: r.Name, Start: r.Start, Size: r.Size})
		}
	}
	if km := s.KexecMetadata; km != nil {
		spec.KexecMetadata = &KexecMetadataSpec{PreviousRelease: km.PreviousRelease, KexecCount: km.KexecCount}
	}
	if s.LUO == nil {
		return spec
	}
	spec.LiveupdateNumber = s.LUO.LiveupdateNumber
	for _, fl := range s.LUO.FLBs {
		spec.FLBs = append(spec.FLBs, FLBSpec{Name: fl.Name, Data: fl.Data, Count: fl.Count})
	}
	file := func(fs *FileState) FileSpec {
		f := FileSpec{Token: fs.File.Token}
		if fs.Memfd == nil {
			f.Handler, f.Data = fs.Handler, fs.File.Data
			return f
		}
		f.Memfd = s.memfdSpec(fs.Memfd, m, o, legacy)
		return f
	}
	for i := range s.GlobalFiles {
		spec.GlobalFiles = append(spec.GlobalFiles, file(&s.GlobalFiles[i]))
	}
	for _, sn := range s.Sessions {
		ss := SessionSpec{Name: sn.Session.Name}
		for i := range sn.Files {
			ss.Files = append(ss.Files, file(&sn.Files[i]))
		}
		spec.Sessions = append(spec.Sessions, ss)
	}
	return spec
}

// specBase returns the base an encoder starts its allocations at to lay
// the state out where it is: the lowest preserved block outside the
// memblock regions (the encoder allocates upwards from its base, and
// places memblock regions where they are, below or above it). It returns
// 0 (the default) when that is DefaultBase or the map is unknown.
func (s *State) specBase() uint64 {
	if s.Preserved == nil {
		return 0
	}
	var regions []phys.Range
	if s.Memblock != nil {
		for _, r := range s.Memblock.Regions {
			regions = append(regions, phys.Range{Start: r.Start, Size: r.Size})
		}
	}
	// The runs ascend by address: the first block outside every region
	// is the lowest. Blocks inside a region are skipped region by region.
	lowest, found := uint64(0), false
next:
	for run := range s.Preserved.RunList() {
		size := uint64(phys.PageSize) << run.Order
		for k := uint64(0); k < run.N; {
			b := run.Block(k)
			r, in := regionOf(regions, b.Addr)
			if !in {
				lowest, found = b.Addr, true
				break next
			}
			if size == 0 {
				break
			}
			k += (r.End()-b.Addr-1)/size + 1 // to the first block at or past the region's end
		}
	}
	if !found {
		return 0
	}
	if lowest != DefaultBase {
		return lowest
	}
	return 0
}

// regionOf returns the range of regions holding addr.
func regionOf(regions []phys.Range, addr uint64) (phys.Range, bool) {
	for _, r := range regions {
		if r.Contains(addr, 1) {
			return r, true
		}
	}
	return phys.Range{}, false
}
