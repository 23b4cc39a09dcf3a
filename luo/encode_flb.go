package luo

import "fmt"

// fillFLBs writes the FLBs into b, the FLB area (see fillArea).
func (e *encoder) fillFLBs(b []byte) error {
	l := e.l
	return fillArea(l.flbArea(), b, len(e.s.FLBs), func(i int, eb []byte) error {
		f := e.s.FLBs[i]
		if err := putName(l.flbName, eb, f.Name, fmt.Sprintf("%s/flbs[%d]", root, i)); err != nil {
			return err
		}
		l.flbData.PutUint(eb, f.Data)
		l.flbCount.PutUint(eb, f.Count)
		return nil
	})
}
