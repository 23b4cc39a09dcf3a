package luo

import (
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// Alternative header property names, to tell "another generation" from
// "malformed" when the expected one is missing.
var otherProp = map[string]string{
	"luo-session-head":   "luo-session-header",
	"luo-session-header": "luo-session-head",
	"luo-flb-head":       "luo-flb-header",
	"luo-flb-header":     "luo-flb-head",
}

// childNode returns the required child name of n; a missing child is a
// problem with check c.
func childNode(n fdt.Node, name string, c phys.Check) (fdt.Node, *phys.Error) {
	ch, ok := n.Child(name)
	if !ok {
		return fdt.Node{}, phys.Errorf(phys.ErrMalformed, root+"/"+name, phys.NoAddr, int64(n.Offset()), "node is missing").With(c)
	}
	return ch, nil
}

// headerProp reads the u64 header address property of a luo-session or
// luo-flb node; a property spelled as another generation spells it is
// unsupported rather than missing.
func (d *decoder) headerProp(n fdt.Node, prop string, c phys.Check) (uint64, *phys.Error) {
	if _, ok := n.Property(prop); !ok {
		if alt := otherProp[prop]; alt != "" {
			if _, ok := n.Property(alt); ok {
				return 0, phys.Errorf(phys.ErrUnsupported, fdtNodePath(root, n)+"."+alt, phys.NoAddr, int64(n.Offset()),
					"%s has %s where generation %s has %s", n.Name(), alt, d.l.tag, prop).With(c)
			}
		}
	}
	return propU64(n, root, prop, d.blobAddr, c)
}

// openRoot parses the LUO FDT, records its size and checks its root
// compatible against the generation's (a mismatch is reported, and the
// FDT is still read). It returns false when the FDT does not parse.
func (d *decoder) openRoot() (fdt.Node, bool) {
	t, err := parseFDT(d.blob, root, d.blobAddr, false)
	if err != nil {
		d.add(err)
		return fdt.Node{}, false
	}
	d.st.Layout.BlobSize = int(t.Header.TotalSize)
	r := t.Root()
	var pe *phys.Error
	d.st.Compatible, pe = checkCompatible(r, root, d.l.rootCompat, d.blobAddr, CheckCompatible)
	d.addErr(pe)
	return r, true
}

// headerNode reads the header address of the luo-session or luo-flb node
// name of root r: its compatible (recorded in *compat, a mismatch is
// reported) and its header property prop (recorded in *propName). It
// returns false when the node or the property is missing or malformed.
func (d *decoder) headerNode(r fdt.Node, name, want, prop string, c phys.Check, compat, propName *string) (uint64, bool) {
	n, pe := childNode(r, name, c)
	if d.addErr(pe) {
		return 0, false
	}
	*compat, pe = checkCompatible(n, root, want, d.blobAddr, c)
	d.addErr(pe)
	hdr, pe := d.headerProp(n, prop, c)
	if d.addErr(pe) {
		return 0, false
	}
	*propName = prop
	return hdr, true
}

// fdtV1 decodes a luo-v1 FDT with luo-session (and luo-flb) nodes:
// L-v5, L-v6, L-6.19-pre, L-6.19 and L-FLB. The two nodes are decoded
// independently: a problem with one does not hide the other.
func (d *decoder) fdtV1() {
	r, ok := d.openRoot()
	if !ok {
		return
	}
	var pe *phys.Error
	d.st.LiveupdateNumber, pe = propU64(r, root, "liveupdate-number", d.blobAddr, CheckLiveupdateNumber)
	d.addErr(pe)
	lay := &d.st.Layout
	hdr, hasSess := d.headerNode(r, "luo-session", d.l.sessionCompat, d.l.sessionProp, CheckSessionNode,
		&lay.SessionCompatible, &lay.SessionProp)
	var flbHdr uint64
	hasFLB := false
	if d.l.flbCompat != "" {
		flbHdr, hasFLB = d.headerNode(r, "luo-flb", d.l.flbCompat, d.l.flbProp, CheckFLBNode,
			&lay.FLBCompatible, &lay.FLBProp)
	}
	if d.l.tag == TagV6 {
		d.st.SessionEntrySize = d.l.sess.Size
		if hasSess && hdr != 0 {
			_, hasNode := r.Child("luo-flb")
			best, _, _ := scoreV6(d.m, hdr, hasNode, true)
			d.l = best.l
			d.st.SessionEntrySize = best.l.sess.Size
		}
	}
	if hasSess {
		d.sessionArray(hdr, true)
	}
	if hasFLB {
		d.flbs(flbHdr, true)
	}
}

// fdtLuoV2 decodes L-luo-v2: a luo-v2 FDT whose luo-abi-header points to a
// 24-byte struct luo_ser.
func (d *decoder) fdtLuoV2() {
	r, ok := d.openRoot()
	if !ok {
		return
	}
	pa, pe := propU64(r, root, "luo-abi-header", d.blobAddr, CheckStructure)
	if d.addErr(pe) {
		return
	}
	path := root + "/luo_ser"
	if pa == 0 {
		d.report(phys.Errorf(phys.ErrMalformed, path, 0, -1, "luo-abi-header is 0"), CheckStructure)
		return
	}
	if !d.claim(pa, path) {
		return
	}
	b, ok := d.read(pa, uint64(d.l.ser.Size), path)
	if !ok {
		return
	}
	d.st.Layout.SerAddr = pa
	d.serBody(b)
}

// serBody decodes the three u64 members of a struct luo_ser; the sessions
// and the FLBs are decoded independently.
func (d *decoder) serBody(b []byte) {
	l := d.l
	d.st.LiveupdateNumber = l.serNum.Uint(b)
	sessions, flbs := l.serSessions.Uint(b), l.serFLB.Uint(b)
	if l.sessionsInBlocks {
		d.sessionChain(sessions)
	} else {
		d.sessionArray(sessions, false)
	}
	d.flbs(flbs, false)
}
