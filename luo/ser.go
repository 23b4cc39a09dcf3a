package luo

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// maxCompatLen bounds the search for the NUL of a raw luo_ser compatible;
// the longest known string ("luo-v4-kho-block-v1") has 19 characters.
const maxCompatLen = 64

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
// L-luo-v3, L-blk, L-luo-v4, L-luo-v5 and L-RFC-compat.
func (d *decoder) rawSer() error {
	l := d.l
	compat, n, ok := rawCompat(d.blob)
	if !ok {
		return phys.Errorf(phys.ErrMalformed, root+".compatible", d.blobPA(0), 0,
			"no NUL in the first %d bytes", min(len(d.blob), maxCompatLen))
	}
	if !slices.Contains(l.compatibles, compat) {
		return phys.Errorf(phys.ErrUnsupported, root+".compatible", d.blobPA(0), 0,
			"%q is not a %s string (%q)", compat, l.tag, l.compatibles)
	}
	if n != l.serCompat.Size {
		return phys.Errorf(phys.ErrMalformed, root+".compatible", d.blobPA(0), 0,
			"%q needs a %d-byte field, the %s luo_ser has %d", compat, n, l.tag, l.serCompat.Size)
	}
	if len(d.blob) < l.ser.Size {
		return phys.Errorf(phys.ErrMalformed, root, d.blobPA(0), 0,
			"blob is %d bytes; struct luo_ser is %d (LUO state is too small)", len(d.blob), l.ser.Size)
	}
	d.st.Compatible = compat
	d.st.Layout.BlobSize = l.ser.Size
	if d.blobAddr != phys.NoAddr {
		d.st.Layout.SerAddr = d.blobAddr
	}
	return d.serBody(d.blob)
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

// checkFeatures validates a feature header at the start of b and returns
// it. It does not look at which bits are known.
func checkFeatures(b []byte, path string, addr func(int) uint64) (Features, error) {
	if len(b) < featHdr.Size {
		return Features{}, phys.Errorf(phys.ErrMalformed, path, addr(0), 0,
			"%d bytes cannot hold the %d-byte feature header", len(b), featHdr.Size)
	}
	f := Features{Supp: featSupp.Uint(b), Req: featReq.Uint(b), Active: featActive.Uint(b)}
	for i := 0; i < featReserved.Count; i++ {
		if v := featReserved.Elem(b, i); v != 0 {
			off := featReserved.Offset + i*featReserved.ElemSize()
			return f, phys.Errorf(phys.ErrMalformed, fmt.Sprintf("%s.reserved[%d]", path, i), addr(off), int64(off),
				"reserved word is 0x%x, want 0", v)
		}
	}
	if f.Req&^f.Supp != 0 {
		return f, phys.Errorf(phys.ErrMalformed, path+".req", addr(featReq.Offset), int64(featReq.Offset),
			"req 0x%x is not a subset of supp 0x%x", f.Req, f.Supp)
	}
	if f.Active&^f.Supp != 0 {
		return f, phys.Errorf(phys.ErrMalformed, path+".active", addr(featActive.Offset), int64(featActive.Offset),
			"active 0x%x is not a subset of supp 0x%x", f.Active, f.Supp)
	}
	return f, nil
}

// feat decodes the L-feat struct luo_ser: a feature header instead of a
// string. A member whose feature bit is not active must be zero.
func (d *decoder) feat() error {
	l := d.l
	fpath := root + ".features"
	if bytes.HasPrefix(d.blob, fdtMagic) || bytes.HasPrefix(d.blob, []byte("luo-v")) {
		return phys.Errorf(phys.ErrUnsupported, root, d.blobPA(0), 0, "blob is an FDT or a string luo_ser, not L-feat")
	}
	f, err := checkFeatures(d.blob, fpath, d.blobPA)
	if err != nil {
		return err
	}
	if f.Req&^featKnown != 0 {
		return phys.Errorf(phys.ErrUnsupported, fpath+".req", d.blobPA(featReq.Offset), int64(featReq.Offset),
			"required features 0x%x are unknown", f.Req&^featKnown)
	}
	if len(d.blob) < l.ser.Size {
		return phys.Errorf(phys.ErrMalformed, root, d.blobPA(0), 0,
			"blob is %d bytes; struct luo_ser is %d (LUO state is too small)", len(d.blob), l.ser.Size)
	}
	d.st.Features = &f
	d.st.Layout.BlobSize = l.ser.Size
	if d.blobAddr != phys.NoAddr {
		d.st.Layout.SerAddr = d.blobAddr
	}
	for _, m := range []struct {
		bit uint64
		fld *abi.Field
	}{{featNumber, l.serNum}, {featSessions, l.serSessions}, {featFLBs, l.serFLB}} {
		if f.Active&m.bit == 0 && m.fld.Uint(d.blob) != 0 {
			return phys.Errorf(phys.ErrMalformed, root+"."+m.fld.Name, d.blobPA(m.fld.Offset), int64(m.fld.Offset),
				"is 0x%x but feature 0x%x is not active", m.fld.Uint(d.blob), m.bit)
		}
	}
	return d.serBody(d.blob)
}
