package handover

import (
	"fmt"
	"slices"
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
	KHO, LUO, Memfd abi.Tag
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
// describes, reading physical memory from m. It fails only when nothing
// of the root can be read; every other problem (a root that parses only
// leniently, memory the source does not hold, a malformed client) is
// recorded in State.Problems and the walk goes on with what it can reach.
func Walk(root []byte, m phys.Memory, opts Options) (*State, error) {
	r, err := kho.DecodeRoot(root)
	if r == nil {
		return nil, err
	}
	w := &walker{m: m, opts: opts, s: &State{ByteOrder: ByteOrder, Root: r, Stage: opts.Stage, RootAddr: phys.NoAddr}}
	w.problem(err)
	w.detectKHO()
	w.memmap()
	for _, sub := range r.Subtrees {
		w.client(sub)
	}
	w.detectMemfd()
	w.crossCheck()
	return w.s, nil
}

type walker struct {
	m    phys.Memory
	opts Options
	s    *State
}

// problem records every problem err holds.
func (w *walker) problem(err error) {
	w.s.Problems = append(w.s.Problems, phys.Flatten(err, kho.RootPath)...)
}

// assumed is the detection of a generation the user named: the bytes are
// read as that generation whatever they say.
func assumed(tag abi.Tag, flag string) abi.Detection {
	return abi.Detection{Tag: tag, Confidence: abi.Assumed, Evidence: []string{"generation given by the user (" + flag + ")"}}
}

func (w *walker) detectKHO() {
	d := &w.s.Detection.KHO
	r := w.s.Root
	tags := r.Generations()
	if w.opts.KHO != "" {
		*d = assumed(w.opts.KHO, "--kho")
		if !slices.Contains(tags, w.opts.KHO) {
			d.Conflicts = append(d.Conflicts, fmt.Sprintf("the root's compatible %q is written by %s, not %s", r.Compatible, tagList(tags), w.opts.KHO))
		}
		return
	}
	d.Evidence = append(d.Evidence, fmt.Sprintf("root compatible %q", r.Compatible))
	if len(r.SubCompatibles) > 0 {
		d.Evidence = append(d.Evidence, fmt.Sprintf("sub-compatibles %s", strings.Join(r.SubCompatibles, ", ")))
	}
	switch len(tags) {
	case 0:
		d.Evidence = append(d.Evidence, "no registry generation writes this compatible")
		return
	case 1:
		d.Tag, d.Confidence = tags[0], abi.Certain
	default:
		// kho-v1: K1a and K1b differ only in bitmap size; memmap() decides.
		d.Tag, d.Alternatives, d.Confidence = tags[len(tags)-1], tags[:len(tags)-1], abi.Low
	}
}

// problems counts problems for a conflict, pointing at their list.
func problems(n int) string {
	if n == 1 {
		return "1 problem (see the problems)"
	}
	return fmt.Sprintf("%d problems (see the problems)", n)
}

// tagList names generation tags for a message, "no generation" for none.
func tagList(tags []abi.Tag) string {
	if len(tags) == 0 {
		return "no generation"
	}
	return abi.JoinTags(tags, " and ")
}

// crossCheck records, as LUO detection conflicts, a combination of
// generations no kernel writes.
func (w *walker) crossCheck() {
	d := &w.s.Detection
	if d.KHO.Tag == "" || d.LUO.Tag == "" {
		return
	}
	if err := CheckCombination(d.KHO.Tag, d.LUO.Tag, d.Memfd.Tag); err != nil {
		d.LUO.Conflicts = append(d.LUO.Conflicts, strings.TrimPrefix(err.Error(), phys.ErrUnsupported.Error()+": "))
	}
}

// consumed records part as consumed and reports true when the generation
// tag's receiving kernel has consumed it by the walk's stage.
func (w *walker) consumed(tag abi.Tag, part, path string, addr uint64) bool {
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
	if chunkList(r, d) {
		var tag abi.Tag
		if d.IsAssumed() {
			tag = d.Tag
		}
		var v1 *kho.MemmapV1
		v1, err = kho.DecodeMemmapV1(w.m, r.MemoryMap, tag)
		if v1 != nil {
			mm = v1
			if !d.IsAssumed() {
				d.Tag = v1.Tag
				if v1.Ambiguous {
					d.Evidence = append(d.Evidence, fmt.Sprintf("the chunk list reads the same with %s bitmaps; read as %s", bitmapSizes(r.Generations()), v1.Tag))
				} else {
					d.Alternatives, d.Confidence = nil, abi.High
					d.Evidence = append(d.Evidence, fmt.Sprintf("the chunk list only makes sense with %s bitmaps", bitmapSizes([]abi.Tag{v1.Tag})))
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
	if err != nil && d.IsAssumed() {
		d.Conflicts = append(d.Conflicts, fmt.Sprintf("read as the assumed %s, the preserved-memory map has %s", d.Tag, problems(len(phys.Flatten(err, kho.MemmapPath)))))
	}
	if mm != nil && (err == nil || partialFits(mm, w.m)) {
		w.s.Memmap = mm
		w.s.MemmapIncomplete = err != nil
		w.s.Preserved = kho.NewPreserved(mm.Blocks())
	}
}

// partialFits reports whether a map read only in part is worth indexing:
// it listed some block, and no more than a bound derived from the memory
// the source holds (a damaged map of hostile bytes can name millions of
// blocks; a real one read in part names at most what its pages describe).
func partialFits(mm kho.Memmap, m phys.Memory) bool {
	limit := 4096 + 16*phys.Total(m.Ranges())/phys.PageSize
	var n uint64
	for range mm.Blocks() {
		if n++; n > limit {
			return false
		}
	}
	return n > 0
}

// chunkList reports whether the memory map is read as kho-v1's chunk
// list: the generations of the root's compatible keep their map so, or
// the user assumed a generation that does.
func chunkList(r *kho.Root, d *abi.Detection) bool {
	tags := r.Generations()
	if d.IsAssumed() {
		tags = []abi.Tag{d.Tag}
	}
	return slices.ContainsFunc(tags, func(tag abi.Tag) bool {
		_, ok := kho.V1BitmapSize(tag)
		return ok
	})
}

// bitmapSizes names the chunk-list bitmap sizes of KHO generations tags,
// as in "512-byte and 4096-byte".
func bitmapSizes(tags []abi.Tag) string {
	var sizes []string
	for _, tag := range tags {
		if n, ok := kho.V1BitmapSize(tag); ok {
			sizes = append(sizes, fmt.Sprintf("%d-byte", n))
		}
	}
	return strings.Join(sizes, " and ")
}

// clientKinds maps KHO node names to the decoders of this package.
var clientKinds = map[string]ClientKind{
	"LUO": ClientLUO, "memblock": ClientMemblock, "kexec-metadata": ClientKexecMetadata, "kho_test": ClientKhoTest,
}

func (w *walker) client(sub kho.Subtree) {
	c := Client{Name: sub.Name, Addr: sub.Addr, Size: sub.Size, HasSize: sub.HasSize, Kind: clientKinds[sub.Name],
		HasAddr: sub.Err == nil || sub.Err.Check != kho.CheckClientPointer}
	if c.Kind == "" {
		c.Kind = ClientUnknown
	}
	defer func() { w.s.Clients = append(w.s.Clients, c) }()
	if sub.Err != nil {
		// DecodeRoot recorded it: the kernel refuses this client. With
		// its pointer known, the blob is still shown.
		c.Err = sub.Err
		if sub.Addr == 0 {
			return
		}
	}
	var err error
	if c.Blob, err = w.clientBlob(&c, kho.RootPath+"/"+sub.Name); err == nil && c.Blob != nil {
		err = w.decodeClient(&c)
	}
	w.problem(err)
	if c.Err == nil {
		c.Err = err
	}
}

// clientBlob returns a client's blob: from SubBlobs when given, else from
// memory, sized by blob-size or by the FDT header. A copied blob shorter
// than its size is completed from memory; the kernel reads memory, so
// when the source holds none the rest is unresolved, not malformed.
func (w *walker) clientBlob(c *Client, path string) ([]byte, error) {
	if b, ok := w.opts.SubBlobs[c.Name]; ok {
		want := uint64(len(b))
		if c.HasSize {
			want = c.Size
		} else if total, ok := fdt.TotalSize(b); ok && len(b) >= fdt.MinHeaderSize {
			want = max(want, uint64(total))
		}
		c.Size = want
		if uint64(len(b)) >= want {
			return b, nil
		}
		if c.Addr != 0 {
			if full, err := phys.Read(w.m, c.Addr, want, path); err == nil {
				return full, nil
			}
		}
		return nil, phys.Errorf(phys.ErrUnresolved, path, c.Addr, int64(len(b)),
			"the copied blob holds %d of its %d bytes and the source has no memory to read the rest from", len(b), want)
	}
	if c.Addr == 0 {
		return nil, phys.Errorf(phys.ErrMalformed, path, 0, -1, "client blob address is 0").With(kho.CheckClientAddrZero)
	}
	if !c.HasSize {
		hdr, err := phys.Read(w.m, c.Addr, fdt.MinHeaderSize, path)
		if err != nil {
			return nil, err
		}
		total, ok := fdt.TotalSize(hdr)
		if !ok {
			if c.Err != nil {
				return nil, nil // the missing blob-size is the problem already recorded
			}
			return nil, phys.Errorf(phys.ErrMalformed, path, c.Addr, 0, "no blob-size and no FDT magic: the blob length is unknown").With(kho.CheckClientSize)
		}
		c.Size = uint64(total)
	}
	return phys.Read(w.m, c.Addr, c.Size, path)
}

func (w *walker) decodeClient(c *Client) error {
	var err error
	switch c.Kind {
	case ClientLUO:
		err = w.luo(c)
	case ClientMemblock:
		w.s.Memblock, err = kho.DecodeMemblock(c.Blob)
	case ClientKexecMetadata:
		w.s.KexecMetadata, err = kho.DecodeKexecMetadata(c.Blob)
	case ClientKhoTest:
		w.s.KhoTest, err = kho.DecodeKhoTest(c.Blob)
	}
	return err
}

func (w *walker) luo(c *Client) error {
	if w.opts.Stage > abi.StageHandover && w.luoConsumed(c) {
		return nil
	}
	d := &w.s.Detection.LUO
	det, derr := luo.Detect(c.Blob, w.m, w.s.Detection.KHO.Tag)
	gen := w.opts.LUO
	if gen == "" {
		*d = det
		if derr != nil {
			return derr
		}
		gen = det.Tag
	} else {
		*d = assumed(gen, "--luo")
		switch {
		case derr != nil:
			d.Conflicts = append(d.Conflicts, fmt.Sprintf("the blob detects as no generation (%v)", derr))
		case det.Tag != gen:
			d.Conflicts = append(d.Conflicts, fmt.Sprintf("the blob detects as %s (%s confidence)", det.Tag, det.Confidence))
		}
	}
	var st *luo.State
	var err error
	_, fromDebugfs := w.opts.SubBlobs[c.Name]
	switch {
	case fromDebugfs && c.HasAddr:
		st, err = luo.DecodeBlob(w.m, c.Blob, c.Addr, gen)
	case fromDebugfs:
		st, err = luo.Decode(w.m, c.Blob, gen)
	default:
		st, err = luo.DecodeAt(w.m, c.Addr, c.Size, gen)
	}
	if err != nil && d.IsAssumed() {
		d.Conflicts = append(d.Conflicts, fmt.Sprintf("read as the assumed %s, the blob has %s", gen, problems(len(phys.Flatten(err, luoPath)))))
	}
	w.s.LUO = st
	if st != nil {
		w.tree(st)
	}
	return err
}

// luoPath is the path prefix of LUO problems.
const luoPath = "LUO"

// luoConsumed reports whether the receiving kernel has freed the LUO blob
// by the walk's stage. The blob is read for its generation while it still
// decodes; once the kernel reused the page it no longer does, and the
// generation is the one released LUO generation whose kernels free it.
func (w *walker) luoConsumed(c *Client) bool {
	var d abi.Detection
	if w.opts.LUO != "" {
		d = assumed(w.opts.LUO, "--luo")
	} else {
		var err error
		d, err = luo.Detect(c.Blob, w.m, w.s.Detection.KHO.Tag)
		if err != nil || !consumesBlob(d.Tag) {
			tag := ""
			for _, g := range abi.All() {
				if g.Component == abi.ComponentLUO && g.Status == abi.StatusReleased && consumesBlob(g.Tag) {
					if tag != "" {
						return false // more than one candidate: do not guess
					}
					tag = string(g.Tag)
				}
			}
			d = abi.Detection{Tag: abi.Tag(tag), Confidence: abi.Low, Evidence: []string{
				fmt.Sprintf("the blob no longer decodes (%v); %s is the released generation whose kernels free it at boot", err, tag)}}
		}
	}
	if d.Tag == "" || !w.consumed(d.Tag, abi.PartBlob, ConsumedLUO, c.Addr) {
		return false
	}
	if !d.IsAssumed() {
		d.Confidence = abi.Low
	}
	w.s.Detection.LUO = d
	return true
}

func consumesBlob(tag abi.Tag) bool {
	g, ok := abi.Lookup(tag)
	if !ok {
		return false
	}
	_, ok = g.ConsumedBy(abi.PartBlob)
	return ok
}

// tree builds the state tree of st: each session with its files, L-RFC's
// global files, every file with its decoded handler payload.
func (w *walker) tree(st *luo.State) {
	for i := range st.Files {
		w.s.GlobalFiles = append(w.s.GlobalFiles, w.file("", &st.Files[i]))
	}
	for i := range st.Sessions {
		s := &st.Sessions[i]
		node := SessionState{Session: s}
		for j := range s.Files {
			node.Files = append(node.Files, w.file(s.Name, &s.Files[j]))
		}
		w.s.Sessions = append(w.s.Sessions, node)
	}
}

// file decodes the handler payload of one LUO file: memfd payloads by
// their generation, every other handler's payload stays raw.
func (w *walker) file(session string, f *luo.File) FileState {
	fs := FileState{Session: session, File: f, Handler: f.Compatible}
	if fs.Handler == "" {
		fs.Handler = f.HandlerName
	}
	if !memfd.Handles(fs.Handler) {
		return fs // another handler's payload stays raw
	}
	path := f.Path + ".data"
	if w.opts.Memfd != "" {
		fs.Memfd, fs.Err = memfd.DecodeAs(w.m, f.Data, w.opts.Memfd, path)
	} else {
		fs.Memfd, fs.Err = memfd.Decode(w.m, f.Data, fs.Handler, path)
	}
	w.problem(fs.Err)
	return fs
}

// detectMemfd summarises the generations of the memfd payloads.
func (w *walker) detectMemfd() {
	d := &w.s.Detection.Memfd
	if w.opts.Memfd != "" {
		*d = assumed(w.opts.Memfd, "--memfd")
		failed := 0
		for f := range w.s.Files() {
			if f.Err != nil {
				failed++
			}
		}
		if failed > 0 {
			d.Conflicts = append(d.Conflicts, fmt.Sprintf("read as the assumed %s, %d of the memfd payloads do not decode (see the problems)", d.Tag, failed))
		}
		return
	}
	seen := map[string]bool{}
	d.Confidence = abi.High
	for f := range w.s.Files() {
		if f.Memfd == nil {
			continue
		}
		if !seen[string(f.Memfd.Generation)] {
			seen[string(f.Memfd.Generation)] = true
			if d.Tag == "" {
				d.Tag = f.Memfd.Generation
			} else {
				d.Alternatives = append(d.Alternatives, f.Memfd.Generation)
				d.Confidence = abi.Low
			}
			d.Evidence = append(d.Evidence, fmt.Sprintf("%s: %s", f.File.Path, f.Memfd.Reason))
		}
		for _, alt := range f.Memfd.Alternatives {
			if !seen[string(alt)] {
				seen[string(alt)] = true
				d.Alternatives = append(d.Alternatives, alt)
				d.Confidence = abi.Low
			}
		}
	}
	if d.Tag == "" {
		d.Confidence = ""
	}
}
