package validate

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// Coverage is how much of one part of the state was verified: read from
// the source and checked, with no pointer into memory the source lacks.
type Coverage struct {
	// Part names the part: "memory map", "clients", "sessions", "files"
	// or "memfds".
	Part string `json:"part"`
	// Total counts the items reached; Verified those wholly checked.
	Total    int `json:"total"`
	Verified int `json:"verified"`
	// Incomplete is set when the list itself could not be read wholly
	// (the session array, say): items beyond Total are unknown.
	Incomplete bool `json:"incomplete,omitempty"`
}

// coverage counts, part by part, the items no unverified finding lies in.
func (v *validator) coverage() {
	var unresolved []string
	for _, f := range v.r.Findings {
		if f.Rule == ruleUnresolved {
			unresolved = append(unresolved, f.Path)
		}
	}
	clean := func(path string) bool {
		for _, u := range unresolved {
			if phys.Within(u, path) {
				return false
			}
		}
		return true
	}
	st := v.st
	var out []Coverage
	if _, consumed := st.ConsumedPart(handover.ConsumedMemoryMap); !consumed && st.Root.MemoryMap != 0 {
		c := Coverage{Part: "memory map", Total: 1}
		if st.Memmap != nil && !st.MemmapIncomplete && clean(kho.MemmapPath) {
			c.Verified = 1
		}
		out = append(out, c)
	}
	clients := Coverage{Part: "clients"}
	for _, c := range st.Clients {
		clients.Total++
		if c.Blob != nil && clean(kho.RootPath+"/"+c.Name) {
			clients.Verified++
		}
	}
	out = append(out, clients)
	if _, consumed := st.ConsumedPart(handover.ConsumedLUO); !consumed && hasClient(st, "LUO") {
		out = append(out, v.luoCoverage(clean, unresolved)...)
	}
	v.r.Coverage = out
}

// luoCoverage counts sessions, files and memfds.
func (v *validator) luoCoverage(clean func(string) bool, unresolved []string) []Coverage {
	st := v.st
	sessions := Coverage{Part: "sessions", Total: len(st.Sessions)}
	files := Coverage{Part: "files"}
	memfds := Coverage{Part: "memfds"}
	// An unresolved LUO part that is no session's leaves the lists short.
	var paths []string
	for _, s := range st.Sessions {
		paths = append(paths, s.Session.Path)
	}
	for fs := range st.Files() {
		paths = append(paths, fs.File.Path)
	}
	for _, u := range unresolved {
		if !phys.Within(u, "LUO") {
			continue
		}
		inside := false
		for _, p := range paths {
			inside = inside || phys.Within(u, p)
		}
		if !inside {
			sessions.Incomplete, files.Incomplete, memfds.Incomplete = true, true, true
		}
	}
	if st.LUO == nil {
		sessions.Incomplete, files.Incomplete, memfds.Incomplete = true, true, true
	}
	for _, s := range st.Sessions {
		if clean(s.Session.Path) {
			sessions.Verified++
		}
	}
	for fs := range st.Files() {
		files.Total++
		if clean(fs.File.Path) {
			files.Verified++
		}
		if memfd.Handles(fs.Handler) {
			memfds.Total++
			if fs.Memfd != nil && clean(fs.File.Path) {
				memfds.Verified++
			}
		}
	}
	return []Coverage{sessions, files, memfds}
}

func hasClient(st *handover.State, name string) bool {
	for _, c := range st.Clients {
		if c.Name == name {
			return true
		}
	}
	return false
}

// coverageLine says how much was verified, "" when nothing was counted.
func coverageLine(cs []Coverage) string {
	var parts []string
	for _, c := range cs {
		switch {
		case c.Total == 0 && !c.Incomplete:
			continue
		case c.Total == 0:
			parts = append(parts, c.Part+" unverified (the list could not be read)")
			continue
		}
		s := fmt.Sprintf("%d of %d %s", c.Verified, c.Total, c.Part)
		if c.Part == "memory map" {
			s = "memory map"
			if c.Verified == 0 {
				s += " unverified"
			}
		}
		if c.Incomplete {
			s += ", more beyond what could be read"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return "verified: " + strings.Join(parts, "; ")
}
