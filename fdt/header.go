package fdt

import "encoding/binary"

// Magic is the big-endian first word of every finished FDT blob.
const Magic = 0xd00dfeed

// Structure-block tokens.
const (
	TokenBeginNode uint32 = 0x1
	TokenEndNode   uint32 = 0x2
	TokenProp      uint32 = 0x3
	TokenNOP       uint32 = 0x4
	TokenEnd       uint32 = 0x9
)

// Versions this package reads and writes. Blobs of a newer version are read
// when their last_comp_version is at most LastVersion.
const (
	FirstVersion          = 2  // oldest version libfdt reads
	LastVersion           = 17 // newest version libfdt knows
	LastCompatibleVersion = 16 // what libfdt writes as last_comp_version
)

// Sizes of fixed records.
const (
	MinHeaderSize    = 28 // a version 1 header
	HeaderSize       = 40 // a version 17 header
	ReserveEntrySize = 16
	propHeaderSize   = 12
)

// Header is the FDT header. Fields a blob's version does not have are zero.
type Header struct {
	Magic           uint32
	TotalSize       uint32
	OffDtStruct     uint32
	OffDtStrings    uint32
	OffMemRsvmap    uint32
	Version         uint32
	LastCompVersion uint32
	BootCPUIDPhys   uint32 // version 2 and later
	SizeDtStrings   uint32 // version 3 and later
	SizeDtStruct    uint32 // version 17 and later
}

// HeaderField describes one header word for annotated views.
type HeaderField struct {
	Name   string
	Offset int
	Value  uint32
}

// HeaderSizeForVersion returns the header length that a blob of the given
// version carries, as libfdt computes it.
func HeaderSizeForVersion(version uint32) int {
	switch {
	case version <= 1:
		return 28
	case version <= 2:
		return 32
	case version < 17:
		return 36
	default:
		return 40
	}
}

// Size returns the header length implied by h.Version.
func (h *Header) Size() int { return HeaderSizeForVersion(h.Version) }

// Fields lists the header words present for h.Version, in blob order.
func (h *Header) Fields() []HeaderField {
	all := []HeaderField{
		{"magic", 0x00, h.Magic},
		{"totalsize", 0x04, h.TotalSize},
		{"off_dt_struct", 0x08, h.OffDtStruct},
		{"off_dt_strings", 0x0c, h.OffDtStrings},
		{"off_mem_rsvmap", 0x10, h.OffMemRsvmap},
		{"version", 0x14, h.Version},
		{"last_comp_version", 0x18, h.LastCompVersion},
		{"boot_cpuid_phys", 0x1c, h.BootCPUIDPhys},
		{"size_dt_strings", 0x20, h.SizeDtStrings},
		{"size_dt_struct", 0x24, h.SizeDtStruct},
	}
	return all[:h.Size()/4]
}

// HasMagic reports whether b starts with the FDT magic.
func HasMagic(b []byte) bool {
	return len(b) >= 4 && binary.BigEndian.Uint32(b) == Magic
}

// HasMagicPrefix reports whether b could begin an FDT blob: it starts with
// the magic or, shorter than the magic, with the magic's first len(b)
// bytes. It is false for an empty b.
func HasMagicPrefix(b []byte) bool {
	var m [4]byte
	binary.BigEndian.PutUint32(m[:], Magic)
	n := min(len(b), len(m))
	return n > 0 && string(b[:n]) == string(m[:n])
}

// TotalSize returns the totalsize word of the FDT header b starts with.
// ok is false when b does not start with the magic or ends before the
// word. The value is as the header says: callers bound it.
func TotalSize(b []byte) (size uint32, ok bool) {
	if len(b) < 8 || !HasMagic(b) {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[4:]), true
}

// ParseHeader decodes the FDT header b starts with: the words of its
// version's header (Header.Size) that b holds. It fails with ErrTruncated
// when b is shorter than the smallest header (MinHeaderSize) and with
// ErrBadMagic when b does not start with Magic. It checks nothing else:
// the version and the block layout are Parse's to check.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < MinHeaderSize {
		return Header{}, errorf(ErrTruncated, 0, "", "blob is %d bytes; an FDT header needs at least %d", len(b), MinHeaderSize)
	}
	h := decodeHeader(b)
	if h.Magic != Magic {
		return h, errorf(ErrBadMagic, 0, "", "magic is 0x%08x, want 0x%08x", h.Magic, uint32(Magic))
	}
	return h, nil
}

// decodeHeader reads the header words that fit in b; callers check the size.
func decodeHeader(b []byte) Header {
	word := func(off int) uint32 {
		if off+4 > len(b) {
			return 0
		}
		return binary.BigEndian.Uint32(b[off:])
	}
	h := Header{
		Magic:           word(0x00),
		TotalSize:       word(0x04),
		OffDtStruct:     word(0x08),
		OffDtStrings:    word(0x0c),
		OffMemRsvmap:    word(0x10),
		Version:         word(0x14),
		LastCompVersion: word(0x18),
	}
	n := HeaderSizeForVersion(h.Version)
	if n >= 32 {
		h.BootCPUIDPhys = word(0x1c)
	}
	if n >= 36 {
		h.SizeDtStrings = word(0x20)
	}
	if n >= 40 {
		h.SizeDtStruct = word(0x24)
	}
	return h
}

// put writes the header words for h.Version into b.
func (h *Header) put(b []byte) {
	for _, f := range h.Fields() {
		binary.BigEndian.PutUint32(b[f.Offset:], f.Value)
	}
}
