package render

import (
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/annot"
)

func TestStructRegionsPartial(t *testing.T) {
	g, _ := abi.Lookup("L-luo-v5")
	st, _ := g.Struct("luo_ser")
	full := []byte("luo-v5\x00\x00" + "\x09\x00\x00\x00\x00\x00\x00\x00" +
		"\x00\x20\x13\x00\x01\x00\x00\x00" + "\x00\x10\x13\x00\x01\x00\x00\x00")
	m1, _ := abi.Lookup("M1")
	folio, _ := m1.Struct("memfd_luo_folio_ser")
	for _, tc := range []struct {
		name    string
		st      *abi.Struct
		b       []byte
		missing []annot.Span
		want    []string // each region's value
	}{
		{"whole", st, full, nil, []string{`"luo-v5"`, "9", "PA 0x100132000", "PA 0x100131000"}},
		{"short: members past the end unresolved", st, full[:20], nil,
			[]string{`"luo-v5"`, "9", "unresolved: 4 of its 8 bytes are missing", "unresolved"}},
		{"missing bytes inside", st, full, []annot.Span{{Offset: 8, Size: 8}, {Offset: 30, Size: 2}},
			[]string{`"luo-v5"`, "unresolved", "PA 0x100132000", "unresolved: 2 of its 8 bytes are missing"}},
		{"nothing held", st, make([]byte, 32), []annot.Span{{Offset: 0, Size: 32}},
			[]string{"unresolved", "unresolved", "unresolved", "unresolved"}},
		{"bitfields of a storage unit unresolved together", folio, make([]byte, 16), []annot.Span{{Offset: 4, Size: 1}},
			[]string{"pfn=unresolved: 1 of its 8 bytes are missing, flags=unresolved: 1 of its 8 bytes are missing", "0"}},
	} {
		rs := StructRegionsPartial(tc.st, tc.b, tc.missing)
		if len(rs) != len(tc.want) {
			t.Errorf("%s: %d regions, want %d: %+v", tc.name, len(rs), len(tc.want), rs)
			continue
		}
		for i, r := range rs {
			if r.Value != tc.want[i] {
				t.Errorf("%s: region %d (%s) = %q, want %q", tc.name, i, r.Label, r.Value, tc.want[i])
			}
		}
	}
}
