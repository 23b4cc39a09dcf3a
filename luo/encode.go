package luo

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// luoFDTSize is LUO_FDT_SIZE, the one-page buffer of every LUO FDT.
var luoFDTSize = int(abi.MustConstant(Tag619, "LUO_FDT_SIZE"))

// Encode lays s out in a's image the way a kernel of generation gen ("" means
// s.Generation) leaves it at the moment of the kexec jump, and returns the
// LUO blob (the bytes the KHO client "LUO" points to: the FDT up to its
// totalsize, or struct luo_ser) and its physical address.
//
// What it reproduces:
//   - FDTs are written with libfdt's sequential-write mode into a one-page
//     buffer, properties in the kernel's order (compatible, then
//     liveupdate-number, then the luo-session and luo-flb nodes, each with
//     compatible then the header property); the preserved page holds the
//     whole buffer, including the strings libfdt leaves at its end.
//   - The L-RFC and L-v4 LUO FDT is instead built in read-write mode as
//     patch v1-v4 do (see rwRoot): an empty tree of one page, then
//     fdt_setprop/fdt_add_subnode, never packed, so the blob is the whole
//     4096-byte page and the /subsystems properties come newest first with
//     compatible last. The L-RFC files FDT holds the files in ascending
//     token order (the kernel walks an xarray), whatever the order of
//     s.Files; equal tokens keep their order. The L-v4 session FDT holds
//     count, data and pgcnt big-endian (fdt_property_u64), pgcnt being
//     DIV_ROUND_UP(count * 80, PAGE_SIZE).
//   - Every block comes from a.Alloc at the kernel's order, zeroed, so unused
//     slots and name padding are zero: the LUO FDT and struct luo_ser pages
//     (order 0), then the session block (order 4, LUO_SESSION_PGCNT 16) and
//     the FLB page (order 0, LUO_FLB_PGCNT 1) as allocated at boot, then
//     each session's file array (order 1, LUO_FILE_PGCNT 2) in creation
//     order, as allocated when its first file is preserved. Block-era
//     generations allocate the FLB page at boot and the session chain at
//     serialization, each session's file chain (or array) just before its
//     entry is written.
//   - Headers written at setup carry pgcnt (16 for session blocks of L-v5
//     and L-v6, 1 for FLB pages); counts are written at serialization.
//   - Sessions appear in the order of s.Sessions (creation order), files in
//     the order of Session.Files (preservation order), FLBs in the order of
//     s.FLBs, L-RFC/L-v4 subsystems registered in the order of
//     s.Subsystems, then the subsystem this package owns.
//
// File.Data (the handler payload address) is written as given. Layout and
// every Addr and Path are ignored. Capacity overruns fail with
// phys.ErrLimit, content the generation cannot express with
// phys.ErrUnsupported, and names holding a NUL with phys.ErrMalformed.
func Encode(a *phys.Allocator, s *State, gen string) (blob []byte, blobAddr uint64, err error) {
	if gen == "" {
		gen = s.Generation
	}
	l, ok := layouts[gen]
	if !ok {
		return nil, 0, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, -1, "no LUO generation %q", gen)
	}
	if gen == TagV6 {
		switch s.SessionEntrySize {
		case 0, layouts[TagV6].sess.Size:
		case v6With80.sess.Size:
			l = v6With80
		default:
			return nil, 0, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, -1,
				"L-v6 session entries are %d or %d bytes, not %d", layouts[TagV6].sess.Size, v6With80.sess.Size, s.SessionEntrySize)
		}
	}
	e := &encoder{a: a, s: s, l: l}
	if err := e.check(); err != nil {
		return nil, 0, err
	}
	switch l.kind {
	case kindRFC:
		return e.rfc()
	case kindV4:
		return e.v4()
	case kindFDT, kindFDTSer:
		return e.fdtEra()
	default:
		return e.ser()
	}
}

type encoder struct {
	a *phys.Allocator
	s *State
	l *layout
}

func unsupported(path, format string, args ...any) error {
	return phys.Errorf(phys.ErrUnsupported, path, phys.NoAddr, -1, format, args...)
}

// check refuses content the generation has no place for.
func (e *encoder) check() error {
	s, l := e.s, e.l
	if len(s.FLBs) > 0 && l.flb == nil {
		return unsupported(root+"/flbs", "%s has no FLBs", l.tag)
	}
	if len(s.Files) > 0 && l.kind != kindRFC {
		return unsupported(root+"/files", "only L-RFC has session-less files")
	}
	if len(s.Sessions) > 0 && l.kind == kindRFC {
		return unsupported(root+"/sessions", "L-RFC has no sessions")
	}
	if len(s.Subsystems) > 0 && l.kind != kindRFC && l.kind != kindV4 {
		return unsupported(root+"/subsystems", "%s has no subsystems", l.tag)
	}
	seen := map[string]bool{}
	for _, sub := range s.Subsystems {
		p := root + "/subsystems." + sub.Name
		switch {
		case sub.Name == "" || strings.ContainsAny(sub.Name, "\x00/"):
			return phys.Errorf(phys.ErrMalformed, p, phys.NoAddr, -1, "%q is not a property name", sub.Name)
		case sub.Name == "compatible":
			return unsupported(p, "the name is taken by the node's compatible")
		case seen[sub.Name]:
			return phys.Errorf(phys.ErrMalformed, p, phys.NoAddr, -1, "subsystem %q is registered twice", sub.Name)
		}
		seen[sub.Name] = true
	}
	if s.Features != nil && l.kind != kindFeat {
		return unsupported(root+".features", "%s has no feature header", l.tag)
	}
	if s.LiveupdateNumber != 0 && l.kind == kindV4 {
		return unsupported(root+".liveupdate-number", "the L-v4 root has no liveupdate-number")
	}
	for i, ss := range s.Sessions {
		if len(ss.Files) > 0 && l.sessFiles == nil {
			return unsupported(sessionPath(i)+".files", "%s sessions hold no files", l.tag)
		}
		if l.kind == kindV4 && ss.Name == "" {
			return unsupported(sessionPath(i)+".name", "an empty name marks an unused L-v4 entry")
		}
		for j, f := range ss.Files {
			p := filePath(sessionPath(i), j)
			if l.kind == kindFeat && f.Compatible != "" {
				return unsupported(p+".compatible", "L-feat selects handlers by name")
			}
			if l.kind != kindFeat && f.HandlerName != "" {
				return unsupported(p+".name", "%s selects handlers by compatible", l.tag)
			}
		}
	}
	return nil
}

// putName writes a NUL-padded string into a char array member.
func putName(f *abi.Field, b []byte, v, path string) error {
	if bytes.IndexByte([]byte(v), 0) >= 0 {
		return phys.Errorf(phys.ErrMalformed, path+"."+f.Name, phys.NoAddr, int64(f.Offset), "%q holds a NUL", v)
	}
	if len(v) >= f.Size {
		return phys.Errorf(phys.ErrLimit, path+"."+f.Name, phys.NoAddr, int64(f.Offset),
			"%d bytes do not fit %s with its NUL", len(v), f.CType)
	}
	return f.PutCString(b, v)
}

// order returns the page order of a block of pgcnt pages (get_order).
func order(pages uint64) uint {
	o := uint(0)
	for uint64(1)<<o < pages {
		o++
	}
	return o
}

// bytesOrder returns get_order(size) for 4 KiB pages.
func bytesOrder(size uint64) uint { return order((size + phys.PageSize - 1) / phys.PageSize) }

// ---- entries ----

func (e *encoder) writeFile(b []byte, f File, path string) error {
	l := e.l
	nm := f.Compatible
	if l.kind == kindFeat {
		nm = f.HandlerName
	}
	if err := putName(l.fileName, b, nm, path); err != nil {
		return err
	}
	l.fileData.PutUint(b, f.Data)
	l.fileT.PutUint(b, f.Token)
	return nil
}

// fileArray allocates and fills a contiguous file array (order of
// LUO_FILE_PGCNT); 0 for a session without files.
func (e *encoder) fileArray(i int, ss Session) (uint64, error) {
	l := e.l
	if len(ss.Files) == 0 {
		return 0, nil
	}
	if uint64(len(ss.Files)) > l.fileMax {
		return 0, phys.Errorf(phys.ErrLimit, sessionPath(i)+".files", phys.NoAddr, -1,
			"%d files exceed the %d a file array holds", len(ss.Files), l.fileMax)
	}
	pa, b := e.a.Alloc(order(l.filePgcnt))
	for j, f := range ss.Files {
		if err := e.writeFile(b[j*l.file.Size:], f, filePath(sessionPath(i), j)); err != nil {
			return 0, err
		}
	}
	return pa, nil
}

// fileSet allocates a session's files: a block chain or an array.
func (e *encoder) fileSet(i int, ss Session) (uint64, error) {
	if !e.l.filesInBlocks(e.compat()) {
		return e.fileArray(i, ss)
	}
	return kho.EncodeBlocks(e.a, len(ss.Files), e.l.file.Size, func(j int, b []byte) error {
		return e.writeFile(b, ss.Files[j], filePath(sessionPath(i), j))
	})
}

// writeSession fills a session entry.
func (e *encoder) writeSession(b []byte, i int, ss Session, files uint64) error {
	l := e.l
	if err := putName(l.sessName, b, ss.Name, sessionPath(i)); err != nil {
		return err
	}
	if l.sessFiles == nil {
		return nil
	}
	l.sessFiles.PutUint(b, files)
	l.sessN.PutUint(b, uint64(len(ss.Files)))
	if l.sessPgcnt != nil && files != 0 {
		l.sessPgcnt.PutUint(b, l.filePgcnt)
	}
	return nil
}

// sessionBlock allocates the contiguous session block and writes what the
// kernel writes at setup (pgcnt where the header has it).
func (e *encoder) sessionBlock() (uint64, []byte) {
	l := e.l
	pa, b := e.a.Alloc(order(l.sessionPgcnt))
	if l.hdrPgcnt != nil {
		l.hdrPgcnt.PutUint(b, l.sessionPgcnt)
	}
	return pa, b
}

// fillSessions writes the session array into blk after allocating each
// session's file array.
func (e *encoder) fillSessions(blk []byte) error {
	l := e.l
	if uint64(len(e.s.Sessions)) > l.sessionMax {
		return phys.Errorf(phys.ErrLimit, root+"/sessions", phys.NoAddr, -1,
			"%d sessions exceed the %d the session block holds", len(e.s.Sessions), l.sessionMax)
	}
	files := make([]uint64, len(e.s.Sessions))
	for i, ss := range e.s.Sessions {
		pa, err := e.fileArray(i, ss)
		if err != nil {
			return err
		}
		files[i] = pa
	}
	for i, ss := range e.s.Sessions {
		if err := e.writeSession(blk[l.sessHdr.Size+i*l.sess.Size:], i, ss, files[i]); err != nil {
			return err
		}
	}
	l.hdrCount.PutUint(blk, uint64(len(e.s.Sessions)))
	return nil
}

// flbPage allocates the FLB page and writes its setup-time pgcnt.
func (e *encoder) flbPage() (uint64, []byte) {
	pa, b := e.a.Alloc(order(e.l.flbPgcnt))
	e.l.flbHdrPgcnt.PutUint(b, e.l.flbPgcnt)
	return pa, b
}

func (e *encoder) fillFLBs(b []byte) error {
	l := e.l
	if uint64(len(e.s.FLBs)) > l.flbMax {
		return phys.Errorf(phys.ErrLimit, root+"/flbs", phys.NoAddr, -1,
			"%d FLBs exceed the %d the FLB page holds", len(e.s.FLBs), l.flbMax)
	}
	for i, f := range e.s.FLBs {
		eb := b[l.flbHdr.Size+i*l.flb.Size:]
		if err := putName(l.flbName, eb, f.Name, fmt.Sprintf("%s/flbs[%d]", root, i)); err != nil {
			return err
		}
		l.flbData.PutUint(eb, f.Data)
		l.flbCount.PutUint(eb, f.Count)
	}
	l.flbHdrN.PutUint(b, uint64(len(e.s.FLBs)))
	return nil
}

// ---- FDT era ----

// finishFDT ends a SeqWriter blob and copies the whole buffer into the
// preserved page, as the kernel's page holds it.
func finishFDT(w *fdt.SeqWriter, page []byte) ([]byte, error) {
	blob, err := w.Finish()
	if err != nil {
		return nil, phys.Errorf(phys.ErrLimit, root, phys.NoAddr, -1, "%v", err)
	}
	copy(page, w.Buffer())
	return blob, nil
}

// fdtEra encodes L-v5, L-v6, L-6.19-pre, L-6.19, L-FLB and L-luo-v2.
func (e *encoder) fdtEra() ([]byte, uint64, error) {
	l, s := e.l, e.s
	fdtPA, page := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	var serPA uint64
	var ser []byte
	if l.kind == kindFDTSer {
		serPA, ser = e.a.Alloc(bytesOrder(uint64(l.ser.Size)))
	}
	sessPA, sessBlk := e.sessionBlock()
	var flbPA uint64
	var flbBlk []byte
	if l.flb != nil {
		flbPA, flbBlk = e.flbPage()
	}
	if err := e.fillSessions(sessBlk); err != nil {
		return nil, 0, err
	}
	if l.flb != nil {
		if err := e.fillFLBs(flbBlk); err != nil {
			return nil, 0, err
		}
	}
	w := fdt.NewSeqWriter(luoFDTSize)
	w.BeginNode("")
	w.PropertyString("compatible", l.rootCompat)
	if l.kind == kindFDTSer {
		w.PropertyU64LE("luo-abi-header", serPA)
		l.serNum.PutUint(ser, s.LiveupdateNumber)
		l.serSessions.PutUint(ser, sessPA)
		l.serFLB.PutUint(ser, flbPA)
	} else {
		w.PropertyU64LE("liveupdate-number", s.LiveupdateNumber)
		w.BeginNode("luo-session")
		w.PropertyString("compatible", l.sessionCompat)
		w.PropertyU64LE(l.sessionProp, sessPA)
		w.EndNode()
		if l.flbCompat != "" {
			w.BeginNode("luo-flb")
			w.PropertyString("compatible", l.flbCompat)
			w.PropertyU64LE(l.flbProp, flbPA)
			w.EndNode()
		}
	}
	w.EndNode()
	blob, err := finishFDT(w, page)
	if err != nil {
		return nil, 0, err
	}
	return blob, fdtPA, nil
}

// ---- raw luo_ser ----

// compat returns the raw luo_ser string to write: s.Compatible when the
// generation has it, else the generation's last (newest) string.
func (e *encoder) compat() string {
	if slices.Contains(e.l.compatibles, e.s.Compatible) {
		return e.s.Compatible
	}
	if n := len(e.l.compatibles); n > 0 {
		return e.l.compatibles[n-1]
	}
	return ""
}

// ser encodes the raw luo_ser generations (L-luo-v3 … L-feat).
func (e *encoder) ser() ([]byte, uint64, error) {
	l, s := e.l, e.s
	if s.Compatible != "" && l.kind == kindSer && !slices.Contains(l.compatibles, s.Compatible) {
		return nil, 0, unsupported(root+".compatible", "%q is not a %s string (%q)", s.Compatible, l.tag, l.compatibles)
	}
	serPA, ser := e.a.Alloc(bytesOrder(uint64(l.ser.Size)))
	active := ^uint64(0)
	if l.kind == kindFeat {
		f := Features{Supp: featKnown, Req: featKnown, Active: featKnown}
		if s.Features != nil {
			f = *s.Features
		}
		if f.Req&^f.Supp != 0 || f.Active&^f.Supp != 0 {
			return nil, 0, phys.Errorf(phys.ErrMalformed, root+".features", phys.NoAddr, -1,
				"req 0x%x and active 0x%x must be subsets of supp 0x%x", f.Req, f.Active, f.Supp)
		}
		featSupp.PutUint(ser, f.Supp)
		featReq.PutUint(ser, f.Req)
		featActive.PutUint(ser, f.Active)
		active = f.Active
		switch {
		case active&featNumber == 0 && s.LiveupdateNumber != 0:
			return nil, 0, unsupported(root+".liveupdate_num", "LUO_FEATURE_NUMBER is not active")
		case active&featSessions == 0 && len(s.Sessions) > 0:
			return nil, 0, unsupported(root+"/sessions", "LUO_FEATURE_SESSIONS is not active")
		case active&featFLBs == 0 && len(s.FLBs) > 0:
			return nil, 0, unsupported(root+"/flbs", "LUO_FEATURE_FLBS is not active")
		}
	} else if err := putName(l.serCompat, ser, e.compat(), root); err != nil {
		return nil, 0, err
	}
	l.serNum.PutUint(ser, s.LiveupdateNumber)
	var flbPA uint64
	var flbBlk []byte
	if active&featFLBs != 0 || l.kind != kindFeat {
		flbPA, flbBlk = e.flbPage()
	}
	var sessPA uint64
	if l.sessionsInBlocks {
		var err error
		sessPA, err = kho.EncodeBlocks(e.a, len(s.Sessions), l.sess.Size, func(i int, b []byte) error {
			files, err := e.fileSet(i, s.Sessions[i])
			if err != nil {
				return err
			}
			return e.writeSession(b, i, s.Sessions[i], files)
		})
		if err != nil {
			return nil, 0, err
		}
	} else {
		var blk []byte
		sessPA, blk = e.sessionBlock()
		if err := e.fillSessions(blk); err != nil {
			return nil, 0, err
		}
	}
	if flbBlk != nil {
		if err := e.fillFLBs(flbBlk); err != nil {
			return nil, 0, err
		}
	}
	l.serSessions.PutUint(ser, sessPA)
	l.serFLB.PutUint(ser, flbPA)
	return bytes.Clone(ser[:l.ser.Size]), serPA, nil
}

// ---- subsystem era ----

// fdtErr turns an fdt writer error into a phys error at path: running out
// of buffer is a capacity overrun, anything else malformed input.
func fdtErr(err error, path string) error {
	kind := phys.ErrMalformed
	if errors.Is(err, fdt.ErrNoSpace) {
		kind = phys.ErrLimit
	}
	return phys.Errorf(kind, path, phys.NoAddr, -1, "%v", err)
}

// putU64Prop writes a u64 property with the sequential-write writer in the
// byte order of its registry kind.
func putU64Prop(w *fdt.SeqWriter, p abi.Prop, v uint64) {
	if p.Kind == abi.PropU64BE {
		w.Property(p.Name, binary.BigEndian.AppendUint64(nil, v)) // fdt_property_u64
		return
	}
	w.PropertyU64LE(p.Name, v)
}

// v4 encodes L-v4: the LUO FDT's /subsystems names a one-page luo-session
// FDT (count, data, pgcnt, big-endian) whose data is a zeroed array of
// 80-byte entries in a power-of-two block of pages, pgcnt counting only
// the pages the entries use.
func (e *encoder) v4() ([]byte, uint64, error) {
	l, s := e.l, e.s
	for _, sub := range s.Subsystems {
		if sub.Name == defaultSessionSubsy {
			return nil, 0, unsupported(root+"/subsystems."+sub.Name, "the name is taken by the session subsystem")
		}
	}
	fdtPA, page := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	sfdtPA, spage := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	n := uint64(len(s.Sessions))
	var data, pgcnt uint64
	if n > 0 {
		size := n * uint64(l.sess.Size)
		// DIV_ROUND_UP(count * sizeof(struct luo_session_ser), PAGE_SIZE)
		if pgcnt = (size + phys.PageSize - 1) / phys.PageSize; pgcnt > maxV4Pages {
			return nil, 0, phys.Errorf(phys.ErrLimit, root+"/sessions", phys.NoAddr, -1, "%d sessions need %d pages", n, pgcnt)
		}
		var blk []byte
		data, blk = e.a.Alloc(bytesOrder(size))
		for i, ss := range s.Sessions {
			files, err := e.fileArray(i, ss)
			if err != nil {
				return nil, 0, err
			}
			if err := e.writeSession(blk[i*l.sess.Size:], i, ss, files); err != nil {
				return nil, 0, err
			}
		}
	}
	vals := map[string]uint64{"count": n, "data": data, "pgcnt": pgcnt}
	sw := fdt.NewSeqWriter(luoFDTSize)
	sw.BeginNode(sessionFDTRoot)
	sw.PropertyString("compatible", l.sessionCompat)
	for _, p := range l.sessFDTProps {
		putU64Prop(sw, p, vals[p.Name])
	}
	sw.EndNode()
	if _, err := finishFDT(sw, spage); err != nil {
		return nil, 0, err
	}
	blob, err := e.rwRoot(page, defaultSessionSubsy, sfdtPA)
	if err != nil {
		return nil, 0, err
	}
	return blob, fdtPA, nil
}

// rwRoot builds the LUO FDT of L-RFC (patch v1-v3) and L-v4 the way their
// luo_fdt_setup() does, in read-write mode: fdt_create_empty_tree(fdt,
// PAGE_SIZE) (which ends with fdt_open_into), fdt_setprop_string
// (compatible), then luo_subsystems_fdt_setup(): fdt_add_subnode
// ("subsystems"), its compatible, one fdt_setprop(name, &zero, 8) per
// registered subsystem (s.Subsystems, then own), and at prepare each u64
// stored in place. The tree is never packed: the blob is the whole page
// (totalsize PAGE_SIZE, reserve map at 0x30) and each new property sits
// right after its node's name, so /subsystems lists the subsystems newest
// first with compatible last. A non-zero s.LiveupdateNumber (which no
// posting writes) is set after the root compatible, little-endian.
func (e *encoder) rwRoot(page []byte, own string, pa uint64) ([]byte, error) {
	s := e.s
	w := fdt.NewSeqWriter(luoFDTSize)
	w.BeginNode("")
	w.EndNode()
	if _, err := w.Finish(); err != nil {
		return nil, fdtErr(err, root)
	}
	ed, err := fdt.OpenInto(w.Buffer(), luoFDTSize)
	if err != nil {
		return nil, fdtErr(err, root)
	}
	subs := append(slices.Clone(s.Subsystems), Subsystem{Name: own, Data: pa})
	const sn = "/" + subsystemsNode
	steps := []struct {
		path string
		f    func() error
	}{
		{root + ".compatible", func() error { return ed.SetProp("/", "compatible", cstr(e.l.rootCompat)) }},
		{root + ".liveupdate-number", func() error {
			if s.LiveupdateNumber == 0 {
				return nil
			}
			return ed.SetPropU64LE("/", "liveupdate-number", s.LiveupdateNumber)
		}},
		{root + "/" + subsystemsNode, func() error { return ed.AddSubnode("/", subsystemsNode) }},
		{root + "/" + subsystemsNode + ".compatible", func() error { return ed.SetProp(sn, "compatible", cstr(subsystemsCompat)) }},
	}
	for _, st := range steps {
		if err := st.f(); err != nil {
			return nil, fdtErr(err, st.path)
		}
	}
	// Registration writes zero; luo_subsystems_commit_data_to_fdt()
	// stores the data in place at prepare.
	for _, sub := range subs {
		if err := ed.SetPropU64LE(sn, sub.Name, 0); err != nil {
			return nil, fdtErr(err, root+"/subsystems."+sub.Name)
		}
	}
	for _, sub := range subs {
		if err := ed.SetPropU64LE(sn, sub.Name, sub.Data); err != nil {
			return nil, fdtErr(err, root+"/subsystems."+sub.Name)
		}
	}
	copy(page, ed.Buffer())
	return ed.Blob(), nil
}

// cstr returns v with its NUL, the value fdt_setprop_string writes.
func cstr(v string) []byte { return append([]byte(v), 0) }

// rfc encodes L-RFC as patch v2/v3 wrote it: the file-descriptors
// subsystem's u64 is the PA of a separate FDT of PAGE_SIZE <<
// get_order(1024 + 128 * n) bytes whose root node is named
// file-descriptors and holds one node per file, named "%#0llx", in
// ascending token order (luo_files_fdt_setup walks an xarray indexed by
// token; a stable sort keeps equal tokens in s.Files order).
func (e *encoder) rfc() ([]byte, uint64, error) {
	s := e.s
	for _, sub := range s.Subsystems {
		if sub.Name == filesNode {
			return nil, 0, unsupported(root+"/subsystems."+sub.Name, "the name is taken by the file-descriptors subsystem")
		}
	}
	fdtPA, page := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	o := bytesOrder(1024 + 128*uint64(len(s.Files)))
	ffPA, fpage := e.a.Alloc(o)
	idx := make([]int, len(s.Files))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(s.Files[a].Token, s.Files[b].Token) })
	fw := fdt.NewSeqWriter(len(fpage))
	fw.BeginNode(filesNode)
	fw.PropertyString("compatible", filesCompat)
	for _, i := range idx {
		f := s.Files[i]
		if bytes.IndexByte([]byte(f.Compatible), 0) >= 0 {
			return nil, 0, phys.Errorf(phys.ErrMalformed, fmt.Sprintf("%s/files[%d].compatible", root, i), phys.NoAddr, -1,
				"%q holds a NUL", f.Compatible)
		}
		fw.BeginNode(formatToken(f.Token))
		fw.PropertyString("compatible", f.Compatible)
		fw.PropertyU64LE("data", f.Data)
		fw.EndNode()
	}
	fw.EndNode()
	if _, err := finishFDT(fw, fpage); err != nil {
		return nil, 0, err
	}
	blob, err := e.rwRoot(page, filesNode, ffPA)
	if err != nil {
		return nil, 0, err
	}
	return blob, fdtPA, nil
}
