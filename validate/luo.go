package validate

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// luoLayout holds the registry structs of the state's LUO generation.
type luoLayout struct {
	gen                  *abi.Generation
	ser, sess, file, flb *abi.Struct
	sessHdr, flbHdr      *abi.Struct
}

func structOf(g *abi.Generation, names ...string) *abi.Struct {
	for _, n := range names {
		if s, ok := g.Struct(n); ok {
			return s
		}
	}
	return nil
}

// luo checks the decoded LUO state: references, names, tokens, FLBs,
// padding and unused slots.
func (v *validator) luo() {
	if _, ok := v.st.ConsumedPart(handover.ConsumedLUO); ok {
		return // freed by the receiving kernel: the bytes are no longer its
	}
	st := v.st.LUO
	tag := v.st.Detection.LUO.Tag
	if st != nil {
		tag = st.Generation
	}
	g, ok := abi.Lookup(tag)
	if !ok {
		return
	}
	l := &luoLayout{gen: g, ser: structOf(g, "luo_ser"), sess: structOf(g, "luo_session_ser"),
		file: structOf(g, "luo_file_ser"), flb: structOf(g, "luo_flb_ser"),
		sessHdr: structOf(g, "luo_session_header_ser", "luo_session_head_ser"),
		flbHdr:  structOf(g, "luo_flb_header_ser", "luo_flb_head_ser")}
	if st == nil {
		// The decoder gave up (a broken chain): the luo_ser pointers are
		// still what the kernel follows.
		v.luoSer(&luo.State{}, l)
		return
	}
	v.luoStructures(st, l)
	v.luoSer(st, l)
	v.sessions(st, l)
	v.flbs(st, l)
}

// luoStructures registers every LUO array and block as a referenced
// structure, and checks unused slots and block filling.
func (v *validator) luoStructures(st *luo.State, lay *luoLayout) {
	ly := st.Layout
	if ly.SerAddr != 0 && ly.SerAddr != ly.BlobAddr && lay.ser != nil {
		v.refs.structure("LUO.luo-abi-header", ly.SerAddr, uint64(lay.ser.Size))
	}
	if h := ly.SessionHeader; h != nil && lay.sess != nil && lay.sessHdr != nil {
		// A count past the capacity is LUO007; the array spans what was read.
		used := uint64(lay.sessHdr.Size) + min(h.Count, uint64(len(st.Sessions)))*uint64(lay.sess.Size)
		v.refs.structure("LUO/sessions", h.Addr, used)
		if pg, ok := lay.gen.Constant("LUO_SESSION_PGCNT"); ok {
			v.zeroTail("LUO/sessions", h.Addr, used, pg.Value*phys.PageSize)
		}
	}
	if lay.sess != nil {
		v.chain("LUO/sessions", ly.SessionBlocks, lay.sess.Size)
	}
	if h := ly.FLBHeader; h != nil && lay.flb != nil && lay.flbHdr != nil {
		used := uint64(lay.flbHdr.Size) + min(h.Count, uint64(len(st.FLBs)))*uint64(lay.flb.Size)
		v.refs.structure("LUO/flbs", h.Addr, used)
		v.zeroTail("LUO/flbs", h.Addr, used, phys.PageSize)
	}
	if ly.SessionFDT != 0 {
		v.refs.structure("LUO/"+ly.SessionSubsystem, ly.SessionFDT, 1)
	}
	if ly.FilesFDT != 0 {
		v.refs.structure("LUO/file-descriptors", ly.FilesFDT, 1)
	}
	for i := range st.Sessions {
		s := &st.Sessions[i]
		if s.FilesAddr == 0 || lay.file == nil {
			continue
		}
		if len(s.FileBlocks) > 0 {
			v.chain(s.Path+".files", s.FileBlocks, lay.file.Size)
			continue
		}
		used := uint64(len(s.Files)) * uint64(lay.file.Size)
		v.refs.structure(s.Path+".files", s.FilesAddr, used)
		if pg, ok := lay.gen.Constant("LUO_FILE_PGCNT"); ok {
			v.zeroTail(s.Path+".files", s.FilesAddr, used, pg.Value*phys.PageSize)
		}
	}
}

// chain registers the blocks of a KHO block chain and checks that every
// block but the last is full and that slots past count are zero.
func (v *validator) chain(path string, blocks []uint64, entry int) {
	capacity := uint64(kho.BlockCapacity(entry))
	for i, addr := range blocks {
		bpath := fmt.Sprintf("%s.block[%d]", path, i)
		v.refs.structure(bpath, addr, kho.BlockSize())
		data, err := phys.Read(v.m, addr, kho.BlockSize(), bpath)
		if err != nil {
			continue
		}
		b := kho.BlockAt(addr, data)
		if i < len(blocks)-1 && b.Count != capacity {
			v.add("FP005", bpath+".count", addr, int64(kho.BlockCountOffset()), "block %d of %d holds %d of %d entries; the kernel fills each block before starting the next",
				i, len(blocks), b.Count, capacity)
		}
		if b.Count <= capacity {
			v.zeroBytes(bpath, addr, data, uint64(kho.BlockEntryOffset(int(b.Count), entry)))
		}
	}
}

// zeroTail reports non-zero bytes in [addr+from, addr+to).
func (v *validator) zeroTail(path string, addr, from, to uint64) {
	if from >= to {
		return
	}
	b, err := phys.Read(v.m, addr, to, path)
	if err != nil {
		return
	}
	v.zeroBytes(path, addr, b, from)
}

// zeroBytes reports the first non-zero byte of b at or after from.
func (v *validator) zeroBytes(path string, addr uint64, b []byte, from uint64) {
	if from >= uint64(len(b)) {
		return
	}
	for j, c := range b[from:] {
		if c != 0 {
			off := from + uint64(j)
			v.add("FP002", path, addr+off, int64(off), "unused bytes past the used %d are not zero (byte 0x%02x at +0x%x)", from, c, off)
			return
		}
	}
}

// luoSer checks the padding of a raw luo_ser compatible.
func (v *validator) luoSer(st *luo.State, lay *luoLayout) {
	if lay.gen.Root == "" || lay.ser == nil {
		return
	}
	f, ok := lay.ser.Field("compatible")
	if !ok {
		return
	}
	for _, c := range v.st.Clients {
		if c.Name != "LUO" || len(c.Blob) < f.End() {
			continue
		}
		v.padding("LUO.compatible", c.Addr, c.Blob, f)
		if len(c.Blob) >= lay.ser.Size {
			v.serPointers(st, lay, c)
		}
	}
}

// serPointers checks the block-era luo_ser pointers the decoder may not
// have got past: a first session block the chain walk failed on is still
// a referenced page (the kernel reads it before it checks anything), and
// flbs_pa, which 7.2 and 7.3 always write, must not be 0.
func (v *validator) serPointers(st *luo.State, lay *luoLayout, c handover.Client) {
	if _, blockEra := lay.gen.Struct("kho_block_header_ser"); !blockEra {
		return
	}
	if f, ok := lay.ser.Field("sessions_pa"); ok && len(st.Layout.SessionBlocks) == 0 {
		if pa := f.Uint(c.Blob); pa != 0 {
			v.refs.structure("LUO/sessions.block[0]", pa, phys.PageSize)
		}
	}
	if f, ok := lay.ser.Field("flbs_pa"); ok && f.Uint(c.Blob) == 0 && lay.gen.Status == abi.StatusReleased {
		v.add("LUO021", "LUO.flbs_pa", c.Addr+uint64(f.Offset), int64(f.Offset), "flbs_pa is 0, which a %s kernel never writes: the FLBs' incoming state is missing", lay.gen.Tag)
	}
}

// padding reports a char array whose bytes after the NUL are not zero.
func (v *validator) padding(path string, addr uint64, b []byte, f *abi.Field) {
	if _, term, clean := f.CString(b); term && !clean {
		v.add("FP001", path, addr+uint64(f.Offset), int64(f.Offset), "bytes after the NUL of %s are not zero", f.Name)
	}
}

// entry reads a structure's bytes at addr.
func (v *validator) entry(s *abi.Struct, addr uint64, path string) []byte {
	if s == nil || addr == 0 {
		return nil
	}
	b, err := phys.Read(v.m, addr, uint64(s.Size), path)
	if err != nil {
		return nil
	}
	return b
}

// sessions checks session names and each session's files.
func (v *validator) sessions(st *luo.State, lay *luoLayout) {
	names := map[string]string{}
	for i := range st.Sessions {
		s := &st.Sessions[i]
		if b := v.entry(lay.sess, s.Addr, s.Path); b != nil {
			if f, ok := lay.sess.Field("name"); ok {
				v.padding(s.Path+".name", s.Addr, b, f)
			}
		}
		if s.Name == "" {
			v.add("LUO012", s.Path+".name", s.Addr, 0, "the session name is empty")
		}
		if prev, ok := names[s.Name]; ok {
			v.add("LUO011", s.Path+".name", s.Addr, 0, "session name %q is also used by %s", s.Name, prev)
		} else {
			names[s.Name] = s.Path
		}
		v.files(s.Files, lay)
	}
	v.files(st.Files, lay)
}

// files checks the tokens, handlers and padding of one file set.
func (v *validator) files(files []luo.File, lay *luoLayout) {
	tokens := map[uint64]string{}
	for i := range files {
		f := &files[i]
		if b := v.entry(lay.file, f.Addr, f.Path); b != nil {
			for _, n := range []string{"compatible", "name"} {
				if fl, ok := lay.file.Field(n); ok {
					v.padding(f.Path+"."+n, f.Addr, b, fl)
				}
			}
		}
		if prev, ok := tokens[f.Token]; ok {
			v.add("LUO013", f.Path+".token", f.Addr, -1, "token %d is also used by %s", f.Token, prev)
		} else {
			tokens[f.Token] = f.Path
		}
		h := f.Compatible + f.HandlerName
		if !memfd.Handles(h) {
			v.add("LUO024", f.Path, f.Addr, -1, "handler %q is not decoded by this build; its payload at 0x%x is not validated", h, f.Data)
		}
	}
}

// flbs checks FLB reference counts and names.
func (v *validator) flbs(st *luo.State, lay *luoLayout) {
	for i := range st.FLBs {
		fl := &st.FLBs[i]
		if b := v.entry(lay.flb, fl.Addr, fl.Path); b != nil {
			if f, ok := lay.flb.Field("name"); ok {
				v.padding(fl.Path+".name", fl.Addr, b, f)
			}
		}
		if fl.Count == 0 {
			off := int64(-1)
			if f, ok := lay.flb.Field("count"); ok {
				off = int64(f.Offset)
			}
			v.add("LUO020", fl.Path+".count", fl.Addr, off, "FLB %q has count 0", fl.Name)
		}
	}
}
