package source

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Kind names the form of a SOURCE spec.
type Kind string

// Spec kinds; KindPath is a plain path detected by its content.
const (
	KindLive     Kind = "live"
	KindDebugfs  Kind = "debugfs"
	KindKcore    Kind = "kcore"
	KindDevMem   Kind = "devmem"
	KindCore     Kind = "core"
	KindRaw      Kind = "raw"
	KindSnapshot Kind = "snapshot"
	KindBlob     Kind = "blob"
	KindPath     Kind = ""
)

// Spec is a parsed SOURCE spec (see Open for the forms).
type Spec struct {
	Kind Kind
	// Path is the file or directory ("" for live, and for kcore and
	// devmem without one).
	Path string
	// Side is the fixed debugfs side of live:SIDE and debugfs-SIDE:DIR
	// (SideIn, SideOut), "" to choose.
	Side string
	// Base is the physical address of a raw image's first byte.
	Base uint64
}

// SpecError is a SOURCE spec written in one of the spec forms with the
// form wrong: a mistake in how the source is named, found before anything
// is opened.
type SpecError struct {
	Spec string
	Msg  string
}

func (e *SpecError) Error() string { return fmt.Sprintf("SOURCE %q: %s", e.Spec, e.Msg) }

// ParseSpec parses a SOURCE spec. Anything that is not one of the spec
// forms is a plain path (KindPath).
func ParseSpec(spec string) (Spec, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	bad := func(format string, a ...any) (Spec, error) {
		return Spec{}, &SpecError{spec, fmt.Sprintf(format, a...)}
	}
	switch kind {
	case "live":
		if arg != "" && arg != SideIn && arg != SideOut {
			return bad("want live, live:in or live:out")
		}
		return Spec{Kind: KindLive, Side: arg}, nil
	case "debugfs", "debugfs-in", "debugfs-out":
		if arg == "" {
			return bad("want %s:DIR", kind)
		}
		return Spec{Kind: KindDebugfs, Path: arg, Side: strings.TrimPrefix(strings.TrimPrefix(kind, "debugfs"), "-")}, nil
	case "kcore", "devmem":
		return Spec{Kind: Kind(kind), Path: arg}, nil
	case "core", "snapshot", "blob":
		if arg == "" {
			return bad("want %s:FILE", kind)
		}
		return Spec{Kind: Kind(kind), Path: arg}, nil
	case "raw":
		i := strings.LastIndexByte(arg, '@')
		if i <= 0 {
			return bad("want raw:FILE@BASE such as raw:mem.bin@0x100000000")
		}
		base, err := strconv.ParseUint(arg[i+1:], 0, 64)
		if err != nil {
			return bad("base %q is not an address: want raw:FILE@BASE such as raw:mem.bin@0x100000000", arg[i+1:])
		}
		return Spec{Kind: KindRaw, Path: arg[:i], Base: base}, nil
	}
	return Spec{Kind: KindPath, Path: spec}, nil
}

// String writes the spec back in its SOURCE form.
func (s Spec) String() string {
	switch s.Kind {
	case KindPath:
		return s.Path
	case KindLive:
		if s.Side != "" {
			return "live:" + s.Side
		}
		return "live"
	case KindDebugfs:
		if s.Side != "" {
			return "debugfs-" + s.Side + ":" + s.Path
		}
		return "debugfs:" + s.Path
	case KindRaw:
		return fmt.Sprintf("raw:%s@0x%x", s.Path, s.Base)
	}
	if s.Path == "" {
		return string(s.Kind)
	}
	return string(s.Kind) + ":" + s.Path
}

// Open opens the source the spec names.
func (s Spec) Open() (Source, error) {
	switch s.Kind {
	case KindLive:
		return OpenLive(s.Side)
	case KindDebugfs:
		return OpenDebugfs(s.Path, s.Side)
	case KindKcore:
		return OpenKcore(s.Path)
	case KindDevMem:
		return OpenDevMem(s.Path, "")
	case KindCore:
		return OpenCore(s.Path, CoreOptions{})
	case KindSnapshot:
		return OpenSnapshot(s.Path)
	case KindBlob:
		return OpenBlobFile(s.Path)
	case KindRaw:
		return OpenRaw(s.Path, s.Base)
	}
	return openPath(s.Path)
}

// Reopenable returns the spec of a file of memory (a core, snapshot, raw
// image, or a plain path to a regular file) with its path made absolute,
// so that another process or a later run can open it again; false for a
// live system, a directory, standard input or a pipe.
func (s Spec) Reopenable() (Spec, bool) {
	switch s.Kind {
	case KindCore, KindSnapshot, KindRaw:
	case KindPath:
		// Detected by content when opened: only a regular file can hold
		// memory (a directory is debugfs, "-" a pipe).
		if st, err := os.Stat(s.Path); err != nil || !st.Mode().IsRegular() {
			return Spec{}, false
		}
	default:
		return Spec{}, false
	}
	abs, err := filepath.Abs(s.Path)
	if err != nil {
		return Spec{}, false
	}
	s.Path = abs
	return s, true
}
