package handover

import (
	"fmt"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// Encoded is a handover state laid out in physical memory.
type Encoded struct {
	Spec *Spec
	// Image holds every page the state consists of, except memfd folio
	// contents: those of the simple form asked for with
	// MemfdSpec.WithData are in it; the contents of folio runs (a
	// pattern, embedded bytes, a source's pages) are made when read
	// through Memory; any others are only preserved, not placed.
	Image *phys.Image
	// Root is the KHO root blob (totalsize bytes); RootPage is the whole
	// page as the kernel leaves it, placed at RootAddr.
	Root     []byte
	RootPage []byte
	RootAddr uint64
	// Blobs holds each client's blob by KHO node name, as debugfs shows
	// them under sub_fdts/.
	Blobs map[string][]byte
	// Preserved lists every block the state asks KHO to preserve; the
	// preserved-memory map covers exactly these.
	Preserved []phys.Block
	// Scratch is the scratch area handed to the next kernel: ScratchSize
	// bytes at the first ScratchAlign boundary above the state.
	Scratch []kho.Scratch

	opts    EncodeOptions
	fill    []filled                 // memfd contents made when read
	sources map[string]ContentSource // sources opened for contents, by name
	folios  uint64                   // folios placed so far
}

// Scratch placement used by Encode (the kernel sizes scratch from its own
// memblock usage; any free, aligned area will do for a model).
const (
	ScratchSize  = 64 << 20
	ScratchAlign = 2 << 20
)

// Encode lays out the state a spec describes the way the kernel would:
// memfd folio arrays in vmalloc areas, the LUO blob and its arrays or block
// chains, the memblock and kexec-metadata clients, then the
// preserved-memory map over every preserved block, and last the KHO root
// with one client node per blob (memblock, LUO, kexec-metadata, in that
// order of registration).
//
// A spec whose memfd contents name a source needs EncodeWith.
func Encode(spec *Spec) (*Encoded, error) { return EncodeWith(spec, EncodeOptions{}) }

// EncodeWith is Encode with options. The sources it opens for memfd
// contents stay open for reads through Memory until Close; on an error
// they are closed before it returns.
func EncodeWith(spec *Spec, opts EncodeOptions) (enc *Encoded, err error) {
	if err := CheckCombination(spec.KHO, spec.LUO, spec.Memfd); err != nil {
		return nil, err
	}
	base := spec.Base
	if base == 0 {
		base = DefaultBase
	}
	img := phys.NewImage()
	a := phys.NewAllocator(img, base)
	e := &Encoded{Spec: spec, Image: img, Blobs: map[string][]byte{}, opts: opts}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	root, err := kho.NewRoot(spec.KHO, 0)
	if err != nil {
		return nil, err
	}
	if len(spec.Memblock) > 0 {
		if err := e.memblock(a, root); err != nil {
			return nil, err
		}
	}
	if spec.LUO != "" {
		if err := e.luo(a, root); err != nil {
			return nil, err
		}
	}
	if spec.KexecMetadata != nil {
		if err := e.kexecMetadata(a, root); err != nil {
			return nil, err
		}
	}
	// Only unpreserved pages are allocated from here on; the clipped
	// slice shares a.Preserved's array instead of copying millions of
	// blocks.
	e.Preserved = slices.Clip(a.Preserved)
	if _, chunkList := kho.V1BitmapSize(spec.KHO); chunkList {
		root.MemoryMap, err = kho.EncodeMemmapV1(a, e.Preserved, spec.KHO)
	} else {
		root.MemoryMap, err = kho.EncodeMemmapRadix(a, e.Preserved)
	}
	if err != nil {
		return nil, err
	}
	if e.Root, e.RootPage, err = kho.EncodeRoot(root); err != nil {
		return nil, err
	}
	var page []byte
	e.RootAddr, page = a.AllocUnpreserved(0)
	copy(page, e.RootPage)
	end := a.End()
	e.Scratch = []kho.Scratch{{Addr: (end + ScratchAlign - 1) &^ (ScratchAlign - 1), Size: ScratchSize}}
	return e, nil
}

// place copies blob into freshly allocated preserved pages and returns
// their address.
func place(a *phys.Allocator, blob []byte) uint64 {
	order := uint(0)
	for uint64(phys.PageSize)<<order < uint64(len(blob)) {
		order++
	}
	addr, mem := a.Alloc(order)
	copy(mem, blob)
	return addr
}

func (e *Encoded) memblock(a *phys.Allocator, root *kho.Root) error {
	mb := &kho.Memblock{Compatible: "memblock-v1"}
	for _, r := range e.Spec.Memblock {
		mb.Regions = append(mb.Regions, kho.MemblockRegion{Name: r.Name, Compatible: "reserve-mem-v1", Start: r.Start, Size: r.Size})
		for _, b := range alignedBlocks(r.Start, r.Size) {
			a.Preserve(b.Addr, b.Order)
		}
	}
	blob, page, err := mb.Encode()
	if err != nil {
		return err
	}
	root.AddSubtree("memblock", place(a, page), uint64(len(blob)))
	e.Blobs["memblock"] = blob
	return nil
}

// alignedBlocks splits [start, start+size) into the largest naturally
// aligned power-of-two page blocks, as kho_preserve_phys does.
func alignedBlocks(start, size uint64) []phys.Block {
	var out []phys.Block
	end := start + size
	for start < end {
		order := uint(0)
		for order < 51 {
			next := uint64(phys.PageSize) << (order + 1)
			if start%next != 0 || start+next > end {
				break
			}
			order++
		}
		out = append(out, phys.Block{Addr: start, Order: order})
		start += uint64(phys.PageSize) << order
	}
	return out
}

func (e *Encoded) kexecMetadata(a *phys.Allocator, root *kho.Root) error {
	km := &kho.KexecMetadata{Version: 1, PreviousRelease: e.Spec.KexecMetadata.PreviousRelease, KexecCount: e.Spec.KexecMetadata.KexecCount}
	b, err := km.Encode()
	if err != nil {
		return err
	}
	root.AddSubtree("kexec-metadata", place(a, b), uint64(len(b)))
	e.Blobs["kexec-metadata"] = b
	return nil
}

func (e *Encoded) luo(a *phys.Allocator, root *kho.Root) error {
	spec := e.Spec
	st := &luo.State{Generation: spec.LUO, LiveupdateNumber: spec.LiveupdateNumber}
	for _, ss := range spec.Sessions {
		s := luo.Session{Name: ss.Name}
		for fi, fs := range ss.Files {
			f, err := e.file(a, fs)
			if err != nil {
				return fmt.Errorf("session %q file %d: %w", ss.Name, fi, err)
			}
			s.Files = append(s.Files, f)
		}
		st.Sessions = append(st.Sessions, s)
	}
	for fi, fs := range spec.GlobalFiles {
		f, err := e.file(a, fs)
		if err != nil {
			return fmt.Errorf("global file %d: %w", fi, err)
		}
		st.Files = append(st.Files, f)
	}
	for _, fl := range spec.FLBs {
		st.FLBs = append(st.FLBs, luo.FLB{Name: fl.Name, Data: fl.Data, Count: fl.Count})
	}
	blob, addr, err := luo.Encode(a, st, spec.LUO)
	if err != nil {
		return err
	}
	root.AddSubtree("LUO", addr, uint64(len(blob)))
	e.Blobs["LUO"] = blob
	return nil
}

// file encodes one preserved file: a memfd payload, or another handler's
// opaque value.
func (e *Encoded) file(a *phys.Allocator, fs FileSpec) (luo.File, error) {
	f := luo.File{Token: fs.Token}
	handler, data := fs.Handler, fs.Data
	if fs.Memfd != nil {
		gen := e.Spec.Memfd
		compat, err := memfd.Compatible(gen)
		if err != nil {
			return f, err
		}
		handler = compat
		if data, err = e.encodeMemfd(a, fs.Memfd, gen); err != nil {
			return f, err
		}
	}
	if e.Spec.LUO == luo.TagFeat {
		f.HandlerName = handler
	} else {
		f.Compatible = handler
	}
	f.Data = data
	return f, nil
}

// encodeSimpleMemfd encodes a memfd of the simple form without contents:
// it places the folio pages (filled with the pattern for WithData, or as
// bare preserved pages) and then the memfd descriptor and its folio array.
func encodeSimpleMemfd(a *phys.Allocator, ms *MemfdSpec, gen abi.Tag) (uint64, error) {
	n := ms.folioCount()
	var first uint64
	if ms.WithData {
		for i := uint64(0); i < n; i++ {
			addr, mem := a.Alloc(0)
			fillPattern(mem, i)
			if i == 0 {
				first = addr
			} else if addr != first+i*phys.PageSize {
				return 0, fmt.Errorf("folio pages are not contiguous at %d", i)
			}
		}
	} else {
		// One free span for all the pages: a 64 GiB memfd is one search
		// and one pass, not 16.7 million.
		first = a.ReserveRun(0, n)
	}
	f := &memfd.File{Pos: ms.Pos, Size: ms.Size, Seals: ms.Seals, Flags: ms.Flags}
	return memfd.EncodeFunc(a, f, n, func(i uint64) memfd.Folio {
		return memfd.Folio{PFN: (first >> 12) + i, Flags: memfd.FolioDirty | memfd.FolioUptodate, Index: i}
	}, gen)
}

// folioCount is Folios, or the pages Size spans.
func (ms *MemfdSpec) folioCount() uint64 {
	if ms.Folios != 0 {
		return ms.Folios
	}
	return (ms.Size + phys.PageSize - 1) / phys.PageSize
}

// fillPattern fills folio page index with bytes derived from the index,
// so a dump shows which page of the file it is and the contents stay the
// same wherever the encoder places the page.
func fillPattern(mem []byte, index uint64) {
	for i := range mem {
		mem[i] = byte(index) ^ byte(index>>8) ^ byte(i)
	}
}
