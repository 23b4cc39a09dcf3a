package luo

import (
	"bytes"
	"slices"

	"github.com/luoinspect/luoinspect/phys"
)

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

// ser encodes the raw luo_ser generations (L-luo-v3 … L-feat): the
// struct luo_ser page and the FLB area as allocated at boot, then the
// sessions and the FLBs as written at serialization.
func (e *encoder) ser() ([]byte, uint64, error) {
	l, s := e.l, e.s
	if s.Compatible != "" && l.kind == kindSer && !slices.Contains(l.compatibles, s.Compatible) {
		return nil, 0, unsupported(root+".compatible", "%q is not a %s string (%q)", s.Compatible, l.tag, l.compatibles)
	}
	serPA, ser := e.a.Alloc(bytesOrder(uint64(l.ser.Size)))
	active := ^uint64(0)
	if l.kind == kindFeat {
		var err error
		if active, err = e.features(ser); err != nil {
			return nil, 0, err
		}
	} else if err := putName(l.serCompat, ser, e.compat(), root); err != nil {
		return nil, 0, err
	}
	l.serNum.PutUint(ser, s.LiveupdateNumber)
	var flbPA uint64
	var flbBlk []byte
	if active&featFLBs != 0 || l.kind != kindFeat {
		flbPA, flbBlk = e.allocArea(l.flbArea())
	}
	sessPA, err := e.sessionSet()
	if err != nil {
		return nil, 0, err
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

// features writes the L-feat feature header (s.Features, or every known
// feature supported, required and active) at the start of ser and returns
// the active features. Members the active features do not cover must be
// empty.
func (e *encoder) features(ser []byte) (uint64, error) {
	s := e.s
	f := Features{Supp: featKnown, Req: featKnown, Active: featKnown}
	if s.Features != nil {
		f = *s.Features
	}
	if f.Req&^f.Supp != 0 || f.Active&^f.Supp != 0 {
		return 0, phys.Errorf(phys.ErrMalformed, root+".features", phys.NoAddr, -1,
			"req 0x%x and active 0x%x must be subsets of supp 0x%x", f.Req, f.Active, f.Supp)
	}
	featSupp.PutUint(ser, f.Supp)
	featReq.PutUint(ser, f.Req)
	featActive.PutUint(ser, f.Active)
	switch {
	case f.Active&featNumber == 0 && s.LiveupdateNumber != 0:
		return 0, unsupported(root+".liveupdate_num", "LUO_FEATURE_NUMBER is not active")
	case f.Active&featSessions == 0 && len(s.Sessions) > 0:
		return 0, unsupported(root+"/sessions", "LUO_FEATURE_SESSIONS is not active")
	case f.Active&featFLBs == 0 && len(s.FLBs) > 0:
		return 0, unsupported(root+"/flbs", "LUO_FEATURE_FLBS is not active")
	}
	return f.Active, nil
}
