package luo

import (
	"fmt"
	"slices"

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
func (d *decoder) rootNumber(r fdt.Node) error {
	if _, ok := r.Property("liveupdate-number"); !ok {
		return nil
	}
	v, err := d.propU64(r, root, "liveupdate-number", d.blobAddr)
	d.st.LiveupdateNumber = v
	return err
}

// subsystems decodes the /subsystems properties (all u64 LE) in
// registration order. The patch v1-v4 kernels add them with fdt_setprop
// after the node's compatible, and each new property lands right after the
// node name: a node whose compatible is its last property lists them
// newest first, and is read backwards. Any other node (a sequential-write
// one, compatible first) is read in blob order.
func (d *decoder) subsystems(r fdt.Node, required bool) ([]Subsystem, error) {
	n, ok := r.Child(subsystemsNode)
	if !ok {
		if required {
			_, err := childNode(r, subsystemsNode)
			return nil, err
		}
		return nil, nil
	}
	if _, err := checkCompatible(n, root, subsystemsCompat, d.blobAddr); err != nil {
		return nil, err
	}
	var out []Subsystem
	for _, p := range n.Properties() {
		if p.Name == "compatible" {
			continue
		}
		v, err := d.propU64(n, root, p.Name, d.blobAddr)
		if err != nil {
			return nil, err
		}
		out = append(out, Subsystem{Name: p.Name, Data: v})
	}
	if props := n.Properties(); len(props) > 1 && props[len(props)-1].Name == "compatible" {
		slices.Reverse(out)
	}
	return out, nil
}

// rfc decodes L-RFC: files either in an inline /file-descriptors node
// (RFC v2) or in a separate FDT named by the file-descriptors subsystem
// (patch v2/v3).
func (d *decoder) rfc() error {
	r, err := d.openRoot()
	if err != nil {
		return err
	}
	if err := d.rootNumber(r); err != nil {
		return err
	}
	subs, err := d.subsystems(r, false)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Name != filesNode {
			d.st.Subsystems = append(d.st.Subsystems, s)
			continue
		}
		path := root + "/" + filesNode
		if s.Data == 0 {
			return phys.Errorf(phys.ErrMalformed, root+"/subsystems."+filesNode, 0, -1, "files FDT address is 0")
		}
		if err := d.claim(s.Data, path); err != nil {
			return err
		}
		ft, err := d.readFDT(s.Data, path, true)
		if err != nil {
			return err
		}
		d.st.Layout.FilesFDT = s.Data
		if err := d.rfcFiles(ft.Root(), path, s.Data); err != nil {
			return err
		}
	}
	if d.st.Layout.FilesFDT != 0 {
		return nil
	}
	n, err := childNode(r, filesNode)
	if err != nil {
		return err // a missing node panics the RFC v2 receiver
	}
	return d.rfcFiles(n, root+"/"+filesNode, d.blobAddr)
}

// rfcFiles decodes the children of a file-descriptors node: one node per
// file, named by its token, with compatible and data.
func (d *decoder) rfcFiles(n fdt.Node, path string, base uint64) error {
	prefix := path
	if n.Depth() > 0 {
		prefix = root
	}
	if _, err := checkCompatible(n, prefix, filesCompat, base); err != nil {
		return err
	}
	i := 0
	for c := range n.Children() {
		fp := fmt.Sprintf("%s/files[%d]", root, i)
		tok, ok := parseToken(c.Name())
		if !ok {
			return phys.Errorf(phys.ErrMalformed, fp, phys.NoAddr, int64(c.Offset()),
				"node name %q is not a token", c.Name())
		}
		p, ok := c.Property("compatible")
		if !ok {
			return phys.Errorf(phys.ErrMalformed, fp+".compatible", phys.NoAddr, int64(c.Offset()), "property is missing")
		}
		compat, err := p.String()
		if err != nil {
			return phys.Errorf(phys.ErrMalformed, fp+".compatible", phys.NoAddr, int64(p.ValueOffset()), "%v", err)
		}
		dp, ok := c.Property("data")
		if !ok {
			return phys.Errorf(phys.ErrMalformed, fp+".data", phys.NoAddr, int64(c.Offset()), "property is missing")
		}
		data, err := dp.U64LE()
		if err != nil {
			return phys.Errorf(phys.ErrMalformed, fp+".data", phys.NoAddr, int64(dp.ValueOffset()),
				"value is %d bytes, want 8", len(dp.Value))
		}
		d.st.Files = append(d.st.Files, File{Compatible: compat, Token: tok, Data: data, Path: fp})
		i++
	}
	return nil
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
	t, err := d.readFDT(pa, root, true)
	if err != nil {
		return false
	}
	_, err = checkCompatible(t.Root(), root, "luo-session-v1", pa)
	return err == nil
}

// v4 decodes L-v4: /subsystems holds the PA of a luo-session FDT with
// count, data and pgcnt, read in the byte order the registry gives them
// (big-endian: the v4 posting writes them with fdt_property_u64). A session
// FDT with little-endian values (written by Encode before this was fixed)
// is not supported.
func (d *decoder) v4() error {
	r, err := d.openRoot()
	if err != nil {
		return err
	}
	if err := d.rootNumber(r); err != nil {
		return err
	}
	subs, err := d.subsystems(r, true)
	if err != nil {
		return err
	}
	var sessPA uint64
	for _, s := range subs {
		if sessPA == 0 && isSessionFDT(d.m, s.Data) {
			sessPA = s.Data
			d.st.Layout.SessionSubsystem = s.Name
			continue
		}
		d.st.Subsystems = append(d.st.Subsystems, s)
	}
	path := root + "/" + sessionFDTRoot
	if sessPA == 0 {
		return phys.Errorf(phys.ErrMalformed, path, phys.NoAddr, -1, "no subsystem points to a luo-session-v1 FDT")
	}
	if err := d.claim(sessPA, path); err != nil {
		return err
	}
	st, err := d.readFDT(sessPA, path, true)
	if err != nil {
		return err
	}
	d.st.Layout.SessionFDT = sessPA
	sr := st.Root()
	if d.st.Layout.SessionCompatible, err = checkCompatible(sr, path, d.l.sessionCompat, sessPA); err != nil {
		return err
	}
	// count, data and pgcnt, in the byte order the registry gives
	// (big-endian: the v4 posting writes them with fdt_property_u64).
	vals := map[string]uint64{}
	for _, p := range d.l.sessFDTProps {
		if vals[p.Name], err = d.propU64Kind(sr, path, p.Name, p.Kind, sessPA); err != nil {
			return err
		}
	}
	return d.sessionArrayV4(vals["data"], vals["count"], vals["pgcnt"])
}
