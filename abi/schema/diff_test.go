package schema

import (
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
)

func mustReg(t *testing.T, spec string) *Snapshot {
	t.Helper()
	s, err := FromRegistry(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hasFinding reports a finding of kind k whose subject contains subj and,
// when unbumped is set, that is marked unbumped.
func hasFinding(r *Report, k Kind, subj string, unbumped bool) bool {
	for _, f := range r.Findings {
		if f.Kind == k && strings.Contains(f.Subject, subj) && (!unbumped || f.Unbumped) {
			return true
		}
	}
	return false
}

// TestUnbumpedChanges checks that every change docs/abi/generations.md §7 lists as
// made without a compatible bump is caught between the registry
// generations concerned.
func TestUnbumpedChanges(t *testing.T) {
	type want struct {
		kind Kind
		subj string
	}
	tests := []struct {
		name     string
		old, new string
		governs  string // the compatible that stayed the same
		want     []want
	}{
		{"§7.1 KHO bitmap 512->4096", "K1a", "K1b", "kho-v1", []want{
			{KindStructResized, "kho_mem_phys_bits"}, {KindFieldResized, "kho_mem_phys_bits.preserve"}}},
		{"§7.2 memfd-v1 FDT -> struct, folio bits", "M0", "M1", "memfd-v1", []want{
			{KindRootChanged, "blob root"}, {KindNodeRemoved, "/"}, {KindBitfieldMoved, "memfd_luo_folio_ser.pfn"},
			{KindBitfieldMoved, "memfd_luo_folio_ser.flags"}}},
		{"§7.3 memfd-v2 seals:8 -> u32 seals + u32 flags", "M2a", "M2b", "memfd-v2", []want{
			{KindFieldRetyped, "memfd_luo_ser.seals"}, {KindFieldAdded, "memfd_luo_ser.flags"}, {KindFieldRemoved, "memfd_luo_ser.__reserved"}}},
		{"§7.4 luo-session-v1: v4 -> v5", "L-v4", "L-v5", "luo-v1", []want{
			{KindNodeRemoved, "/subsystems"}, {KindNodeRemoved, "luo-session:/"}, {KindNodeAdded, "/luo-session"}, {KindPropAdded, "/:liveupdate-number"}}},
		{"§7.4+§7.5+§7.6 luo-session-v1: v5 -> v6 (80 -> 88 stride, -head -> -header, name 56 -> 64)", "L-v5", "L-v6", "luo-session-v1", []want{
			{KindStructResized, "luo_session_ser"}, {KindFieldResized, "luo_session_ser.name"}, {KindFieldMoved, "luo_session_ser.files"},
			{KindPropRenamed, "/luo-session:luo-session-header"}}},
		{"§7.5 luo-flb-head -> luo-flb-header", "L-v5", "L-v6", "luo-flb-v1", []want{{KindPropRenamed, "/luo-flb:luo-flb-header"}}},
		{"§7.4 luo-session-v1: v6 -> 6.19 intermediate", "L-v6", "L-6.19-pre", "luo-session-v1", []want{
			{KindStructResized, "luo_session_ser"}, {KindFieldRemoved, "luo_session_ser.files"}, {KindStructResized, "luo_session_header_ser"}}},
		{"§7.4 luo-session-v1: v5 -> 6.19 intermediate", "L-v5", "L-6.19-pre", "luo-session-v1", []want{
			{KindStructResized, "luo_session_ser"}, {KindFieldResized, "luo_session_ser.name"}}},
		{"§7.4 luo-session-v1: v4 -> 6.19 intermediate", "L-v4", "L-6.19-pre", "luo-session-v1", []want{
			{KindStructResized, "luo_session_ser"}}},
		{"§7.7 luo-v1 root: mandatory luo-flb node added", "L-6.19", "L-FLB", "luo-v1", []want{{KindNodeAdded, "/luo-flb"}}},
		{"§7.7 luo-v1 root: RFC -> v5", "L-RFC", "L-v5", "luo-v1", []want{{KindNodeRemoved, "/subsystems"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Diff(mustReg(t, tt.old), mustReg(t, tt.new))
			if !r.HasUnbumped() {
				t.Fatalf("%s -> %s: no unbumped finding:\n%s", tt.old, tt.new, dump(r))
			}
			if !hasFinding(r, KindUnbumped, tt.governs, true) {
				t.Errorf("%s -> %s: no unbumped summary for %q:\n%s", tt.old, tt.new, tt.governs, dump(r))
			}
			for _, w := range tt.want {
				if !hasFinding(r, w.kind, w.subj, true) {
					t.Errorf("%s -> %s: missing unbumped %s on %q:\n%s", tt.old, tt.new, w.kind, w.subj, dump(r))
				}
			}
		})
	}
}

// TestBumpedChanges checks that changes that did raise the string are
// reported as breaking but not as unbumped.
func TestBumpedChanges(t *testing.T) {
	for _, p := range [][2]string{{"K1b", "K2"}, {"K2", "K3"}, {"K3", "K4"}, {"L-6.19-pre", "L-6.19"},
		{"L-FLB", "L-luo-v2"}, {"L-luo-v3", "L-luo-v4"}, {"L-luo-v5", "L-RFC-compat"}, {"M1", "M2b"}, {"M2b", "M4"}} {
		r := Diff(mustReg(t, p[0]), mustReg(t, p[1]))
		if r.HasUnbumped() {
			t.Errorf("%s -> %s: unexpected unbumped:\n%s", p[0], p[1], dump(r))
		}
		if r.Breaking == 0 || !r.HasChanges() {
			t.Errorf("%s -> %s: no breaking change found:\n%s", p[0], p[1], dump(r))
		}
	}
}

// TestSessionBumpV6To619 checks that the session layout change from L-v6
// to L-6.19 counts as bumped (luo-session-v1 -> v2) while the dropped FLB
// node under the unchanged luo-v1 root is still unbumped (§7.7).
func TestSessionBumpV6To619(t *testing.T) {
	r := Diff(mustReg(t, "L-v6"), mustReg(t, "L-6.19"))
	if hasFinding(r, KindStructResized, "luo_session_ser", true) {
		t.Errorf("session resize marked unbumped:\n%s", dump(r))
	}
	if !hasFinding(r, KindStructResized, "luo_session_ser", false) || !hasFinding(r, KindNodeRemoved, "/luo-flb", true) {
		t.Errorf("missing findings:\n%s", dump(r))
	}
}

func TestIdenticalLayoutOnlyString(t *testing.T) {
	// M3 is M2b under a granular string: only the compatible changes.
	r := Diff(mustReg(t, "M2b"), mustReg(t, "M3"))
	for _, f := range r.Findings {
		if f.Class == Breaking && f.Kind != KindCompatibleChanged {
			t.Errorf("unexpected %s %s", f.Kind, f.Message)
		}
	}
	if !hasFinding(r, KindCompatibleChanged, "memfd", false) {
		t.Errorf("compatible change not reported:\n%s", dump(r))
	}
}

func TestSelfDiffIsClean(t *testing.T) {
	for _, g := range abi.All() {
		s := mustReg(t, g.Tag.String())
		if r := Diff(s, s); len(r.Findings) != 0 {
			t.Errorf("%s: self diff not clean:\n%s", g.Tag, dump(r))
		}
	}
}

// TestDocDriftIgnored changes every Doc text and checks nothing is flagged.
func TestDocDriftIgnored(t *testing.T) {
	a := mustReg(t, "K4+L-luo-v5+M2b+kexec-metadata")
	b := mustReg(t, "K4+L-luo-v5+M2b+kexec-metadata")
	for _, c := range b.Components {
		for i := range c.Nodes {
			c.Nodes[i].Doc = "changed " + c.Nodes[i].Doc
			for j := range c.Nodes[i].Props {
				c.Nodes[i].Props[j].Doc = "x"
			}
		}
		for _, st := range c.Structs {
			st.Doc = "other meaning"
			for j := range st.Fields {
				st.Fields[j].Doc = "reworded"
			}
		}
		for j := range c.Constants {
			c.Constants[j].Doc = ""
		}
	}
	b.Source = "other"
	if r := Diff(a, b); len(r.Findings) != 0 {
		t.Errorf("doc drift flagged:\n%s", dump(r))
	}
}

func TestSourceOnlyRenamesAreInfo(t *testing.T) {
	a := mustReg(t, "L-luo-v5")
	b := mustReg(t, "L-luo-v5")
	st, _ := b.Struct("luo_file_ser")
	st.Fields[1].Name = "serialized_data" // §7.12: DECLARE_KHOSER_PTR(serialized_data)
	st.Fields[1].CType = "DECLARE_KHOSER_PTR"
	st.Fields[1].Kind = "physaddr"
	r := Diff(a, b)
	if r.HasChanges() || r.HasUnbumped() || r.Info == 0 {
		t.Errorf("rename not info-only:\n%s", dump(r))
	}
}

func TestCombinationRejectsTwoOfAComponent(t *testing.T) {
	if _, err := FromRegistry("L-v5+L-v6"); err == nil {
		t.Error("L-v5+L-v6 accepted")
	}
	if _, err := FromRegistry("K4+nope"); err == nil {
		t.Error("unknown tag accepted")
	}
	if _, err := FromRegistry("K4+memblock+kexec-metadata+kho_test"); err != nil {
		t.Error(err)
	}
}

func dump(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString("  " + string(f.Class) + " " + string(f.Kind) + " [" + f.Component + "] " + f.Subject + ": " + f.Message)
		if f.Unbumped {
			b.WriteString(" UNBUMPED(" + f.Governing + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}
