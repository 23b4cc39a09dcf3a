package annot

import "sort"

// Span is the byte range [Offset, Offset+Size) of a blob.
type Span struct {
	Offset int
	Size   int
}

// End returns the offset just past the span.
func (s Span) End() int { return s.Offset + s.Size }

// In reports whether offset off lies in one of spans (sorted and
// disjoint).
func In(spans []Span, off int) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End() > off })
	return i < len(spans) && spans[i].Offset <= off
}

// Clip returns the parts of spans (sorted and disjoint) that lie in
// [from, to).
func Clip(spans []Span, from, to int) []Span {
	var out []Span
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End() > from })
	for ; i < len(spans) && spans[i].Offset < to; i++ {
		s := Span{Offset: max(spans[i].Offset, from)}
		s.Size = min(spans[i].End(), to) - s.Offset
		if s.Size > 0 {
			out = append(out, s)
		}
	}
	return out
}

// Count returns how many bytes of [from, to) spans (sorted and disjoint)
// cover.
func Count(spans []Span, from, to int) int {
	n := 0
	for _, s := range Clip(spans, from, to) {
		n += s.Size
	}
	return n
}

// Add appends [off, off+n) to spans (sorted and disjoint, all before
// off), joining it to the last span when they touch.
func Add(spans []Span, off, n int) []Span {
	if n <= 0 {
		return spans
	}
	if k := len(spans); k > 0 && spans[k-1].End() == off {
		spans[k-1].Size += n
		return spans
	}
	return append(spans, Span{Offset: off, Size: n})
}
