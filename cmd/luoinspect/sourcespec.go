package main

import (
	"fmt"
	"strconv"
	"strings"
)

// checkSourceSpec rejects, as a usage error, a SOURCE written in one of
// the spec forms (live:SIDE, debugfs:DIR, core:FILE, snapshot:FILE,
// blob:FILE, raw:FILE@BASE) with the form wrong, before anything is
// opened: a malformed spec is a mistake in the command line, not an input
// that cannot be read. Plain paths and well-formed specs pass.
func checkSourceSpec(spec string) error {
	kind, arg, _ := strings.Cut(spec, ":")
	bad := func(format string, a ...any) error {
		return usageError{fmt.Errorf("SOURCE %q: %s", spec, fmt.Sprintf(format, a...))}
	}
	switch kind {
	case "live":
		switch arg {
		case "", "in", "out":
			return nil
		}
		return bad("want live, live:in or live:out")
	case "debugfs", "debugfs-in", "debugfs-out", "core", "snapshot", "blob":
		if arg == "" {
			return bad("want %s:%s", kind, map[bool]string{true: "DIR", false: "FILE"}[strings.HasPrefix(kind, "debugfs")])
		}
	case "raw":
		i := strings.LastIndexByte(arg, '@')
		if i <= 0 {
			return bad("want raw:FILE@BASE such as raw:mem.bin@0x100000000")
		}
		if _, err := strconv.ParseUint(arg[i+1:], 0, 64); err != nil {
			return bad("base %q is not an address: want raw:FILE@BASE such as raw:mem.bin@0x100000000", arg[i+1:])
		}
	}
	return nil
}
