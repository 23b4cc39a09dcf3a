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

// childNode returns the required child name of n.
func childNode(n fdt.Node, name string) (fdt.Node, error) {
	c, ok := n.Child(name)
	if !ok {
		return fdt.Node{}, phys.Errorf(phys.ErrMalformed, root+"/"+name, phys.NoAddr, int64(n.Offset()), "node is missing")
	}
	return c, nil
}

// headerProp reads the u64 header address property of a luo-session or
// luo-flb node; a property spelled as another generation spells it is
// unsupported rather than missing.
func (d *decoder) headerProp(n fdt.Node, prop string) (uint64, error) {
	if _, ok := n.Property(prop); !ok {
		if alt := otherProp[prop]; alt != "" {
			if _, ok := n.Property(alt); ok {
				return 0, phys.Errorf(phys.ErrUnsupported, fdtNodePath(root, n)+"."+alt, phys.NoAddr, int64(n.Offset()),
					"%s has %s where generation %s has %s", n.Name(), alt, d.l.tag, prop)
			}
		}
	}
	return d.propU64(n, root, prop, d.blobAddr)
}

// openRoot parses the LUO FDT, records its size and checks its root
// compatible against the generation's.
func (d *decoder) openRoot() (fdt.Node, error) {
	t, err := parseFDT(d.blob, root, d.blobAddr, false)
	if err != nil {
		return fdt.Node{}, err
	}
	d.st.Layout.BlobSize = int(t.Header.TotalSize)
	r := t.Root()
	d.st.Compatible, err = checkCompatible(r, root, d.l.rootCompat, d.blobAddr)
	return r, err
}

// fdtV1 decodes a luo-v1 FDT with luo-session (and luo-flb) nodes:
// L-v5, L-v6, L-6.19-pre, L-6.19 and L-FLB.
func (d *decoder) fdtV1() error {
	r, err := d.openRoot()
	if err != nil {
		return err
	}
	if d.st.LiveupdateNumber, err = d.propU64(r, root, "liveupdate-number", d.blobAddr); err != nil {
		return err
	}
	sn, err := childNode(r, "luo-session")
	if err != nil {
		return err
	}
	if d.st.Layout.SessionCompatible, err = checkCompatible(sn, root, d.l.sessionCompat, d.blobAddr); err != nil {
		return err
	}
	hdr, err := d.headerProp(sn, d.l.sessionProp)
	if err != nil {
		return err
	}
	d.st.Layout.SessionProp = d.l.sessionProp
	var flbHdr uint64
	if d.l.flbCompat != "" {
		fn, err := childNode(r, "luo-flb")
		if err != nil {
			return err
		}
		if d.st.Layout.FLBCompatible, err = checkCompatible(fn, root, d.l.flbCompat, d.blobAddr); err != nil {
			return err
		}
		if flbHdr, err = d.headerProp(fn, d.l.flbProp); err != nil {
			return err
		}
		d.st.Layout.FLBProp = d.l.flbProp
	}
	if d.l.tag == TagV6 {
		if hdr == 0 {
			return phys.Errorf(phys.ErrMalformed, root+"/sessions", 0, -1, "session header address is 0")
		}
		_, hasFLB := r.Child("luo-flb")
		best, _ := scoreV6(d.m, hdr, hasFLB, true)
		d.l = best.l
		d.st.SessionEntrySize = best.l.sess.Size
	}
	if err := d.sessionArray(hdr, true); err != nil {
		return err
	}
	if d.l.flbCompat != "" {
		return d.flbs(flbHdr, true)
	}
	return nil
}

// fdtLuoV2 decodes L-luo-v2: a luo-v2 FDT whose luo-abi-header points to a
// 24-byte struct luo_ser.
func (d *decoder) fdtLuoV2() error {
	r, err := d.openRoot()
	if err != nil {
		return err
	}
	pa, err := d.propU64(r, root, "luo-abi-header", d.blobAddr)
	if err != nil {
		return err
	}
	path := root + "/luo_ser"
	if pa == 0 {
		return phys.Errorf(phys.ErrMalformed, path, 0, -1, "luo-abi-header is 0")
	}
	if err := d.claim(pa, path); err != nil {
		return err
	}
	b, err := phys.Read(d.m, pa, uint64(d.l.ser.Size), path)
	if err != nil {
		return err
	}
	d.st.Layout.SerAddr = pa
	return d.serBody(b)
}

// serBody decodes the three u64 members of a struct luo_ser.
func (d *decoder) serBody(b []byte) error {
	l := d.l
	d.st.LiveupdateNumber = l.serNum.Uint(b)
	sessions, flbs := l.serSessions.Uint(b), l.serFLB.Uint(b)
	var err error
	if l.sessionsInBlocks {
		err = d.sessionChain(sessions)
	} else {
		err = d.sessionArray(sessions, false)
	}
	if err != nil {
		return err
	}
	return d.flbs(flbs, false)
}
