package iostreams

import (
	"fmt"
	"io"

	"github.com/luoinspect/luoinspect/render"
)

// Progress is a counter line on ErrOut, shown only when ErrOut is a
// terminal: what is being done, and how far.
type Progress struct {
	w     io.Writer // nil when nothing is shown
	what  string
	bytes bool // counts are bytes (shown as sizes), not items
	shown bool
}

// NewProgress returns a counter line for what is being done; bytes says
// that the counts are byte counts. On streams whose ErrOut is no terminal
// it shows nothing.
func (s *IOStreams) NewProgress(what string, bytes bool) *Progress {
	if !s.IsStderrTTY() {
		return &Progress{}
	}
	return &Progress{w: s.ErrOut, what: what, bytes: bytes}
}

// Update shows that done of total are done.
func (p *Progress) Update(done, total uint64) {
	if p.w == nil {
		return
	}
	p.shown = true
	if p.bytes {
		fmt.Fprintf(p.w, "\r\033[K%s: %s of %s", p.what, render.HumanSize(done), render.HumanSize(total))
		return
	}
	fmt.Fprintf(p.w, "\r%s: %d/%d", p.what, done, total)
}

// Done erases the counter line.
func (p *Progress) Done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
