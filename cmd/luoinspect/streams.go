package main

import (
	"fmt"
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/render"
	"golang.org/x/term"
)

// streams owns the command's output: machine output on Out, human
// messages on Err, and the decision whether to colour.
type streams struct {
	Out io.Writer
	Err io.Writer
	// colorMode is the --color flag: auto, always or never.
	colorMode string
}

// color reports whether human output on Out gets colour: --color always,
// or auto with Out a terminal and NO_COLOR unset.
func (s *streams) color() (bool, error) {
	switch s.colorMode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		f, ok := s.Out.(*os.File)
		return ok && os.Getenv("NO_COLOR") == "" && term.IsTerminal(int(f.Fd())), nil
	}
	return false, usageError{fmt.Errorf("--color must be auto, always or never, not %q", s.colorMode)}
}

// isTerminal reports whether w is a terminal (for progress lines).
func (s *streams) isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var regionColors = map[annot.Kind]*color.Color{
	annot.Header:  color.New(color.FgCyan),
	annot.Reserve: color.New(color.FgBlue),
	annot.Token:   color.New(color.FgMagenta),
	annot.Name:    color.New(color.FgYellow),
	annot.Value:   color.New(color.FgGreen),
	annot.Padding: color.New(color.Faint),
	annot.Strings: color.New(color.FgYellow),
	annot.Unused:  color.New(color.Faint),
	annot.Missing: color.New(color.FgRed),
}

// regionPainter returns an annot.Options.Paint function, or nil for plain
// output.
func (s *streams) regionPainter() (func(annot.Kind, string) string, error) {
	on, err := s.color()
	if err != nil || !on {
		return nil, err
	}
	return func(k annot.Kind, text string) string {
		c, ok := regionColors[k]
		if !ok {
			return text
		}
		c.EnableColor()
		return c.Sprint(text)
	}, nil
}

var treeColors = map[render.Style]*color.Color{
	render.Addr: color.New(color.FgCyan),
	render.Name: color.New(color.Bold),
	render.Gen:  color.New(color.FgGreen),
	render.Warn: color.New(color.FgRed, color.Bold),
	render.Dim:  color.New(color.Faint),
}

// treePainter returns a render.Painter, or nil for plain output.
func (s *streams) treePainter() (render.Painter, error) {
	on, err := s.color()
	if err != nil || !on {
		return nil, err
	}
	return func(st render.Style, text string) string {
		c, ok := treeColors[st]
		if !ok {
			return text
		}
		c.EnableColor()
		return c.Sprint(text)
	}, nil
}
