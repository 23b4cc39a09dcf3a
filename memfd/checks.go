package memfd

import "github.com/luoinspect/luoinspect/phys"

// Checks the package raises. Every *phys.Error memfd builds carries one of
// them, except errors wrapping phys.ErrUnresolved (memory the source does
// not hold) and errors passed through unchanged from package kho (the
// vmalloc chain: order, cycle, total_pages).
const (
	// CheckSeals: seals outside the generation's allowed set
	// (MEMFD_LUO_ALL_SEALS for M2a/M2b/M3, MEMFD_LUO_BASE_SEALS for M4),
	// or M4 seals set without MEMFD_LUO_FEATURE_SEALS active.
	CheckSeals phys.Check = "memfd/seals"
	// CheckFlags: M2a reserved bits or M2b/M3/M4 flags set.
	CheckFlags phys.Check = "memfd/flags"
	// CheckFeatures: the M4 feature header is inconsistent: req bits this
	// reader does not know (phys.ErrUnsupported), req or active not within
	// supp, reserved words set, or folios described without
	// MEMFD_LUO_FEATURE_FOLIOS active.
	CheckFeatures phys.Check = "memfd/features"
	// CheckNrFolios: nr_folios beyond the pages the file size covers, or
	// an M0 nr_folios property that disagrees with the folios property.
	CheckNrFolios phys.Check = "memfd/nr-folios"
	// CheckVmallocFlags: the folio area's vmalloc flags hold bits other
	// than KHO_VMALLOC_ALLOC and KHO_VMALLOC_HUGE_VMAP.
	CheckVmallocFlags phys.Check = "memfd/vmalloc-flags"
	// CheckPos: pos is past MAX_LFS_FILESIZE.
	CheckPos phys.Check = "memfd/pos"
	// CheckStaleFolios: nr_folios is 0 but the folio descriptor is not
	// zero.
	CheckStaleFolios phys.Check = "memfd/stale-folios"
	// CheckDataZero: the file entry's data address is 0.
	CheckDataZero phys.Check = "memfd/data-zero"
	// CheckHandler: a handler string (or generation) this build does not
	// decode (phys.ErrUnsupported).
	CheckHandler phys.Check = "memfd/handler"
	// CheckFolioTable: the folio table cannot be opened or streamed
	// (blocks or chunk pages that repeat or overlap, say).
	CheckFolioTable phys.Check = "memfd/folio-table"
	// CheckFolioCount: nr_folios is more than the folio area (vmalloc
	// area or M0 FDT) can hold (phys.ErrLimit).
	CheckFolioCount phys.Check = "memfd/folio-count"
	// CheckStructure: any other structural problem: an M0 FDT that does
	// not parse or lacks a property, a record asked for past nr_folios.
	CheckStructure phys.Check = "memfd/structure"

	// CheckFolioHole: a record with pfn 0 (a hole the kernel skips, or in
	// M0 a pfn 0 with flags, whose restore fails).
	CheckFolioHole phys.Check = "memfd/folio-hole"
	// CheckFolioFlags: a record's flags hold bits other than DIRTY and
	// UPTODATE.
	CheckFolioFlags phys.Check = "memfd/folio-flags"
	// CheckFolioIndex: a record's index is at or past the file's pages.
	CheckFolioIndex phys.Check = "memfd/folio-index"
	// CheckFolioOrder: records not in strictly ascending index order (or,
	// when hashing, a folio overlapping the one before it).
	CheckFolioOrder phys.Check = "memfd/folio-order"
	// CheckDuplicateIndex: two records that are not holes share an index.
	CheckDuplicateIndex phys.Check = "memfd/duplicate-index"
	// CheckDuplicatePFN: two records name the same folio.
	CheckDuplicatePFN phys.Check = "memfd/duplicate-pfn"
	// CheckDigest: the contents cannot be hashed: the size is above
	// MaxDigestSize, or the preserved-memory map does not give a folio's
	// size.
	CheckDigest phys.Check = "memfd/digest"
	// CheckFindingsCapped: File.Check left findings out past MaxFindings.
	CheckFindingsCapped phys.Check = "memfd/findings-capped"
)
