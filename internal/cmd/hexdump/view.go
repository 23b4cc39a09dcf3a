package hexdump

import (
	"fmt"

	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
)

// hexView is what hexdump prints: bytes with their regions and rendering
// options on stdout, then notes and findings on stderr, one line each.
// Any finding makes the exit status 4.
type hexView struct {
	data     []byte
	regions  []annot.Region
	opts     annot.Options
	notes    []string
	findings []string
}

// write prints the view and returns the exit status it calls for.
func (v *hexView) write(ios *iostreams.IOStreams, paint func(annot.Kind, string) string) error {
	v.opts.Paint = paint
	if err := annot.Write(ios.Out, v.data, v.regions, v.opts); err != nil {
		return err
	}
	for _, n := range v.notes {
		fmt.Fprintf(ios.ErrOut, "luoinspect: note: %s\n", n)
	}
	for _, f := range v.findings {
		fmt.Fprintf(ios.ErrOut, "luoinspect: %s\n", f)
	}
	if len(v.findings) > 0 {
		return cmdutil.Exit(cmdutil.ExitFindings)
	}
	return nil
}
