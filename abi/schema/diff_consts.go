package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// isCapacity reports constants that are limits rather than layout.
func isCapacity(name string) bool {
	return strings.Contains(name, "_MAX") || strings.Contains(name, "PGCNT") || strings.Contains(name, "per-block")
}

func constValue(k Constant) string {
	if k.IsString {
		return strconv.Quote(k.String)
	}
	return strconv.FormatUint(k.Value, 10)
}

// isCompatibleString reports a string constant that defines one of the
// component's compatibles; the compatibles section reports those.
func (d *differ) isCompatibleString(k Constant) bool {
	return k.IsString && (containsStr(d.ca.Compatibles, k.String) || containsStr(d.cb.Compatibles, k.String))
}

func (d *differ) constants() {
	gOld, gNew := baseCompat(d.ca), baseCompat(d.cb)
	for _, ka := range d.ca.Constants {
		kb, ok := d.cb.Constant(ka.Name)
		if !ok {
			if d.sameOrigin && !d.isCompatibleString(ka) {
				if ka.IsString {
					d.add(Finding{Kind: KindStringRemoved, Class: Breaking, Subject: ka.Name, Old: constValue(ka),
						Message: fmt.Sprintf("wire string %s = %s is gone", ka.Name, constValue(ka))}, gOld, gNew)
				} else {
					d.add(Finding{Kind: KindConstantRemoved, Class: Compatible, Subject: ka.Name, Old: constValue(ka),
						Message: fmt.Sprintf("constant %s is gone", ka.Name)}, "", "")
				}
			}
			continue
		}
		if ka.IsString != kb.IsString || ka.Value != kb.Value || ka.String != kb.String {
			switch {
			case ka.IsString || kb.IsString:
				if d.isCompatibleString(ka) || d.isCompatibleString(kb) {
					continue
				}
				d.add(Finding{Kind: KindStringChanged, Class: Breaking, Subject: ka.Name, Old: constValue(ka), New: constValue(kb),
					Message: fmt.Sprintf("wire string %s %s -> %s", ka.Name, constValue(ka), constValue(kb))}, gOld, gNew)
			case isCapacity(ka.Name):
				d.add(Finding{Kind: KindCapacityChanged, Class: Compatible, Subject: ka.Name, Old: constValue(ka), New: constValue(kb),
					Message: fmt.Sprintf("capacity %s %s -> %s", ka.Name, constValue(ka), constValue(kb))}, "", "")
			default:
				d.add(Finding{Kind: KindConstantChanged, Class: Compatible, Subject: ka.Name, Old: constValue(ka), New: constValue(kb),
					Message: fmt.Sprintf("constant %s %s -> %s", ka.Name, constValue(ka), constValue(kb))}, "", "")
			}
		}
	}
	if !d.sameOrigin {
		return
	}
	for _, kb := range d.cb.Constants {
		if _, ok := d.ca.Constant(kb.Name); ok || d.isCompatibleString(kb) {
			continue
		}
		k := KindConstantAdded
		if kb.IsString {
			k = KindStringAdded
		}
		d.add(Finding{Kind: k, Class: Compatible, Subject: kb.Name, New: constValue(kb),
			Message: fmt.Sprintf("new constant %s = %s", kb.Name, constValue(kb))}, "", "")
	}
}
