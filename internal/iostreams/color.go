package iostreams

import (
	"github.com/fatih/color"
	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/validate"
)

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

var treeColors = map[render.Style]*color.Color{
	render.Addr: color.New(color.FgCyan),
	render.Name: color.New(color.Bold),
	render.Gen:  color.New(color.FgGreen),
	render.Warn: color.New(color.FgRed, color.Bold),
	render.Dim:  color.New(color.Faint),
}

var severityColors = map[validate.Severity]*color.Color{
	validate.SevError:   color.New(color.FgRed, color.Bold),
	validate.SevWarning: color.New(color.FgYellow),
	validate.SevInfo:    color.New(color.Faint),
}

// RegionPainter colours the regions of an annotated hex dump
// (annot.Options.Paint), or is nil when output is plain.
func (s *IOStreams) RegionPainter() func(annot.Kind, string) string {
	return painter(s.ColorEnabled(), regionColors)
}

// TreePainter colours a state tree or a diff, or is nil when output is
// plain.
func (s *IOStreams) TreePainter() render.Painter {
	return painter(s.ColorEnabled(), treeColors)
}

// SeverityPainter colours the severities of a validation report, or is
// nil when output is plain.
func (s *IOStreams) SeverityPainter() validate.Painter {
	return painter(s.ColorEnabled(), severityColors)
}

// painter returns a function colouring text by its kind with colors
// (text of a kind without a colour stays plain), or nil when on is not
// set.
func painter[K comparable](on bool, colors map[K]*color.Color) func(K, string) string {
	if !on {
		return nil
	}
	return func(k K, text string) string {
		c, ok := colors[k]
		if !ok {
			return text
		}
		c.EnableColor()
		return c.Sprint(text)
	}
}
