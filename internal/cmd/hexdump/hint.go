package hexdump

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// structHint suggests the --struct and --gen that fit a raw blob FILE
// whose first bytes are head, or "" when none or too many do.
func structHint(path string, head []byte) string {
	if bytes.HasPrefix(head, []byte("\x7fELF")) {
		return "; an ELF core or snapshot holds memory: --addr PA reads it"
	}
	fits := rawBlobGenerations(path, head)
	if len(fits) == 0 || len(fits) > 3 {
		return ""
	}
	alts := make([]string, len(fits))
	for i, g := range fits {
		alts[i] = fmt.Sprintf("--struct %s --gen %s", g.Root, g.Tag)
	}
	return "; it looks like " + strings.Join(alts, " or ")
}

// rawBlobGenerations lists the generations whose raw blob begins with a
// registry struct and that write the NUL-terminated compatible string
// head starts with; without any, those whose KHO client node has the
// file's name (debugfs names the files under sub_fdts/ after the node).
func rawBlobGenerations(path string, head []byte) []*abi.Generation {
	var out []*abi.Generation
	if i := bytes.IndexByte(head, 0); i > 0 {
		for _, g := range abi.ByCompatible(string(head[:i])) {
			if g.Root != "" {
				out = append(out, g)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	for _, g := range abi.All() {
		if g.Root != "" && g.KHONode == filepath.Base(path) {
			out = append(out, g)
		}
	}
	return out
}
