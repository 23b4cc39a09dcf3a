package memfd

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// Generation tags, as in the abi registry.
const (
	M0  abi.Tag = "M0"  // memfd-v1, per-memfd FDT, folio word pfn << 12 | flags
	M1  abi.Tag = "M1"  // memfd-v1, 40-byte struct, pfn in bits 0..51
	M2a abi.Tag = "M2a" // memfd-v2, seals:8 + 56 reserved bits
	M2b abi.Tag = "M2b" // memfd-v2, u32 seals + u32 flags
	M3  abi.Tag = "M3"  // memfd-v2;vmalloc-v1, M2b layout
	M4  abi.Tag = "M4"  // handler name memfd, feature header
)

// Tags lists the generations this package reads and writes, oldest first.
var Tags = []abi.Tag{M0, M1, M2a, M2b, M3, M4}

// recordSize is the size of a folio record in every generation. The
// registry is checked against it at start-up: the streaming loops use it as
// a constant so that the compiler can drop their bounds checks.
const recordSize = 16

// folioLayout is a folio record layout with every shift and mask worked
// out once from the registry, so the streaming loop does no lookups.
type folioLayout struct {
	size       int // bytes per record
	wordOff    int // offset of the u64 holding pfn and flags
	indexOff   int // offset of the u64 index
	pfnShift   uint
	pfnBits    uint   // width of pfn; flags take the remaining bits
	pfnMask    uint64 // after shifting
	flagsShift uint
	flagsMask  uint64 // after shifting
}

func newFolioLayout(tag abi.Tag, name string) *folioLayout {
	s := abi.MustStruct(tag, name)
	pfn, flags, index := s.MustField("pfn"), s.MustField("flags"), s.MustField("index")
	// The streaming loops rotate the word right by pfnShift, which brings
	// pfn to bits 0..pfnBits-1 and flags right above it: this needs the
	// two bitfields to share one u64, fill it, and flags to follow pfn
	// (cyclically), as in both layouts.
	if pfn.Offset != flags.Offset || pfn.Size != 8 || flags.Size != 8 || index.Size != 8 ||
		pfn.BitSize == 0 || flags.BitSize == 0 || pfn.BitSize+flags.BitSize != 64 ||
		(pfn.BitOffset+pfn.BitSize)%64 != flags.BitOffset ||
		s.Size != recordSize || pfn.Offset&(recordSize-8) != pfn.Offset || index.Offset&(recordSize-8) != index.Offset ||
		flags.BitSize > 16 {
		panic(fmt.Sprintf("memfd: unexpected folio record layout %s/%s", tag, name))
	}
	return &folioLayout{
		size:       s.Size,
		wordOff:    pfn.Offset,
		indexOff:   index.Offset,
		pfnShift:   uint(pfn.BitOffset),
		pfnBits:    uint(pfn.BitSize),
		pfnMask:    1<<pfn.BitSize - 1,
		flagsShift: uint(flags.BitOffset),
		flagsMask:  1<<flags.BitSize - 1,
	}
}

var (
	// M0: struct memfd_luo_preserved_folio (foliodesc = pfn << 12 | flags).
	folioM0 = newFolioLayout(M0, "memfd_luo_preserved_folio")
	// M1 and later: struct memfd_luo_folio_ser (pfn:52 low, flags:12 high).
	folioM1 = newFolioLayout(M1, "memfd_luo_folio_ser")
)

func folioLayoutOf(gen abi.Tag) *folioLayout {
	if gen == M0 {
		return folioM0
	}
	return folioM1
}

// serLayout is the struct memfd_luo_ser of one generation (M1 to M4).
type serLayout struct {
	s                   *abi.Struct
	pos, size, nrFolios *abi.Field
	folios              *abi.Field // embedded struct kho_vmalloc
	seals, flags        *abi.Field // nil when the generation has none
	reserved            *abi.Field // M2a __reserved
	features            *abi.Field // M4 embedded luo_feature_hdr
	supp, req, active   *abi.Field
	featReserved        *abi.Field
}

func newSerLayout(tag abi.Tag) *serLayout {
	s := abi.MustStruct(tag, "memfd_luo_ser")
	l := &serLayout{
		s: s, pos: s.MustField("pos"), size: s.MustField("size"),
		nrFolios: s.MustField("nr_folios"), folios: s.MustField("folios"),
	}
	opt := func(name string) *abi.Field {
		if f, ok := s.Field(name); ok {
			return f
		}
		return nil
	}
	l.seals, l.flags, l.reserved = opt("seals"), opt("flags"), opt("__reserved")
	if l.features = opt("features"); l.features != nil {
		l.supp = s.MustField("features.supp")
		l.req = s.MustField("features.req")
		l.active = s.MustField("features.active")
		l.featReserved = s.MustField("features.reserved")
		if l.featReserved.Count != len(Features{}.Reserved) {
			panic("memfd: luo_feature_hdr.reserved has an unexpected length")
		}
	}
	return l
}

var serLayouts = map[abi.Tag]*serLayout{
	M1: newSerLayout(M1), M2a: newSerLayout(M2a), M2b: newSerLayout(M2b),
	M3: newSerLayout(M3), M4: newSerLayout(M4),
}

// M0 FDT property names and sizes.
var (
	m0Node        = abi.MustNode(M0, "/")
	m0PropPos     = m0Node.MustProp("pos")
	m0PropSize    = m0Node.MustProp("size")
	m0PropFolios  = m0Node.MustProp("folios")
	m0PropNrFolio = m0Node.MustProp("nr_folios")
)

// Constants from the registry.
var (
	// allSeals is MEMFD_LUO_ALL_SEALS (M2a, M2b, M3).
	allSeals = abi.MustConstant(M2b, "MEMFD_LUO_ALL_SEALS")
	// baseSeals is MEMFD_LUO_BASE_SEALS (M4, under MEMFD_LUO_FEATURE_SEALS).
	baseSeals = abi.MustConstant(M4, "MEMFD_LUO_BASE_SEALS")
	// featSeals and featFolios are the M4 feature bits.
	featSeals  = abi.MustConstant(M4, "MEMFD_LUO_FEATURE_SEALS")
	featFolios = abi.MustConstant(M4, "MEMFD_LUO_FEATURE_FOLIOS")
	// features is MEMFD_LUO_FEATURES, what the M4 handler writes and knows.
	features = abi.MustConstant(M4, "MEMFD_LUO_FEATURES")
	// chunk layout of the vmalloc chain, for the streaming encoder.
	vmChunk     = abi.MustStruct(M1, "kho_vmalloc_chunk")
	vmChunkNext = vmChunk.MustField("hdr.next")
	vmChunkPhys = vmChunk.MustField("phys")
)

// maxPageOrder is MAX_PAGE_ORDER, the largest folio the kernel allocates
// (10 on default x86-64 and arm64 configurations; docs/abi/kernel-rules.md §7). It
// bounds the M0 FDT block, which memfd_luo_create_fdt refuses above it.
const maxPageOrder = 10

// pageSize is the page size every layout assumes.
const pageSize = abi.PageSize

// pageShift is log2(pageSize).
const pageShift = abi.PageShift

// handlerFamily is what every memfd handler string starts with ("memfd").
var handlerFamily = abi.CompatiblePrefix(abi.ComponentMemfd)

// Handles reports whether a LUO file's handler string (its compatible or
// handler name) is the memfd handler's: one the registry lists for a memfd
// generation, or one of their family it does not know (a later
// "memfd-v9"), which Decode refuses as unknown.
func Handles(handler string) bool { return strings.HasPrefix(handler, handlerFamily) }

// Compatible returns the handler string a generation is registered under
// in a LUO file entry: the compatible ("memfd-v1", "memfd-v2",
// "memfd-v2;vmalloc-v1") or, for M4, the handler name ("memfd").
func Compatible(gen abi.Tag) (string, error) {
	g, ok := abi.Lookup(gen)
	if !ok || g.Component != abi.ComponentMemfd || len(g.Compatibles) == 0 {
		return "", fmt.Errorf("memfd: unknown generation %q", gen)
	}
	return g.Compatibles[0], nil
}
