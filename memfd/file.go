package memfd

import (
	"strconv"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
)

// Folio flag bits. M0 names them PRESERVED_FLAG_DIRTY/UPTODATE (bits 0 and
// 1 of foliodesc), M1 and later MEMFD_LUO_FOLIO_DIRTY/UPTODATE (bits 0 and 1
// of the flags bitfield); the values are the same and are checked against
// the registry by the tests.
const (
	// FolioDirty marks a folio that holds user data.
	FolioDirty = 0x1
	// FolioUptodate marks a folio whose contents are valid (zeroed or read).
	FolioUptodate = 0x2
	// FolioKnownFlags is every flag bit the kernel honours; it ignores the
	// others.
	FolioKnownFlags = FolioDirty | FolioUptodate
)

// Folio is one decoded folio record.
type Folio struct {
	// PFN is the page frame number of the folio's head page; 0 marks a
	// hole the kernel skips.
	PFN uint64
	// Flags holds FolioDirty, FolioUptodate and any unknown bits.
	Flags uint16
	// Index is the page-cache index of the folio.
	Index uint64
}

// Addr returns the physical address of the folio's head page.
func (f Folio) Addr() uint64 { return f.PFN << pageShift }

// Features is the M4 struct luo_feature_hdr at the start of memfd_luo_ser.
type Features struct {
	Supp     uint64     // features the writer supports
	Req      uint64     // features the reader must support
	Active   uint64     // features in use in this blob
	Reserved [13]uint64 // reserved, zero
}

// DefaultFeatures returns what the M4 handler writes: supp = req = active
// = MEMFD_LUO_FEATURES.
func DefaultFeatures() Features {
	return Features{Supp: features, Req: features, Active: features}
}

// FDTInfo describes the per-memfd FDT of an M0 file.
type FDTInfo struct {
	// TotalSize is the FDT header's totalsize.
	TotalSize uint32
	// Folios is the physical address of the first byte of the folios
	// property value (the first record).
	Folios uint64
	// HasNrFolios reports whether the optional nr_folios property (one
	// linux-next variant) is present; NrFolios is its value.
	HasNrFolios bool
	NrFolios    uint64
}

// File is a decoded memfd descriptor of any generation. Fields a generation
// does not have are zero.
type File struct {
	// Generation is the abi tag: M0, M1, M2a, M2b, M3 or M4.
	Generation abi.Tag
	// Alternatives lists other generations the bytes may equally be (M2a
	// for a memfd-v2 file whose seal word has bits 32..63 clear).
	Alternatives []abi.Tag
	// Reason says why Generation was chosen.
	Reason string
	// Compatible is the handler string the file entry carried.
	Compatible string
	// Path names the descriptor in errors, e.g. "LUO/sessions[0].files[2].data".
	Path string
	// Addr is the physical address of the descriptor (the entry's data).
	Addr uint64

	Pos  uint64 // file position
	Size uint64 // file size (i_size)
	// Seals holds the F_SEAL_* bits (M2a: 8 bits; M2b, M3, M4: 32 bits).
	Seals uint32
	// Flags is the M2b/M3/M4 flags word; no bits are defined.
	Flags uint32
	// Reserved is the M2a __reserved bitfield (bits 8..63 of the word at
	// offset 16), which must be 0.
	Reserved uint64
	// NrFolios is the number of folio records.
	NrFolios uint64
	// Folios describes the vmalloc area holding the records (M1 to M4).
	Folios kho.Vmalloc
	// FDT describes the per-memfd FDT (M0 only).
	FDT *FDTInfo
	// Features is the M4 feature header.
	Features Features
}

// folioPath names folio record i.
func (f *File) folioPath(i uint64) string {
	return f.Path + ".folios[" + strconv.FormatUint(i, 10) + "]"
}

// pages returns DIV_ROUND_UP(size, PAGE_SIZE): the page-cache indexes a
// file of f.Size bytes covers.
func (f *File) pages() uint64 {
	return f.Size>>pageShift + min(f.Size&(pageSize-1), 1)
}
