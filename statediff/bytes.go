package statediff

import (
	"bytes"
	"fmt"

	"github.com/luoinspect/luoinspect/annot"
	"github.com/luoinspect/luoinspect/fdt"
)

// RegionChange is one labelled region of two FDT blobs whose bytes differ.
type RegionChange struct {
	// Label names the field: "header.totalsize", "/ liveupdate-number",
	// "FDT_PROP /luo-flb luo-flb-header", `string "compatible"`.
	Label string `json:"label"`
	// Kind is the annot kind: header, reserve, token, name, value,
	// padding, strings, unused.
	Kind string `json:"kind"`
	Op   Op     `json:"op"`
	// OffsetA and OffsetB are the region's byte offsets, -1 on the side
	// that lacks it.
	OffsetA int `json:"offset_a"`
	OffsetB int `json:"offset_b"`
	// Old and New are the bytes in hex ("00 00 01 3c"), cut after
	// MaxRegionBytes with the length added.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// OldValue and NewValue are the decoded values ("316", "u64 LE 0x2").
	OldValue string `json:"old_value,omitempty"`
	NewValue string `json:"new_value,omitempty"`
}

// ByteDiff is the outcome of Bytes. Its JSON form is a diff document of
// kind "bytes".
type ByteDiff struct {
	Schema  string         `json:"schema"`
	Kind    string         `json:"kind"`
	A       string         `json:"a"`
	B       string         `json:"b"`
	SizeA   int            `json:"size_a"`
	SizeB   int            `json:"size_b"`
	Verdict Verdict        `json:"verdict"`
	Regions []RegionChange `json:"regions"`
	// Notes says which blob was only read leniently, and why.
	Notes []string `json:"notes,omitempty"`
}

// MaxRegionBytes bounds the bytes a RegionChange shows per side.
const MaxRegionBytes = 64

// Bytes compares two FDT blobs (named nameA and nameB in the result)
// region by region. Both are parsed (leniently when a strict parse fails)
// and cut into labelled regions (fdt.Tree.Regions); regions are matched
// by what they hold rather than by offset (a property by node path and
// name, a string by its text, a token by its node), so that an insertion
// does not make every later byte differ. Bytes that no region covers (or
// lie past totalsize) are compared last, as one "unlabelled bytes"
// region. The verdict is Identical or Different.
func Bytes(nameA string, a []byte, nameB string, b []byte) (*ByteDiff, error) {
	d := &ByteDiff{Schema: Schema, Kind: "bytes", A: nameA, B: nameB, SizeA: len(a), SizeB: len(b), Regions: []RegionChange{}}
	ta, err := d.parse(nameA, a)
	if err != nil {
		return nil, err
	}
	tb, err := d.parse(nameB, b)
	if err != nil {
		return nil, err
	}
	ra, rb := keyed(ta.Regions(), len(a)), keyed(tb.Regions(), len(b))
	for _, p := range match(len(ra), len(rb), func(i int) string { return ra[i].key }, func(j int) string { return rb[j].key }) {
		switch {
		case p.b < 0:
			d.Regions = append(d.Regions, regionChange(Removed, &ra[p.a], nil, a, b))
		case p.a < 0:
			d.Regions = append(d.Regions, regionChange(Added, nil, &rb[p.b], a, b))
		default:
			x, y := &ra[p.a], &rb[p.b]
			if !bytes.Equal(a[x.Offset:x.Offset+x.Size], b[y.Offset:y.Offset+y.Size]) {
				d.Regions = append(d.Regions, regionChange(Modified, x, y, a, b))
			}
		}
	}
	if len(d.Regions) == 0 && !bytes.Equal(a, b) {
		off := firstDiff(a, b)
		d.Regions = append(d.Regions, RegionChange{Label: "unlabelled bytes", Kind: annot.Unused.String(), Op: Modified,
			OffsetA: off, OffsetB: off, Old: hexBytes(a[min(off, len(a)):]), New: hexBytes(b[min(off, len(b)):])})
	}
	if len(d.Regions) > 0 {
		d.Verdict = Different
	}
	return d, nil
}

// parse reads a blob strictly, or leniently (with a note) when it has
// the FDT magic but a strict parse fails.
func (d *ByteDiff) parse(name string, data []byte) (*fdt.Tree, error) {
	t, err := fdt.Parse(data)
	if err == nil {
		return t, nil
	}
	if !fdt.HasMagic(data) {
		return nil, fmt.Errorf("%s: not an FDT blob: %w", name, err)
	}
	t, _ = fdt.ParseLenient(data)
	if t == nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d.Notes = append(d.Notes, fmt.Sprintf("%s read leniently: %v", name, err))
	return t, nil
}

// keyedRegion is a region with the key regions are matched by.
type keyedRegion struct {
	annot.Region
	key   string
	label string
}

// keyed names every region by its content rather than its offset: the
// generic labels (node name, padding, FDT_END_NODE, strings) get the node
// path, the preceding region, or the string text.
// Regions are clipped to the n bytes of the blob.
func keyed(rs []annot.Region, n int) []keyedRegion {
	out := make([]keyedRegion, 0, len(rs))
	var stack []string
	prev := ""
	for _, r := range rs {
		if r.Offset < 0 || r.Size < 0 || r.Offset > n {
			continue
		}
		r.Size = min(r.Size, n-r.Offset)
		label := r.Label
		switch {
		case r.Kind == annot.Token && r.Label == "FDT_BEGIN_NODE":
			stack = append(stack, r.Value)
			label = "FDT_BEGIN_NODE " + r.Value
		case r.Kind == annot.Token && r.Label == "FDT_END_NODE" && len(stack) > 0:
			label = "FDT_END_NODE " + stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		case r.Kind == annot.Name && len(stack) > 0:
			label = "node name " + stack[len(stack)-1]
		case r.Kind == annot.Padding:
			label = "padding after " + prev
		case r.Kind == annot.Strings:
			label = "string " + r.Value
		}
		out = append(out, keyedRegion{Region: r, key: r.Kind.String() + "\x00" + label, label: label})
		prev = label
	}
	return out
}

func regionChange(op Op, x, y *keyedRegion, a, b []byte) RegionChange {
	rc := RegionChange{Op: op, OffsetA: -1, OffsetB: -1}
	if x != nil {
		rc.Label, rc.Kind = x.label, x.Kind.String()
		rc.OffsetA, rc.Old, rc.OldValue = x.Offset, hexBytes(a[x.Offset:x.Offset+x.Size]), x.Value
	}
	if y != nil {
		rc.Label, rc.Kind = y.label, y.Kind.String()
		rc.OffsetB, rc.New, rc.NewValue = y.Offset, hexBytes(b[y.Offset:y.Offset+y.Size]), y.Value
	}
	return rc
}

func hexBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > MaxRegionBytes {
		return fmt.Sprintf("% x … (%d bytes)", b[:MaxRegionBytes], len(b))
	}
	return fmt.Sprintf("% x", b)
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
