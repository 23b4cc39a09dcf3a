package hexdump

import (
	"fmt"

	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/fdt"
)

// relabelNameless says, for each property whose name the parse could
// not read (its name offset lies past the strings block the blob holds,
// or in it without a NUL after it), where the name would be: the parse
// reads such names as "". The parse reports each at the property's
// nameoff word, 8 bytes into its FDT_PROP token.
func relabelNameless(t *fdt.Tree, problems []*fdt.Error, rs []annot.Region) {
	bad := map[int]bool{}
	for _, p := range problems {
		if p.Code == fdt.ErrBadString {
			bad[p.Offset-8] = true
		}
	}
	lost := map[int]string{}
	for _, tok := range t.Tokens() {
		if p := tok.Prop; p != nil && bad[p.Offset] {
			note := fmt.Sprintf("<name unresolved: strings +0x%x>", p.NameOffset)
			lost[p.Offset], lost[p.ValueOffset()] = note, note
		}
	}
	for i := range rs {
		if note, ok := lost[rs[i].Offset]; ok && (rs[i].Kind == annot.Token || rs[i].Kind == annot.Value) {
			rs[i].Label += note
		}
	}
}

// markCutString shows the last string of a strings block that the end of
// the blob cuts before its NUL with every byte it has.
func markCutString(data []byte, rs []annot.Region) {
	n := len(data)
	if n == 0 || data[n-1] == 0 {
		return
	}
	for i := range rs {
		if r := &rs[i]; r.Kind == annot.Strings && r.Offset+r.Size == n {
			r.Value = fmt.Sprintf("%q (cut short before its NUL)", data[r.Offset:n])
		}
	}
}

// unparsedRegions labels each run of bytes no region describes in which
// the parse met a problem (from the region before it to the next one):
// they hold what the parse could not read, and the problem says why.
func unparsedRegions(problems []*fdt.Error, rs []annot.Region, size int) []annot.Region {
	var out []annot.Region
	for _, p := range problems {
		if p.Offset < 0 || p.Offset >= size || covered(rs, p.Offset) || covered(out, p.Offset) {
			continue
		}
		start, end := 0, size
		for _, r := range rs {
			if e := r.Offset + r.Size; e <= p.Offset && e > start {
				start = e
			}
			if r.Offset > p.Offset && r.Offset < end {
				end = r.Offset
			}
		}
		out = append(out, annot.Region{Offset: start, Size: end - start, Kind: annot.Unused,
			Label: "not parsed", Value: p.Msg})
	}
	return out
}

// covered reports whether a region of rs holds byte off.
func covered(rs []annot.Region, off int) bool {
	for _, r := range rs {
		if r.Offset <= off && off < r.Offset+r.Size {
			return true
		}
	}
	return false
}
