package luo

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

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

// ownSubsystem refuses a subsystem of s named like the one the encoder
// registers itself (what names it in the message).
func (e *encoder) ownSubsystem(name, what string) error {
	for _, sub := range e.s.Subsystems {
		if sub.Name == name {
			return unsupported(root+"/subsystems."+sub.Name, "the name is taken by the %s subsystem", what)
		}
	}
	return nil
}

// v4 encodes L-v4: the LUO FDT's /subsystems names a one-page luo-session
// FDT (count, data, pgcnt, big-endian) whose data is the session array
// (see sessionArrayV4).
func (e *encoder) v4() ([]byte, uint64, error) {
	l := e.l
	if err := e.ownSubsystem(defaultSessionSubsy, "session"); err != nil {
		return nil, 0, err
	}
	fdtPA, page := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	sfdtPA, spage := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	data, pgcnt, err := e.sessionArrayV4()
	if err != nil {
		return nil, 0, err
	}
	vals := map[string]uint64{"count": uint64(len(e.s.Sessions)), "data": data, "pgcnt": pgcnt}
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

// rfc encodes L-RFC as patch v2/v3 wrote it: the file-descriptors
// subsystem's u64 is the PA of a separate FDT of PAGE_SIZE <<
// get_order(1024 + 128 * n) bytes (see filesFDT).
func (e *encoder) rfc() ([]byte, uint64, error) {
	if err := e.ownSubsystem(filesNode, "file-descriptors"); err != nil {
		return nil, 0, err
	}
	fdtPA, page := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	ffPA, fpage := e.a.Alloc(bytesOrder(1024 + 128*uint64(len(e.s.Files))))
	if err := e.filesFDT(fpage); err != nil {
		return nil, 0, err
	}
	blob, err := e.rwRoot(page, filesNode, ffPA)
	if err != nil {
		return nil, 0, err
	}
	return blob, fdtPA, nil
}

// filesFDT writes the L-RFC files FDT into page: its root node is named
// file-descriptors and holds one node per file, named "%#0llx", in
// ascending token order (luo_files_fdt_setup walks an xarray indexed by
// token; a stable sort keeps equal tokens in s.Files order).
func (e *encoder) filesFDT(page []byte) error {
	files := e.s.Files
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(files[a].Token, files[b].Token) })
	fw := fdt.NewSeqWriter(len(page))
	fw.BeginNode(filesNode)
	fw.PropertyString("compatible", filesCompat)
	for _, i := range idx {
		f := files[i]
		if bytes.IndexByte([]byte(f.Compatible), 0) >= 0 {
			return phys.Errorf(phys.ErrMalformed, fmt.Sprintf("%s/files[%d].compatible", root, i), phys.NoAddr, -1,
				"%q holds a NUL", f.Compatible)
		}
		fw.BeginNode(formatToken(f.Token))
		fw.PropertyString("compatible", f.Compatible)
		fw.PropertyU64LE("data", f.Data)
		fw.EndNode()
	}
	fw.EndNode()
	_, err := finishFDT(fw, page)
	return err
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
	ed, err := emptyTree()
	if err != nil {
		return nil, err
	}
	if err := e.rwSetup(ed); err != nil {
		return nil, err
	}
	subs := append(slices.Clone(e.s.Subsystems), Subsystem{Name: own, Data: pa})
	// Registration writes zero; luo_subsystems_commit_data_to_fdt()
	// stores the data in place at prepare.
	for _, prepared := range []bool{false, true} {
		for _, sub := range subs {
			v := uint64(0)
			if prepared {
				v = sub.Data
			}
			if err := ed.SetPropU64LE("/"+subsystemsNode, sub.Name, v); err != nil {
				return nil, fdtErr(err, root+"/subsystems."+sub.Name)
			}
		}
	}
	copy(page, ed.Buffer())
	return ed.Blob(), nil
}

// emptyTree returns fdt_create_empty_tree(fdt, LUO_FDT_SIZE) opened for
// editing.
func emptyTree() (*fdt.Editor, error) {
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
	return ed, nil
}

// rwSetup sets the root compatible (and liveupdate-number) and adds the
// /subsystems node with its compatible.
func (e *encoder) rwSetup(ed *fdt.Editor) error {
	const sn = "/" + subsystemsNode
	steps := []struct {
		path string
		f    func() error
	}{
		{root + ".compatible", func() error { return ed.SetProp("/", "compatible", cstr(e.l.rootCompat)) }},
		{root + ".liveupdate-number", func() error {
			if e.s.LiveupdateNumber == 0 {
				return nil
			}
			return ed.SetPropU64LE("/", "liveupdate-number", e.s.LiveupdateNumber)
		}},
		{root + "/" + subsystemsNode, func() error { return ed.AddSubnode("/", subsystemsNode) }},
		{root + "/" + subsystemsNode + ".compatible", func() error { return ed.SetProp(sn, "compatible", cstr(subsystemsCompat)) }},
	}
	for _, st := range steps {
		if err := st.f(); err != nil {
			return fdtErr(err, st.path)
		}
	}
	return nil
}

// cstr returns v with its NUL, the value fdt_setprop_string writes.
func cstr(v string) []byte { return append([]byte(v), 0) }
