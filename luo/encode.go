package luo

import (
	"bytes"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
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
func Encode(a *phys.Allocator, s *State, gen abi.Tag) (blob []byte, blobAddr uint64, err error) {
	if gen == "" {
		gen = s.Generation
	}
	l, err := encodeLayout(s, gen)
	if err != nil {
		return nil, 0, err
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

// encodeLayout returns the layout of generation gen that s asks for: for
// L-v6, the one of its session entry size.
func encodeLayout(s *State, gen abi.Tag) (*layout, error) {
	l, ok := layouts[gen]
	if !ok {
		return nil, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, -1, "no LUO generation %q", gen)
	}
	if gen != TagV6 {
		return l, nil
	}
	switch s.SessionEntrySize {
	case 0, l.sess.Size:
		return l, nil
	case v6With80.sess.Size:
		return v6With80, nil
	}
	return nil, phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, -1,
		"L-v6 session entries are %d or %d bytes, not %d", l.sess.Size, v6With80.sess.Size, s.SessionEntrySize)
}

// encoder carries one Encode call.
type encoder struct {
	a *phys.Allocator
	s *State
	l *layout
}

// unsupported returns a phys.ErrUnsupported error at path: content the
// generation cannot express.
func unsupported(path, format string, args ...any) error {
	return phys.Errorf(phys.ErrUnsupported, path, phys.NoAddr, -1, format, args...)
}

// check refuses content the generation has no place for.
func (e *encoder) check() error {
	s, l := e.s, e.l
	switch {
	case len(s.FLBs) > 0 && l.flb == nil:
		return unsupported(root+"/flbs", "%s has no FLBs", l.tag)
	case len(s.Files) > 0 && l.kind != kindRFC:
		return unsupported(root+"/files", "only L-RFC has session-less files")
	case len(s.Sessions) > 0 && l.kind == kindRFC:
		return unsupported(root+"/sessions", "L-RFC has no sessions")
	case len(s.Subsystems) > 0 && l.kind != kindRFC && l.kind != kindV4:
		return unsupported(root+"/subsystems", "%s has no subsystems", l.tag)
	}
	if err := checkSubsystems(s.Subsystems); err != nil {
		return err
	}
	switch {
	case s.Features != nil && l.kind != kindFeat:
		return unsupported(root+".features", "%s has no feature header", l.tag)
	case s.LiveupdateNumber != 0 && l.kind == kindV4:
		return unsupported(root+".liveupdate-number", "the L-v4 root has no liveupdate-number")
	}
	for i, ss := range s.Sessions {
		if err := e.checkSession(i, ss); err != nil {
			return err
		}
	}
	return nil
}

// checkSubsystems refuses subsystem names that are no property names or
// that are taken.
func checkSubsystems(subs []Subsystem) error {
	seen := map[string]bool{}
	for _, sub := range subs {
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
	return nil
}

// checkSession refuses session i where its generation cannot express it.
func (e *encoder) checkSession(i int, ss Session) error {
	l := e.l
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
