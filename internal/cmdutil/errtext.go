package cmdutil

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/luoinspect/luoinspect/source"
)

// ErrorLine renders an error as the one line luoinspect prints: the lines
// of joined errors separated by "; ", a prefix repeated right after itself
// said once ("open X: open X: ..." becomes "open X: ..."), and the
// operating-system error at the end left out when the message already
// said, in its own words, that it could not open that path.
func ErrorLine(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	for _, pe := range pathErrors(err) {
		msg = dropRestatedPathError(msg, pe)
	}
	return dropRepeatedPrefixes(msg)
}

// pathErrors lists the *fs.PathError values in err's tree.
func pathErrors(err error) []*fs.PathError {
	var out []*fs.PathError
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case nil:
			return
		case *fs.PathError:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, sub := range x.Unwrap() {
				walk(sub)
			}
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return out
}

// dropRestatedPathError removes ": op path: cause" from msg when msg
// already holds "op path: " before it (an explanation that wraps the
// error it explains).
func dropRestatedPathError(msg string, pe *fs.PathError) string {
	tail := ": " + pe.Error()
	i := strings.LastIndex(msg, tail)
	if i < 0 {
		return msg
	}
	head := fmt.Sprintf("%s %s: ", pe.Op, pe.Path)
	if !strings.Contains(msg[:i], head) {
		return msg
	}
	return msg[:i] + msg[i+len(tail):]
}

// dropRepeatedPrefixes says each ": "-separated part once when the same
// part follows itself.
func dropRepeatedPrefixes(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:1]
	for _, p := range parts[1:] {
		if p == out[len(out)-1] {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// Naming prefixes err with name, unless its message already names it
// (source errors name their file: "pmem.bin: not a directory, ..."), so
// that no name is said twice. The error stays what it was for errors.As.
func Naming(name string, err error) error {
	if err == nil || strings.Contains(err.Error(), specPath(name)) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// specPath is the file or directory a SOURCE spec names, or the spec
// itself: raw:mem.bin@0x1000 names mem.bin, live names live.
func specPath(spec string) string {
	s, err := source.ParseSpec(spec)
	if err != nil || s.Path == "" {
		return spec
	}
	return s.Path
}
