package handover

import (
	"github.com/luoinspect/luoinspect/phys"
)

// Spec describes a decoded state in the form Encode takes, so that a state
// read from a live system or a dump can be re-encoded, edited or compared.
// Placement (Base, addresses of structures) is not part of a spec. A memfd
// whose first folio page m holds gets WithData (m may be nil).
func (s *State) Spec(m phys.Memory) *Spec {
	d := s.Detection
	spec := &Spec{KHO: d.KHO.Tag, LUO: d.LUO.Tag, Memfd: d.Memfd.Tag}
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
	for i := range s.GlobalFiles {
		spec.GlobalFiles = append(spec.GlobalFiles, fileSpec(&s.GlobalFiles[i], m))
	}
	for _, sn := range s.Sessions {
		ss := SessionSpec{Name: sn.Session.Name}
		for i := range sn.Files {
			ss.Files = append(ss.Files, fileSpec(&sn.Files[i], m))
		}
		spec.Sessions = append(spec.Sessions, ss)
	}
	return spec
}

func fileSpec(fs *FileState, mem phys.Memory) FileSpec {
	f := FileSpec{Token: fs.File.Token}
	m := fs.Memfd
	if m == nil {
		f.Handler, f.Data = fs.Handler, fs.File.Data
		return f
	}
	f.Memfd = &MemfdSpec{Pos: m.Pos, Size: m.Size, Seals: m.Seals, Flags: m.Flags, Folios: m.NrFolios}
	if mem != nil && m.NrFolios > 0 {
		if fo, err := m.FolioAt(mem, 0); err == nil && fo.PFN != 0 {
			f.Memfd.WithData = phys.Holds(mem, fo.Addr(), phys.PageSize)
		}
	}
	return f
}
