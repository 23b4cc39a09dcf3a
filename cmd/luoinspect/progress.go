package main

import (
	"fmt"
	"io"
	"os"

	"github.com/luoinspect/luoinspect/render"
	"golang.org/x/term"
)

// progress shows a counter line on stderr, only when stderr is a
// terminal: what is being done, and how far.
type progress struct {
	w     io.Writer
	what  string
	bytes bool // counts are bytes (shown as sizes), not items
	shown bool
}

func newProgress(w io.Writer, what string, bytes bool) *progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	return &progress{w: w, what: what, bytes: bytes}
}

func (p *progress) update(done, total uint64) {
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

// done erases the counter line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
