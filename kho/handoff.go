package kho

import (
	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// Boot handoff structs (docs/abi/generations.md §1.2, §1.3), from the registry.
var (
	khoData            = abi.MustStruct("K1a", "kho_data")
	khoDataFDTAddr     = khoData.MustField("fdt_addr")
	khoDataFDTSize     = khoData.MustField("fdt_size")
	khoDataScratchAddr = khoData.MustField("scratch_addr")
	khoDataScratchSize = khoData.MustField("scratch_size")
	scratchEntry       = abi.MustStruct("K1a", "kho_scratch")
	scratchAddr        = scratchEntry.MustField("addr")
	scratchSize        = scratchEntry.MustField("size")
	setupData          = abi.MustStruct("K1a", "setup_data")
	setupDataType      = setupData.MustField("type")
	setupDataLen       = setupData.MustField("len")
	// SetupKexecKHO is the x86 setup_data type that carries struct kho_data.
	SetupKexecKHO = uint32(abi.MustConstant("K1a", "SETUP_KEXEC_KHO"))
)

// Paths of errors about the boot handoff.
const (
	KhoDataPath = "boot/kho_data"
	ScratchPath = "boot/scratch"
)

// KhoData is the x86 boot handoff, the payload of setup_data type 10
// (struct kho_data, 32 bytes): where the next kernel finds the KHO root
// and the scratch array.
type KhoData struct {
	FDTAddr     uint64 // PA of the KHO root FDT
	FDTSize     uint64 // PAGE_SIZE from setup_kho()
	ScratchAddr uint64 // PA of the kho_scratch[] array
	ScratchSize uint64 // byte length of the array
}

// DecodeKhoData decodes a setup_data payload, which must be exactly
// sizeof(struct kho_data).
func DecodeKhoData(b []byte) (KhoData, error) {
	if len(b) != khoData.Size {
		return KhoData{}, phys.Errorf(phys.ErrMalformed, KhoDataPath, phys.NoAddr, int64(min(len(b), khoData.Size)),
			"payload is %d bytes, want %d", len(b), khoData.Size).With(CheckBootHandoff)
	}
	return KhoData{
		FDTAddr:     khoDataFDTAddr.Uint(b),
		FDTSize:     khoDataFDTSize.Uint(b),
		ScratchAddr: khoDataScratchAddr.Uint(b),
		ScratchSize: khoDataScratchSize.Uint(b),
	}, nil
}

// Encode returns the 32-byte payload.
func (d KhoData) Encode() []byte {
	b := make([]byte, khoData.Size)
	khoDataFDTAddr.PutUint(b, d.FDTAddr)
	khoDataFDTSize.PutUint(b, d.FDTSize)
	khoDataScratchAddr.PutUint(b, d.ScratchAddr)
	khoDataScratchSize.PutUint(b, d.ScratchSize)
	return b
}

// Scratch is one struct kho_scratch: a memory area the next kernel may
// allocate from before it has reserved the preserved memory.
type Scratch struct {
	Addr uint64 // start PA
	Size uint64 // length in bytes
}

// Range returns the memory the area covers.
func (s Scratch) Range() phys.Range { return phys.Range{Start: s.Addr, Size: s.Size} }

// DecodeScratch decodes a kho_scratch[] array. The kernel takes
// len / 16 entries and ignores a partial one; this decoder refuses it
// (phys.ErrMalformed at the offset of the partial entry).
func DecodeScratch(b []byte) ([]Scratch, error) {
	if r := len(b) % scratchEntry.Size; r != 0 {
		return nil, phys.Errorf(phys.ErrMalformed, ScratchPath, phys.NoAddr, int64(len(b)-r),
			"array of %d bytes ends with a partial %d-byte entry", len(b), scratchEntry.Size).With(CheckBootHandoff)
	}
	out := make([]Scratch, len(b)/scratchEntry.Size)
	for i := range out {
		e := b[i*scratchEntry.Size:]
		out[i] = Scratch{Addr: scratchAddr.Uint(e), Size: scratchSize.Uint(e)}
	}
	return out, nil
}

// EncodeScratch returns the kho_scratch[] array bytes.
func EncodeScratch(areas []Scratch) []byte {
	b := make([]byte, len(areas)*scratchEntry.Size)
	for i, s := range areas {
		e := b[i*scratchEntry.Size:]
		scratchAddr.PutUint(e, s.Addr)
		scratchSize.PutUint(e, s.Size)
	}
	return b
}

// ReadScratch reads and decodes the scratch array a KhoData names.
func ReadScratch(m phys.Memory, d KhoData) ([]Scratch, error) {
	b, err := phys.Read(m, d.ScratchAddr, d.ScratchSize, ScratchPath)
	if err != nil {
		return nil, err
	}
	areas, err := DecodeScratch(b)
	return areas, atAddr(err, d.ScratchAddr)
}

// ReadRoot reads size bytes at addr (the root page: fdt_size of the boot
// handoff) and decodes the KHO root as DecodeRoot does, giving every
// problem (in the returned error and in each Subtree's Err) the physical
// address of the offending byte. It returns a nil Root when the bytes
// cannot be read or DecodeRoot reads nothing.
func ReadRoot(m phys.Memory, addr, size uint64) (*Root, error) {
	b, err := phys.Read(m, addr, size, RootPath)
	if err != nil {
		return nil, err
	}
	r, err := DecodeRoot(b)
	return r, atAddr(err, addr)
}

// atAddr gives each *phys.Error inside a blob decoder's error the physical
// address of its offset when the blob sits at base. The decoder's errors
// are its own, so they are updated in place (a Subtree's Err is the same
// value as its entry in the joined error).
func atAddr(err error, base uint64) error {
	for _, e := range phys.Flatten(err, RootPath) {
		if e.Addr == phys.NoAddr && e.Offset >= 0 {
			e.Addr = base + uint64(e.Offset)
		}
	}
	return err
}

// SetupHandoffSize is the size of a setup_data entry carrying the KHO
// handoff: the header and struct kho_data.
var SetupHandoffSize = setupData.Size + khoData.Size

// MatchSetupHandoff reports whether b starts with an x86 setup_data entry
// of type SETUP_KEXEC_KHO whose payload is a plausible struct kho_data (a
// page-aligned, non-zero root address), and returns the payload. It is how
// a memory dump's boot handoff is found without the kernel's boot_params.
func MatchSetupHandoff(b []byte) (KhoData, bool) {
	if len(b) < SetupHandoffSize || uint32(setupDataType.Uint(b)) != SetupKexecKHO || int(setupDataLen.Uint(b)) != khoData.Size {
		return KhoData{}, false
	}
	d, err := DecodeKhoData(b[setupData.Size:SetupHandoffSize])
	if err != nil || d.FDTAddr == 0 || d.FDTAddr%abi.PageSize != 0 || d.FDTSize == 0 {
		return KhoData{}, false
	}
	return d, true
}
