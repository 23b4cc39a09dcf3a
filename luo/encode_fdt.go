package luo

import (
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

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

// fdtEra encodes L-v5, L-v6, L-6.19-pre, L-6.19, L-FLB and L-luo-v2: the
// LUO FDT page (and the L-luo-v2 struct luo_ser), the session block and
// the FLB area as allocated at boot, then the sessions, the FLBs and the
// FDT as written at serialization.
func (e *encoder) fdtEra() ([]byte, uint64, error) {
	l, s := e.l, e.s
	fdtPA, page := e.a.Alloc(bytesOrder(uint64(luoFDTSize)))
	var serPA uint64
	var ser []byte
	if l.kind == kindFDTSer {
		serPA, ser = e.a.Alloc(bytesOrder(uint64(l.ser.Size)))
	}
	sessPA, sessBlk := e.allocArea(l.sessionArea())
	var flbPA uint64
	var flbBlk []byte
	if l.flb != nil {
		flbPA, flbBlk = e.allocArea(l.flbArea())
	}
	if err := e.fillSessions(sessBlk); err != nil {
		return nil, 0, err
	}
	if l.flb != nil {
		if err := e.fillFLBs(flbBlk); err != nil {
			return nil, 0, err
		}
	}
	var w *fdt.SeqWriter
	if l.kind == kindFDTSer {
		l.serNum.PutUint(ser, s.LiveupdateNumber)
		l.serSessions.PutUint(ser, sessPA)
		l.serFLB.PutUint(ser, flbPA)
		w = e.rootFDT("luo-abi-header", serPA)
	} else {
		w = e.rootFDT("liveupdate-number", s.LiveupdateNumber)
		writeHeaderNode(w, "luo-session", l.sessionCompat, l.sessionProp, sessPA)
		if l.flbCompat != "" {
			writeHeaderNode(w, "luo-flb", l.flbCompat, l.flbProp, flbPA)
		}
	}
	w.EndNode()
	blob, err := finishFDT(w, page)
	if err != nil {
		return nil, 0, err
	}
	return blob, fdtPA, nil
}

// rootFDT starts the sequential-write LUO FDT: the root node with its
// compatible and the u64 property prop, left open for the nodes.
func (e *encoder) rootFDT(prop string, v uint64) *fdt.SeqWriter {
	w := fdt.NewSeqWriter(luoFDTSize)
	w.BeginNode("")
	w.PropertyString("compatible", e.l.rootCompat)
	w.PropertyU64LE(prop, v)
	return w
}

// writeHeaderNode writes a luo-session or luo-flb node: its compatible and the
// address of its array's header.
func writeHeaderNode(w *fdt.SeqWriter, name, compat, prop string, pa uint64) {
	w.BeginNode(name)
	w.PropertyString("compatible", compat)
	w.PropertyU64LE(prop, pa)
	w.EndNode()
}
