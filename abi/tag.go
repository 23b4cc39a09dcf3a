package abi

import "strings"

// Tag names a generation of the registry: "K1b", "L-6.19", "M2b". Tags of
// KHO generations start with K, of LUO generations with L, of memfd
// generations with M; client formats have their own names ("memblock").
type Tag string

// String returns the tag as written.
func (t Tag) String() string { return string(t) }

// Generation returns the registry's generation with this tag.
func (t Tag) Generation() (*Generation, bool) { return Lookup(t) }

// Component returns the layer the tag's generation belongs to, and false
// for a tag the registry does not know.
func (t Tag) Component() (Component, bool) {
	g, ok := Lookup(t)
	if !ok {
		return 0, false
	}
	return g.Component, true
}

// JoinTags joins tags with sep, as strings.Join does for strings.
func JoinTags(tags []Tag, sep string) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = string(t)
	}
	return strings.Join(s, sep)
}
