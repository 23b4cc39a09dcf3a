package memfd

import (
	"fmt"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// maxLFSFileSize is MAX_LFS_FILESIZE on 64-bit kernels (LLONG_MAX): the
// largest position vfs_setpos accepts.
const maxLFSFileSize = 1<<63 - 1

// CheckDescriptor returns the problems of the descriptor itself, without
// reading folio records. It is the one implementation of the descriptor
// rules; each problem names its field (f.Path + "." + field), f.Addr, the
// field's offset from the abi registry (-1 for M0) and its Check:
//
//   - CheckSeals: M2a/M2b/M3 seals outside MEMFD_LUO_ALL_SEALS (retrieve
//     fails with -EOPNOTSUPP); M4 seals set without
//     MEMFD_LUO_FEATURE_SEALS, or outside MEMFD_LUO_BASE_SEALS;
//   - CheckFlags: M2a reserved bits set; M2b/M3/M4 flags set ("unused
//     flag bits must be 0"; whether retrieve rejects them is UNVERIFIED);
//   - CheckFeatures (M4): req bits this reader does not know
//     (ErrUnsupported: a reader must support every req bit); req or active
//     not within supp (one problem); reserved words set (one problem, at
//     the first); folios described without MEMFD_LUO_FEATURE_FOLIOS;
//   - CheckNrFolios: nr_folios larger than the pages size covers
//     (memfd_pin_folios gives at most one folio per page); an M0 nr_folios
//     property that disagrees with the folios length;
//   - CheckPos: pos past MAX_LFS_FILESIZE (vfs_setpos refuses it);
//   - CheckStaleFolios (M1 on): a non-zero folio descriptor with
//     nr_folios 0 (the kernel ignores it; a real producer writes zeros);
//   - CheckVmallocFlags (M1 on): vmalloc flags other than
//     KHO_VMALLOC_ALLOC/HUGE_VMAP (silently dropped by the kernel).
//
// Severity is left to the caller.
func (f *File) CheckDescriptor() []*phys.Error {
	p := &problems{f: f}
	switch f.Generation {
	case M2a, M2b, M3:
		if bad := uint64(f.Seals) &^ allSeals; bad != 0 {
			p.at(CheckSeals, "seals", "seals 0x%x include bits 0x%x outside MEMFD_LUO_ALL_SEALS 0x%x; retrieve fails with -EOPNOTSUPP", f.Seals, bad, allSeals)
		}
		if f.Reserved != 0 {
			p.at(CheckFlags, "__reserved", "reserved bits 8..63 hold 0x%x, must be 0", f.Reserved)
		}
		if f.Flags != 0 {
			p.at(CheckFlags, "flags", "flags 0x%x: no flag is defined and unused bits must be 0", f.Flags)
		}
	case M4:
		p.features()
		if f.Features.Active&featSeals == 0 {
			if f.Seals != 0 {
				p.at(CheckSeals, "seals", "seals 0x%x set but MEMFD_LUO_FEATURE_SEALS is not active", f.Seals)
			}
		} else if bad := uint64(f.Seals) &^ baseSeals; bad != 0 {
			p.at(CheckSeals, "seals", "seals 0x%x include bits 0x%x outside MEMFD_LUO_BASE_SEALS 0x%x", f.Seals, bad, baseSeals)
		}
		if f.Features.Active&featFolios == 0 && (f.NrFolios != 0 || f.Folios != (kho.Vmalloc{})) {
			p.at(CheckFeatures, "nr_folios", "folios are described but MEMFD_LUO_FEATURE_FOLIOS is not active")
		}
		if f.Flags != 0 {
			p.at(CheckFlags, "flags", "flags 0x%x: unused bits must be 0", f.Flags)
		}
	case M0:
		if f.FDT != nil && f.FDT.HasNrFolios && f.FDT.NrFolios != f.NrFolios {
			p.at(CheckNrFolios, "nr_folios", "nr_folios property %d, the folios property holds %d records (the kernel uses the latter)", f.FDT.NrFolios, f.NrFolios)
		}
	}
	if f.Pos > maxLFSFileSize {
		p.at(CheckPos, "pos", "pos 0x%x is past MAX_LFS_FILESIZE 0x%x", f.Pos, uint64(maxLFSFileSize))
	}
	if f.NrFolios > f.pages() {
		p.at(CheckNrFolios, "nr_folios", "%d folios for a %d-byte file (%d pages); memfd_pin_folios gives at most one per page", f.NrFolios, f.Size, f.pages())
	}
	if f.Generation != M0 {
		if f.NrFolios == 0 && f.Folios != (kho.Vmalloc{}) {
			p.at(CheckStaleFolios, "folios", "nr_folios is 0 but the folio descriptor is not zero (the kernel ignores it; a real producer writes zeros)")
		}
		if bad := f.Folios.Flags &^ (kho.VmallocAlloc | kho.VmallocHugeVmap); bad != 0 {
			p.at(CheckVmallocFlags, "folios.flags", "vmalloc flags 0x%x hold unknown bits 0x%x (kho_flags_to_vmalloc drops them)", f.Folios.Flags, bad)
		}
	}
	return p.list
}

// problems collects the descriptor problems of one file.
type problems struct {
	f    *File
	list []*phys.Error
}

// add records a problem of kind at field, off bytes into the descriptor.
func (p *problems) add(c phys.Check, kind error, field string, off int64, format string, args ...any) {
	p.list = append(p.list, phys.Errorf(kind, p.f.Path+"."+field, p.f.Addr, off, format, args...).With(c))
}

// at records an ErrMalformed problem at a field the registry names.
func (p *problems) at(c phys.Check, field, format string, args ...any) {
	p.add(c, phys.ErrMalformed, field, p.f.fieldOffset(field), format, args...)
}

// features applies the M4 feature header rules but the folios one.
func (p *problems) features() {
	ft := p.f.Features
	if bad := ft.Req &^ features; bad != 0 {
		p.add(CheckFeatures, phys.ErrUnsupported, "features.req", p.f.fieldOffset("features.req"),
			"req 0x%x asks for features 0x%x this reader does not know (known 0x%x)", ft.Req, bad, features)
	}
	if ft.Req&^ft.Supp != 0 || ft.Active&^ft.Supp != 0 {
		field := "features.req"
		if ft.Req&^ft.Supp == 0 {
			field = "features.active"
		}
		p.at(CheckFeatures, field, "req 0x%x or active 0x%x is not a subset of supp 0x%x", ft.Req, ft.Active, ft.Supp)
	}
	first, n := -1, 0
	for i, w := range ft.Reserved {
		if w != 0 {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if first >= 0 {
		off := int64(-1)
		if l, ok := serLayouts[p.f.Generation]; ok && l.featReserved != nil {
			off = int64(l.featReserved.Offset + first*l.featReserved.ElemSize())
		}
		p.add(CheckFeatures, phys.ErrMalformed, fmt.Sprintf("features.reserved[%d]", first), off,
			"reserved word holds 0x%x, must be 0 (%d of the %d reserved words are not 0)", ft.Reserved[first], n, len(ft.Reserved))
	}
}

// fieldOffset returns the byte offset of a descriptor member, or -1.
func (f *File) fieldOffset(field string) int64 {
	l, ok := serLayouts[f.Generation]
	if !ok {
		return -1
	}
	if fl, ok := l.s.Field(field); ok {
		return int64(fl.Offset)
	}
	return -1
}
