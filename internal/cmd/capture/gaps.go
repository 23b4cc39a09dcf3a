package capture

import (
	"fmt"
	"io"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/render"
)

// captureGaps is what a capture was asked to save and could not, because
// the source does not hold it.
type captureGaps struct {
	// dataBytes of memfd folio data (dataPages pages, in dataFiles
	// files) are not in the source: --with-data could not save them.
	dataBytes, dataPages uint64
	dataFiles            int
	// structures the walk could not read (unresolved problems).
	structures []*phys.Error
	// arrays are the folio arrays that could not be read, one per file.
	arrays []error
}

// any reports whether anything asked for was not saved.
func (g *captureGaps) any() bool {
	return g.dataBytes > 0 || len(g.structures) > 0 || len(g.arrays) > 0
}

// write prints one line per kind of gap.
func (g *captureGaps) write(w io.Writer) {
	if g.dataBytes > 0 {
		fmt.Fprintf(w, "not saved: %s of memfd data not in the source (%s in %s): the snapshot holds their folio records but not these pages\n",
			render.HumanSize(g.dataBytes), cmdutil.Plural(g.dataPages, "page"), cmdutil.Plural(g.dataFiles, "file"))
	}
	if n := len(g.structures); n > 0 {
		fmt.Fprintf(w, "not saved: %s not in the source (", cmdutil.Plural(n, "structure"))
		for i, p := range g.structures[:min(n, 3)] {
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "%s at PA 0x%x", p.Path, p.Addr)
		}
		if n > 3 {
			fmt.Fprintf(w, " and %d more", n-3)
		}
		fmt.Fprintln(w, "): the snapshot holds what points at them, not them")
	}
	for _, err := range g.arrays {
		fmt.Fprintf(w, "not saved: %v\n", err)
	}
}
