package luo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// FDT names of the /subsystems era (L-RFC, L-v4).
const (
	subsystemsNode      = "subsystems"
	subsystemsCompat    = "subsystems-v1"
	filesNode           = "file-descriptors"
	filesCompat         = "file-descriptors-v1"
	sessionFDTRoot      = "luo-session"
	defaultSessionSubsy = "luo-session" // L-v4 session subsystem name chosen by Encode
)

// rootNumber reads the optional liveupdate-number of an RFC-era root.
func (d *decoder) rootNumber(r fdt.Node) {
	if _, ok := r.Property("liveupdate-number"); !ok {
		return
	}
	var pe *phys.Error
	d.st.LiveupdateNumber, pe = propU64(r, root, "liveupdate-number", d.blobAddr, CheckLiveupdateNumber)
	d.addErr(pe)
}

// subsystems decodes the /subsystems properties (all u64 LE) in
// registration order. The patch v1-v4 kernels add them with fdt_setprop
// after the node's compatible, and each new property lands right after the
// node name: a node whose compatible is its last property lists them
// newest first, and is read backwards. Any other node (a sequential-write
// one, compatible first) is read in blob order. Malformed properties are
// reported and left out.
func (d *decoder) subsystems(r fdt.Node, required bool) []Subsystem {
	n, ok := r.Child(subsystemsNode)
	if !ok {
		if required {
			_, pe := childNode(r, subsystemsNode, CheckStructure)
			d.addErr(pe)
		}
		return nil
	}
	_, pe := checkCompatible(n, root, subsystemsCompat, d.blobAddr, CheckStructure)
	d.addErr(pe)
	var out []Subsystem
	for _, p := range n.Properties() {
		if p.Name == "compatible" {
			continue
		}
		v, pe := propU64(n, root, p.Name, d.blobAddr, CheckStructure)
		if d.addErr(pe) {
			continue
		}
		out = append(out, Subsystem{Name: p.Name, Data: v})
	}
	if props := n.Properties(); len(props) > 1 && props[len(props)-1].Name == "compatible" {
		slices.Reverse(out)
	}
	return out
}

// rfc decodes L-RFC: files either in an inline /file-descriptors node
// (RFC v2) or in a separate FDT named by the file-descriptors subsystem
// (patch v2/v3).
func (d *decoder) rfc() {
	r, ok := d.openRoot()
	if !ok {
		return
	}
	d.rootNumber(r)
	viaSubsystem := false
	for _, s := range d.subsystems(r, false) {
		if s.Name != filesNode {
			d.st.Subsystems = append(d.st.Subsystems, s)
			continue
		}
		viaSubsystem = true
		d.rfcFilesFDT(s.Data)
	}
	if viaSubsystem {
		return
	}
	n, pe := childNode(r, filesNode, CheckStructure)
	if d.addErr(pe) {
		return // a missing node panics the RFC v2 receiver
	}
	d.rfcFiles(n, root+"/"+filesNode, d.blobAddr)
}

// subFDT claims and reads the FDT (with a named root) at pa, another FDT
// that a /subsystems property points to. Its problems are reported, with
// check c; ok is false when the FDT cannot be used.
func (d *decoder) subFDT(pa uint64, path string, c phys.Check) (*fdt.Tree, bool) {
	if !d.claim(pa, path) {
		return nil, false
	}
	t, err := d.readFDT(pa, path, true, c)
	if err != nil {
		d.add(err)
		return nil, false
	}
	return t, true
}

// rfcFilesFDT decodes the file-descriptors FDT at pa (patch v2/v3).
func (d *decoder) rfcFilesFDT(pa uint64) {
	path := root + "/" + filesNode
	if pa == 0 {
		d.report(phys.Errorf(phys.ErrMalformed, root+"/subsystems."+filesNode, 0, -1, "files FDT address is 0"), CheckStructure)
		return
	}
	ft, ok := d.subFDT(pa, path, CheckStructure)
	if !ok {
		return
	}
	d.st.Layout.FilesFDT = pa
	d.rfcFiles(ft.Root(), path, pa)
}

// rfcFiles decodes the children of a file-descriptors node: one node per
// file, named by its token, with compatible and data. A file whose token
// or data cannot be read is reported and left out; a compatible that is
// not a string is reported and kept as its raw value.
func (d *decoder) rfcFiles(n fdt.Node, path string, base uint64) {
	prefix := path
	if n.Depth() > 0 {
		prefix = root
	}
	_, pe := checkCompatible(n, prefix, filesCompat, base, CheckStructure)
	d.addErr(pe)
	i := 0
	for c := range n.Children() {
		fp := fmt.Sprintf("%s/files[%d]", root, i)
		i++
		tok, ok := parseToken(c.Name())
		if !ok {
			d.report(phys.Errorf(phys.ErrMalformed, fp, phys.NoAddr, int64(c.Offset()),
				"node name %q is not a token", c.Name()), CheckStructure)
			continue
		}
		var compat string
		p, ok := c.Property("compatible")
		if !ok {
			d.report(phys.Errorf(phys.ErrMalformed, fp+".compatible", phys.NoAddr, int64(c.Offset()), "property is missing"),
				CheckStructure)
		} else if s, err := p.String(); err != nil {
			d.report(phys.Errorf(phys.ErrMalformed, fp+".compatible", phys.NoAddr, int64(p.ValueOffset()), "%v", err),
				CheckFileName)
			compat = strings.TrimRight(string(p.Value), "\x00")
		} else {
			compat = s
		}
		dp, ok := c.Property("data")
		if !ok {
			d.report(phys.Errorf(phys.ErrMalformed, fp+".data", phys.NoAddr, int64(c.Offset()), "property is missing"),
				CheckStructure)
			continue
		}
		data, err := dp.U64LE()
		if err != nil {
			d.report(phys.Errorf(phys.ErrMalformed, fp+".data", phys.NoAddr, int64(dp.ValueOffset()),
				"value is %d bytes, want 8", len(dp.Value)), CheckStructure)
			continue
		}
		d.st.Files = append(d.st.Files, File{Compatible: compat, Token: tok, Data: data, Path: fp})
	}
}

// parseToken parses a node name like kstrtou64(name, 0): "0x"/"0X" hex,
// a leading 0 octal, otherwise decimal; no sign, no underscores.
func parseToken(s string) (uint64, bool) {
	base := uint64(10)
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var dgt uint64
		switch {
		case c >= '0' && c <= '9':
			dgt = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			dgt = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			dgt = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if dgt >= base || v > (^uint64(0)-dgt)/base {
			return 0, false
		}
		v = v*base + dgt
	}
	return v, true
}

// formatToken names a file node as the patch v2/v3 kernel does, "%#0llx":
// "0x2a", and "0" for token 0.
func formatToken(t uint64) string {
	if t == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", t)
}

// isSessionFDT reports whether pa holds an FDT whose root compatible is
// luo-session-v1 (the L-v4 session subsystem data).
func isSessionFDT(m phys.Memory, pa uint64) bool {
	if pa == 0 || m == nil {
		return false
	}
	d := &decoder{m: m, claimed: map[uint64]string{}}
	t, err := d.readFDT(pa, root, true, CheckStructure)
	if err != nil {
		return false
	}
	_, pe := checkCompatible(t.Root(), root, "luo-session-v1", pa, CheckStructure)
	return pe == nil
}

// v4SessionSubsystem returns the index of the subsystem that points to
// the L-v4 session FDT: the first whose u64 points to a luo-session-v1
// FDT or, failing that, the first named like a session subsystem (its
// FDT is then damaged or unresolved); -1 when there is none.
func (d *decoder) v4SessionSubsystem(subs []Subsystem) int {
	for i, s := range subs {
		if isSessionFDT(d.m, s.Data) {
			return i
		}
	}
	for i, s := range subs {
		if strings.Contains(s.Name, "session") {
			return i
		}
	}
	return -1
}

// v4 decodes L-v4: /subsystems holds the PA of a luo-session FDT with
// count, data and pgcnt, read in the byte order the registry gives them
// (big-endian: the v4 posting writes them with fdt_property_u64). A session
// FDT with little-endian values (written by Encode before this was fixed)
// is not supported.
func (d *decoder) v4() {
	r, ok := d.openRoot()
	if !ok {
		return
	}
	d.rootNumber(r)
	subs := d.subsystems(r, true)
	si := d.v4SessionSubsystem(subs)
	for i, s := range subs {
		if i != si {
			d.st.Subsystems = append(d.st.Subsystems, s)
		}
	}
	path := root + "/" + sessionFDTRoot
	if si < 0 {
		d.report(phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, -1, "no subsystem points to a luo-session-v1 FDT"),
			CheckSessionNode)
		return
	}
	sessPA := subs[si].Data
	d.st.Layout.SessionSubsystem = subs[si].Name
	if sessPA == 0 {
		d.report(phys.Errorf(phys.ErrMalformed, path, 0, -1, "subsystem %q holds address 0", subs[si].Name), CheckSessionNode)
		return
	}
	st, ok := d.subFDT(sessPA, path, CheckSessionNode)
	if !ok {
		return
	}
	d.st.Layout.SessionFDT = sessPA
	sr := st.Root()
	var pe *phys.Error
	d.st.Layout.SessionCompatible, pe = checkCompatible(sr, path, d.l.sessionCompat, sessPA, CheckSessionNode)
	d.addErr(pe)
	// count, data and pgcnt, in the byte order the registry gives
	// (big-endian: the v4 posting writes them with fdt_property_u64).
	vals := map[string]uint64{}
	for _, p := range d.l.sessFDTProps {
		v, pe := propU64Kind(sr, path, p.Name, p.Kind, sessPA, CheckSessionNode)
		if d.addErr(pe) {
			return
		}
		vals[p.Name] = v
	}
	d.sessionArrayV4(vals["data"], vals["count"], vals["pgcnt"])
}
