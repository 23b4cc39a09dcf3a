package handover

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// Options steer a walk.
type Options struct {
	// KHO, LUO and Memfd override detection with an abi generation tag
	// ("K1a", "L-v6", "M2a"); empty means detect.
	KHO, LUO, Memfd string
	// SubBlobs holds client blobs by node name when the source has them
	// apart from memory (debugfs sub_fdts); they are used instead of
	// reading the client's address.
	SubBlobs map[string][]byte
	// Stage is how far the receiving kernel has got with the state: at
	// abi.StageBooted and later, the parts the registry says its
	// generation consumes by then are recorded in State.Consumed instead
	// of being decoded from memory that no longer holds them.
	Stage abi.Stage
}

// Walk decodes the whole handover state that the KHO root FDT root
// describes, reading physical memory from m. It fails only when the root
// itself cannot be read; every other problem (memory the source does not
// hold, a malformed client) is recorded in State.Problems and the walk
// goes on with what it can reach.
func Walk(root []byte, m phys.Memory, opts Options) (*State, error) {
	r, err := kho.DecodeRoot(root)
	if r == nil {
		return nil, err
	}
	w := &walker{m: m, opts: opts, s: &State{ByteOrder: ByteOrder, Root: r, Stage: opts.Stage}}
	w.problem(err)
	w.detectKHO()
	w.memmap()
	for _, sub := range r.Subtrees {
		w.client(sub)
	}
	w.detectMemfd()
	return w.s, nil
}

type walker struct {
	m    phys.Memory
	opts Options
	s    *State
}

// problem records err when it is a *phys.Error and wraps anything else.
func (w *walker) problem(err error) {
	if err == nil {
		return
	}
	var pe *phys.Error
	if !errors.As(err, &pe) {
		pe = phys.Errorf(phys.ErrMalformed, kho.RootPath, phys.NoAddr, -1, "%v", err)
	}
	w.s.Problems = append(w.s.Problems, pe)
}

func (w *walker) detectKHO() {
	d := &w.s.Detection.KHO
	r := w.s.Root
	if w.opts.KHO != "" {
		*d = Component{Tag: w.opts.KHO, Confidence: Certain, Overridden: true,
			Evidence: []string{"generation given by the user"}}
		return
	}
	tags := r.Generations()
	d.Evidence = append(d.Evidence, fmt.Sprintf("root compatible %q", r.Compatible))
	if len(r.SubCompatibles) > 0 {
		d.Evidence = append(d.Evidence, fmt.Sprintf("sub-compatibles %s", strings.Join(r.SubCompatibles, ", ")))
	}
	switch len(tags) {
	case 0:
		d.Evidence = append(d.Evidence, "no registry generation writes this compatible")
		return
	case 1:
		d.Tag, d.Confidence = tags[0], Certain
	default:
		// kho-v1: K1a and K1b differ only in bitmap size; memmap() decides.
		d.Tag, d.Alternatives, d.Confidence = tags[len(tags)-1], tags[:len(tags)-1], Low
	}
}

// consumed records part as consumed and reports true when the generation
// tag's receiving kernel has consumed it by the walk's stage.
func (w *walker) consumed(tag, part, path string, addr uint64) bool {
	if w.opts.Stage == abi.StageHandover {
		return false
	}
	g, ok := abi.Lookup(tag)
	if !ok {
		return false
	}
	c, ok := g.ConsumedBy(part)
	if !ok || c.At > w.opts.Stage {
		return false
	}
	w.s.Consumed = append(w.s.Consumed, Consumed{Path: path, Addr: addr, Generation: tag, Consumption: c})
	return true
}

// memmap reads the preserved-memory map in the detected generation.
func (w *walker) memmap() {
	r := w.s.Root
	d := &w.s.Detection.KHO
	if r.MemoryMap != 0 && w.consumed(d.Tag, abi.PartMemoryMap, ConsumedMemoryMap, r.MemoryMap) {
		return
	}
	if r.MemoryMap == 0 {
		d.Evidence = append(d.Evidence, "preserved-memory-map is 0: no map (not finalized)")
		return
	}
	var mm kho.Memmap
	var err error
	if r.Base == "kho-v1" {
		tag := ""
		if d.Overridden {
			tag = d.Tag
		}
		var v1 *kho.MemmapV1
		v1, err = kho.DecodeMemmapV1(w.m, r.MemoryMap, tag)
		if v1 != nil {
			mm = v1
			if !d.Overridden {
				d.Tag = v1.Tag
				if v1.Ambiguous {
					d.Evidence = append(d.Evidence, "the chunk list reads the same with 512-byte and 4096-byte bitmaps; read as K1b")
				} else {
					d.Alternatives, d.Confidence = nil, High
					d.Evidence = append(d.Evidence, fmt.Sprintf("the chunk list only makes sense with %s bitmaps", map[string]string{"K1a": "512-byte", "K1b": "4096-byte"}[v1.Tag]))
				}
			}
		}
	} else {
		var radix *kho.MemmapRadix
		radix, err = kho.DecodeMemmapRadix(w.m, r.MemoryMap)
		if radix != nil {
			mm = radix
		}
	}
	w.problem(err)
	if mm != nil && err == nil {
		w.s.Memmap = mm
		w.s.Preserved = kho.NewPreserved(mm.Blocks())
	}
}

// clientKinds maps KHO node names to the decoders of this package.
var clientKinds = map[string]string{
	"LUO": "LUO", "memblock": "memblock", "kexec-metadata": "kexec-metadata", "kho_test": "kho_test",
}

func (w *walker) client(sub kho.Subtree) {
	c := Client{Name: sub.Name, Addr: sub.Addr, Size: sub.Size, HasSize: sub.HasSize, Kind: clientKinds[sub.Name]}
	if c.Kind == "" {
		c.Kind = "unknown"
	}
	path := kho.RootPath + "/" + sub.Name
	c.Blob, c.Err = w.clientBlob(&c, path)
	if c.Err == nil {
		c.Err = w.decodeClient(&c)
	}
	w.problem(c.Err)
	w.s.Clients = append(w.s.Clients, c)
}

// clientBlob returns a client's blob: from SubBlobs when given, else from
// memory, sized by blob-size or by the FDT header.
func (w *walker) clientBlob(c *Client, path string) ([]byte, error) {
	if b, ok := w.opts.SubBlobs[c.Name]; ok {
		if !c.HasSize {
			c.Size = uint64(len(b))
		}
		return b, nil
	}
	if c.Addr == 0 {
		return nil, phys.Errorf(phys.ErrMalformed, path, 0, -1, "client blob address is 0")
	}
	if !c.HasSize {
		hdr, err := phys.Read(w.m, c.Addr, fdt.MinHeaderSize, path)
		if err != nil {
			return nil, err
		}
		if binary.BigEndian.Uint32(hdr) != fdt.Magic {
			return nil, phys.Errorf(phys.ErrMalformed, path, c.Addr, 0, "no blob-size and no FDT magic: the blob length is unknown")
		}
		c.Size = uint64(binary.BigEndian.Uint32(hdr[4:]))
	}
	return phys.Read(w.m, c.Addr, c.Size, path)
}

func (w *walker) decodeClient(c *Client) error {
	var err error
	switch c.Kind {
	case "LUO":
		err = w.luo(c)
	case "memblock":
		w.s.Memblock, err = kho.DecodeMemblock(c.Blob)
	case "kexec-metadata":
		w.s.KexecMetadata, err = kho.DecodeKexecMetadata(c.Blob)
	case "kho_test":
		w.s.KhoTest, err = kho.DecodeKhoTest(c.Blob)
	}
	return err
}

func (w *walker) luo(c *Client) error {
	d := &w.s.Detection.LUO
	if w.opts.Stage > abi.StageHandover && w.luoConsumed(c) {
		return nil
	}
	gen := w.opts.LUO
	if gen != "" {
		*d = Component{Tag: gen, Confidence: Certain, Overridden: true, Evidence: []string{"generation given by the user"}}
	} else {
		tag, evidence, err := luo.Detect(c.Blob, w.m)
		d.Tag, d.Evidence, d.Confidence = tag, evidence, High
		if err != nil {
			return err
		}
		gen = tag
	}
	var st *luo.State
	var err error
	if _, fromDebugfs := w.opts.SubBlobs[c.Name]; fromDebugfs {
		st, err = luo.Decode(w.m, c.Blob, gen)
	} else {
		st, err = luo.DecodeAt(w.m, c.Addr, c.Size, gen)
	}
	w.s.LUO = st
	if st != nil {
		w.files(st)
	}
	return err
}

// luoConsumed reports whether the receiving kernel has freed the LUO blob
// by the walk's stage. The blob is read for its generation while it still
// decodes; once the kernel reused the page it no longer does, and the
// generation is the one released LUO generation whose kernels free it.
func (w *walker) luoConsumed(c *Client) bool {
	d := &w.s.Detection.LUO
	tag := w.opts.LUO
	evidence := []string{"generation given by the user"}
	if tag == "" {
		var err error
		tag, evidence, err = luo.Detect(c.Blob, w.m)
		if err != nil || !consumesBlob(tag) {
			tag, evidence = "", nil
			for _, g := range abi.All() {
				if g.Component == abi.ComponentLUO && g.Status == abi.StatusReleased && consumesBlob(g.Tag) {
					if tag != "" {
						return false // more than one candidate: do not guess
					}
					tag = g.Tag
				}
			}
			evidence = []string{fmt.Sprintf("the blob no longer decodes (%v); %s is the released generation whose kernels free it at boot", err, tag)}
		}
	}
	if tag == "" || !w.consumed(tag, abi.PartBlob, ConsumedLUO, c.Addr) {
		return false
	}
	*d = Component{Tag: tag, Confidence: Low, Overridden: w.opts.LUO != "", Evidence: evidence}
	return true
}

func consumesBlob(tag string) bool {
	g, ok := abi.Lookup(tag)
	if !ok {
		return false
	}
	_, ok = g.ConsumedBy(abi.PartBlob)
	return ok
}

// files decodes the handler payload of every LUO file.
func (w *walker) files(st *luo.State) {
	add := func(session string, f *luo.File) {
		fs := FileState{Session: session, File: f, Handler: f.Compatible}
		if fs.Handler == "" {
			fs.Handler = f.HandlerName
		}
		if strings.HasPrefix(fs.Handler, "memfd") {
			path := f.Path + ".data"
			if w.opts.Memfd != "" {
				fs.Memfd, fs.Err = memfd.DecodeAs(w.m, f.Data, w.opts.Memfd, path)
			} else {
				fs.Memfd, fs.Err = memfd.Decode(w.m, f.Data, fs.Handler, path)
			}
			w.problem(fs.Err)
		}
		w.s.Files = append(w.s.Files, fs)
	}
	for i := range st.Files {
		add("", &st.Files[i])
	}
	for si := range st.Sessions {
		s := &st.Sessions[si]
		for fi := range s.Files {
			add(s.Name, &s.Files[fi])
		}
	}
}

// detectMemfd summarises the generations of the memfd payloads.
func (w *walker) detectMemfd() {
	d := &w.s.Detection.Memfd
	if w.opts.Memfd != "" {
		*d = Component{Tag: w.opts.Memfd, Confidence: Certain, Overridden: true, Evidence: []string{"generation given by the user"}}
		return
	}
	seen := map[string]bool{}
	d.Confidence = High
	for _, f := range w.s.Files {
		if f.Memfd == nil {
			continue
		}
		if !seen[f.Memfd.Generation] {
			seen[f.Memfd.Generation] = true
			if d.Tag == "" {
				d.Tag = f.Memfd.Generation
			} else {
				d.Alternatives = append(d.Alternatives, f.Memfd.Generation)
				d.Confidence = Low
			}
			d.Evidence = append(d.Evidence, fmt.Sprintf("%s: %s", f.File.Path, f.Memfd.Reason))
		}
		for _, alt := range f.Memfd.Alternatives {
			if !seen[alt] {
				seen[alt] = true
				d.Alternatives = append(d.Alternatives, alt)
				d.Confidence = Low
			}
		}
	}
	if d.Tag == "" {
		d.Confidence = ""
	}
}
