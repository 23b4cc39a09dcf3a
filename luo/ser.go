package luo

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// maxCompatLen bounds the search for the NUL of a raw luo_ser compatible;
// the longest known string ("luo-v4-kho-block-v1") has 19 characters.
const maxCompatLen = 64

// IsRawSer reports whether blob starts like a string-identified struct
// luo_ser (L-luo-v3 to L-RFC-compat): with ASCII "luo-v".
func IsRawSer(blob []byte) bool { return bytes.HasPrefix(blob, []byte("luo-v")) }

// rawCompat returns the NUL-terminated string at the start of a raw
// luo_ser and the size of its field, ALIGN(len + 1, 8)
// (LUO_ABI_COMPAT_LEN).
func rawCompat(blob []byte) (string, int, bool) {
	i := bytes.IndexByte(blob[:min(len(blob), maxCompatLen)], 0)
	if i < 0 {
		return "", 0, false
	}
	return string(blob[:i]), (i + 1 + 7) &^ 7, true
}

// rawSer decodes a blob that is a string-identified struct luo_ser:
// L-luo-v3, L-blk, L-luo-v4, L-luo-v5 and L-RFC-compat. A string that is
// not the generation's is reported and the blob read with the
// generation's layout; a blob shorter than the struct is read no further.
func (d *decoder) rawSer() {
	l := d.l
	compat, n, ok := rawCompat(d.blob)
	switch {
	case !ok:
		d.report(phys.Errorf(phys.ErrMalformed, root+".compatible", d.blobPA(0), 0,
			"no NUL in the first %d bytes", min(len(d.blob), maxCompatLen)), CheckCompatible)
	case !slices.Contains(l.compatibles, compat):
		d.report(phys.Errorf(phys.ErrUnsupported, root+".compatible", d.blobPA(0), 0,
			"%q is not a %s string (%q)", compat, l.tag, l.compatibles), CheckCompatible)
	case n != l.serCompat.Size:
		d.report(phys.Errorf(phys.ErrMalformed, root+".compatible", d.blobPA(0), 0,
			"%q needs a %d-byte field, the %s luo_ser has %d", compat, n, l.tag, l.serCompat.Size), CheckCompatible)
	}
	d.st.Compatible = compat
	if !d.serSize() {
		return
	}
	d.serBody(d.blob)
}

// serSize checks that the blob holds the generation's struct luo_ser and
// records its size and address.
func (d *decoder) serSize() bool {
	l := d.l
	if len(d.blob) < l.ser.Size {
		d.report(phys.Errorf(phys.ErrMalformed, root, d.blobPA(0), 0,
			"blob is %d bytes; struct luo_ser is %d (LUO state is too small)", len(d.blob), l.ser.Size), CheckBlobSize)
		return false
	}
	d.st.Layout.BlobSize = l.ser.Size
	if d.blobAddr != phys.NoAddr {
		d.st.Layout.SerAddr = d.blobAddr
	}
	return true
}

// L-feat feature bits and the feature header fields.
var (
	featNumber   = abi.MustConstant(TagFeat, "LUO_FEATURE_NUMBER")
	featSessions = abi.MustConstant(TagFeat, "LUO_FEATURE_SESSIONS")
	featFLBs     = abi.MustConstant(TagFeat, "LUO_FEATURE_FLBS")
	featKnown    = featNumber | featSessions | featFLBs
	featHdr      = abi.MustStruct(TagFeat, "luo_feature_hdr")
	featSupp     = featHdr.MustField("supp")
	featReq      = featHdr.MustField("req")
	featActive   = featHdr.MustField("active")
	featReserved = featHdr.MustField("reserved")
)

// checkFeatures reads the feature header at the start of b, which must
// hold featHdr.Size bytes, and returns it with every problem it has
// (CheckFeatures): non-zero reserved words, req or active outside supp,
// required features this package does not know.
func checkFeatures(b []byte, path string, addr func(int) uint64) (Features, []*phys.Error) {
	f := Features{Supp: featSupp.Uint(b), Req: featReq.Uint(b), Active: featActive.Uint(b)}
	var out []*phys.Error
	add := func(kind error, p string, off int, format string, args ...any) {
		out = append(out, phys.Errorf(kind, p, addr(off), int64(off), format, args...).With(CheckFeatures))
	}
	for i := 0; i < featReserved.Count; i++ {
		if v := featReserved.Elem(b, i); v != 0 {
			add(phys.ErrMalformed, fmt.Sprintf("%s.reserved[%d]", path, i), featReserved.Offset+i*featReserved.ElemSize(),
				"reserved word is 0x%x, want 0", v)
		}
	}
	if f.Req&^f.Supp != 0 {
		add(phys.ErrMalformed, path+".req", featReq.Offset, "req 0x%x is not a subset of supp 0x%x", f.Req, f.Supp)
	}
	if f.Active&^f.Supp != 0 {
		add(phys.ErrMalformed, path+".active", featActive.Offset, "active 0x%x is not a subset of supp 0x%x", f.Active, f.Supp)
	}
	if f.Req&^featKnown != 0 {
		add(phys.ErrUnsupported, path+".req", featReq.Offset, "required features 0x%x are unknown", f.Req&^featKnown)
	}
	return f, out
}

// feat decodes the L-feat struct luo_ser: a feature header instead of a
// string. Problems of the header, and members set whose feature bit is
// not active, are reported; the sessions and FLBs are decoded anyway.
func (d *decoder) feat() {
	l := d.l
	fpath := root + ".features"
	if fdt.HasMagic(d.blob) || IsRawSer(d.blob) {
		d.report(phys.Errorf(phys.ErrUnsupported, root, d.blobPA(0), 0,
			"blob is an FDT or a string luo_ser, not L-feat"), CheckCompatible)
	}
	if !d.serSize() {
		return
	}
	f, probs := checkFeatures(d.blob, fpath, d.blobPA)
	for _, p := range probs {
		d.add(p)
	}
	d.st.Features = &f
	for _, m := range []struct {
		bit uint64
		fld *abi.Field
	}{{featNumber, l.serNum}, {featSessions, l.serSessions}, {featFLBs, l.serFLB}} {
		if f.Active&m.bit == 0 && m.fld.Uint(d.blob) != 0 {
			d.report(phys.Errorf(phys.ErrMalformed, root+"."+m.fld.Name, d.blobPA(m.fld.Offset), int64(m.fld.Offset),
				"is 0x%x but feature 0x%x is not active", m.fld.Uint(d.blob), m.bit), CheckFeatures)
		}
	}
	d.serBody(d.blob)
}
