package statediff

import (
	"errors"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// unread says which lists of one side could not be read whole because the
// source lacks memory they live in: what such a list does not show is
// unverified on that side, never lost or added.
type unread struct {
	// memmap: the preserved-memory map was not read, or only in part.
	memmap bool
	// luo: the LUO blob or its session, file or FLB lists.
	luo bool
	// files holds the session keys whose file list was not read whole.
	files map[string]bool
	// why is the first problem that made a list unread.
	why string
}

// unreadOf finds the unread lists of a side from its walk problems.
func unreadOf(st *handover.State) unread {
	u := unread{files: map[string]bool{}}
	_, consumed := st.ConsumedPart(handover.ConsumedMemoryMap)
	if !consumed && st.Root.MemoryMap != 0 && (st.Preserved == nil || st.MemmapIncomplete) {
		u.memmap = true
	}
	ss := sessions(st)
	for _, p := range st.Problems {
		if !errors.Is(p, phys.ErrUnresolved) || !(phys.Within(p.Path, "LUO") || phys.Within(p.Path, "KHO/LUO")) {
			continue
		}
		owner := -1
		for i := range ss {
			if !ss[i].global && phys.Within(p.Path, ss[i].entryPath) {
				owner = i
			}
		}
		switch {
		case owner < 0:
			u.luo = true
		case !inFile(p.Path, ss[owner].files):
			u.files[ss[owner].key()] = true
		default:
			continue // inside one file: its payload is compared as unverified
		}
		if u.why == "" {
			u.why = p.Error()
		}
	}
	return u
}

// inFile reports whether path lies inside one of the files.
func inFile(path string, files []*handover.FileState) bool {
	for _, f := range files {
		if phys.Within(path, f.File.Path) {
			return true
		}
	}
	return false
}

// missing reports a part one side lacks: unverified when that side's list
// could not be read whole (why says why), as ch otherwise.
func (c *comparer) missing(ch Change, unreadSide string, unread bool, why string) {
	if unread {
		ch.Class, ch.Rule = Unverified, ""
		ch.Detail = unreadSide + "'s list could not be read whole: " + why
	}
	c.add(ch)
}
