package handover

import (
	"encoding/base64"
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/memfd"
	"gopkg.in/yaml.v3"
)

// FolioRuns is a memfd's explicit folio layout. Nil means the simple form
// (MemfdSpec.Folios); an empty, non-nil list is a memfd without folios and
// is written out as such ("folio_runs: []").
type FolioRuns []FolioRunSpec

// IsZero reports whether the layout is absent (nil), so that YAML and
// JSON leave out only that, not an empty list.
func (r FolioRuns) IsZero() bool { return r == nil }

// FolioRunSpec is a run of folios: Count folios of 2^Order pages each,
// folio k covering page-cache indexes from Index + k<<Order, all with the
// same flags. Consecutive folios of one order and flags at contiguous
// indexes make one run; the gaps between runs are holes.
type FolioRunSpec struct {
	Index uint64 `json:"index" yaml:"index"`
	Count uint64 `json:"count" yaml:"count"`
	Order uint   `json:"order" yaml:"order"`
	// Flags names the folio flag bits as the memfd generation does
	// ("dirty", "uptodate", or the registry constant), or gives a bit as
	// a number. Left out (nil) it is dirty and uptodate, what a real
	// producer writes; an empty list is no flags.
	Flags []string `json:"flags" yaml:"flags"`
	// PFN is the page frame, in the source Contents.Source names, of the
	// first folio's head page; folio k's pages are copied from PFN +
	// k<<Order. Only with a contents source.
	PFN uint64 `json:"pfn,omitempty" yaml:"pfn,omitempty"`
}

// MarshalYAML writes a run on one line, so that a layout of many runs
// stays readable.
func (r FolioRunSpec) MarshalYAML() (any, error) {
	type plain FolioRunSpec
	var n yaml.Node
	if err := n.Encode(plain(r)); err != nil {
		return nil, err
	}
	n.Style = yaml.FlowStyle
	return &n, nil
}

// ContentsSpec gives a memfd's contents: exactly one of its fields is set.
type ContentsSpec struct {
	// Base64 is the file's bytes from offset 0 (holes as zeros), in
	// standard base64; bytes past its end up to the file size are zeros
	// (so "" is a file of zeros). Pages no folio covers must be zero.
	Base64 *string `json:"base64,omitempty" yaml:"base64,omitempty"`
	// Source names a source as a SOURCE argument does (core:FILE,
	// snapshot:FILE, raw:FILE@BASE, a path): each folio's pages are
	// copied from it at the run's PFN, page by page when written.
	Source string `json:"source,omitempty" yaml:"source,omitempty"`
	// Unresolved says why the contents are not given. The encoder treats
	// the memfd as without contents: its pages are preserved, not placed.
	Unresolved string `json:"unresolved,omitempty" yaml:"unresolved,omitempty"`
}

// placed reports whether the contents give bytes (embedded or from a
// source), rather than only a note.
func (c *ContentsSpec) placed() bool { return c != nil && (c.Base64 != nil || c.Source != "") }

// embedded decodes the embedded bytes, nil when there are none.
func (c *ContentsSpec) embedded() ([]byte, error) {
	if c == nil || c.Base64 == nil {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(*c.Base64)
	if err != nil {
		return nil, fmt.Errorf("contents.base64: %w", err)
	}
	return b, nil
}

// check refuses contents with none or more than one of its fields set.
func (c *ContentsSpec) check() error {
	n := 0
	for _, set := range []bool{c.Base64 != nil, c.Source != "", c.Unresolved != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("contents: give exactly one of base64, source and unresolved")
	}
	return nil
}

// runs returns the folio layout as memfd runs, with each run's source
// PFN: FolioRuns, or for the simple form one run of Folios order-0
// folios from index 0 marked dirty and uptodate. Flag names are read as
// generation gen names them.
func (ms *MemfdSpec) runs(gen abi.Tag) ([]memfd.FolioRun, error) {
	if ms.FolioRuns == nil {
		n := ms.folioCount()
		if n == 0 {
			return nil, nil
		}
		return []memfd.FolioRun{{Count: n, Flags: defaultFolioFlags}}, nil
	}
	if ms.Folios != 0 {
		return nil, fmt.Errorf("give folios or folio_runs, not both")
	}
	out := make([]memfd.FolioRun, 0, len(ms.FolioRuns))
	for i, r := range ms.FolioRuns {
		flags := uint16(defaultFolioFlags)
		if r.Flags != nil {
			var err error
			if flags, err = memfd.ParseFolioFlags(gen, r.Flags); err != nil {
				return nil, fmt.Errorf("folio_runs[%d]: %w", i, err)
			}
		}
		out = append(out, memfd.FolioRun{Index: r.Index, Count: r.Count, Order: r.Order, Flags: flags, PFN: r.PFN})
	}
	if err := memfd.CheckRuns(out); err != nil {
		return nil, fmt.Errorf("folio_runs: %w", err)
	}
	return out, nil
}

// defaultFolioFlags are the flags a real producer gives every folio.
const defaultFolioFlags = memfd.FolioDirty | memfd.FolioUptodate

// runSpecs renders memfd runs as spec runs, naming flags as gen does.
// PFNs are kept only when withPFN.
func runSpecs(runs []memfd.FolioRun, gen abi.Tag, withPFN bool) FolioRuns {
	out := make(FolioRuns, 0, len(runs))
	for _, r := range runs {
		rs := FolioRunSpec{Index: r.Index, Count: r.Count, Order: r.Order, Flags: memfd.FolioFlagNames(gen, r.Flags)}
		if withPFN {
			rs.PFN = r.PFN
		}
		out = append(out, rs)
	}
	return out
}
