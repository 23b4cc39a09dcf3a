package source

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// RootRole says what a KHO root found in a memory dump is.
type RootRole string

// Roles of the roots of a dump.
const (
	// RoleHandover is the one distinct root of the dump: the state as
	// handed over (or, on a running kernel, as it will be).
	RoleHandover RootRole = "handover"
	// RoleIncoming is the root a boot handoff names while the running
	// kernel already wrote a newer one of its own: the receiving kernel
	// has booted and consumed parts of it.
	RoleIncoming RootRole = "incoming"
	// RoleOutgoing is a root newer (higher kexec count) than the incoming
	// one: the running kernel's own, for the next kexec.
	RoleOutgoing RootRole = "outgoing"
	// RoleOlder is a root older than the newest one and not named by a
	// handoff: left over from an earlier boot.
	RoleOlder RootRole = "older"
	// RoleCopy is a byte-identical copy of another root at another
	// address (kexec segments carry copies).
	RoleCopy RootRole = "copy"
)

// RootCandidate is one KHO root found in memory.
type RootCandidate struct {
	RootRef
	Role RootRole
	// CopyOf is the address of the root this one copies (RoleCopy).
	CopyOf uint64
	// KexecCount comes from the root's kexec-metadata client when it
	// could be read (HasCount).
	KexecCount uint32
	HasCount   bool
	// HandoffAt is the address of the x86 setup_data entry naming this
	// root, or phys.NoAddr.
	HandoffAt uint64
	// Broken is why the bytes a boot handoff names are no KHO root (bad
	// magic, a totalsize out of range): the kernel reads them all the
	// same, and disables KHO revival.
	Broken error
	blob   []byte
}

// Blob returns the root's bytes: the FDT cut to its totalsize, or for a
// broken root what the handoff's fdt_size covers.
func (c *RootCandidate) Blob() []byte { return c.blob }

// RootSurvey is every KHO root of a dump, told apart, with the one chosen.
type RootSurvey struct {
	Candidates []RootCandidate
	// Chosen indexes Candidates.
	Chosen int
	// Stage is how far the receiving kernel has consumed the chosen root.
	Stage abi.Stage
	// Reason says why the chosen root was chosen.
	Reason string
}

// maxSurvey bounds the roots and the handoffs a survey keeps: a dump holds
// a handful (the root, its kexec copies, the next kernel's own), and a
// hostile one must not make the survey grow with its size.
const maxSurvey = 64

// Survey finds every KHO root in m (page-aligned and unaligned) and the x86
// boot handoffs (setup_data type 10) that name them, groups byte-identical
// copies, reads each distinct root's kexec count, and chooses one:
//   - a root a handoff names is the incoming handover; when a root with a
//     higher kexec count exists too, the kernel has booted (Stage booted)
//     and that root is its outgoing one;
//   - without a handoff, the root with the highest kexec count (the only
//     one, usually) is chosen and the others are older.
func Survey(ctx context.Context, m phys.Memory) (*RootSurvey, error) {
	return SurveyWith(ctx, m, SurveyOptions{})
}

// SurveyOptions tunes SurveyWith.
type SurveyOptions struct {
	// Progress, when set, follows the scan of memory (see
	// ScanOptions.Progress): done of total bytes covered.
	Progress func(done, total uint64)
}

// SurveyWith is Survey with options, such as a progress hook for a long
// scan.
func SurveyWith(ctx context.Context, m phys.Memory, opts SurveyOptions) (*RootSurvey, error) {
	type handoff struct {
		at uint64
		d  kho.KhoData
	}
	handoffs := map[uint64]handoff{}
	refs, err := Scan(ctx, m, ScanOptions{Unaligned: true, Limit: maxSurvey, Progress: opts.Progress, handoff: func(at uint64, d kho.KhoData) {
		if _, seen := handoffs[d.FDTAddr]; !seen && len(handoffs) < maxSurvey {
			handoffs[d.FDTAddr] = handoff{at, d}
		}
	}})
	if err != nil && len(refs) == 0 && len(handoffs) == 0 {
		return nil, err
	}
	s := &RootSurvey{}
	for addr, h := range handoffs {
		if slices.ContainsFunc(refs, func(r RootRef) bool { return r.Addr == addr }) {
			continue
		}
		c := RootCandidate{RootRef: RootRef{Addr: addr, Size: h.d.FDTSize, ScratchAddr: h.d.ScratchAddr, ScratchSize: h.d.ScratchSize,
			Via: fmt.Sprintf("x86 setup_data (type 10) at PA 0x%x", h.at)}, HandoffAt: h.at}
		if c.Broken = notKHORoot(m, addr); c.Broken == nil {
			continue // a root after all (beyond the scan's limit)
		}
		c.blob, _ = phys.Read(m, addr, min(h.d.FDTSize, maxRootSize), "KHO root")
		if c.blob == nil {
			continue // the handoff points outside the source: a stale entry
		}
		s.Candidates = append(s.Candidates, c)
	}
	if len(refs) == 0 && len(s.Candidates) == 0 {
		return nil, nil
	}
	for _, r := range refs {
		c := RootCandidate{RootRef: r, HandoffAt: phys.NoAddr}
		if h, ok := handoffs[r.Addr]; ok {
			c.HandoffAt = h.at
			c.Size, c.ScratchAddr, c.ScratchSize = h.d.FDTSize, h.d.ScratchAddr, h.d.ScratchSize
			c.Via = fmt.Sprintf("x86 setup_data (type 10) at PA 0x%x", h.at)
		}
		c.blob, _ = readFDTAt(m, r.Addr, maxRootSize)
		c.KexecCount, c.HasCount = kexecCount(m, c.blob)
		s.Candidates = append(s.Candidates, c)
	}
	slices.SortStableFunc(s.Candidates, func(a, b RootCandidate) int {
		return compareRefs(a.RootRef, b.RootRef)
	})
	s.markCopies()
	s.choose()
	return s, nil
}

// notKHORoot says why the bytes at addr are no KHO root, or nil when they
// are one.
func notKHORoot(m phys.Memory, addr uint64) error {
	b, err := readFDTAt(m, addr, maxRootSize)
	if err != nil {
		return err
	}
	if _, err := fdt.Parse(b); err != nil {
		return err
	}
	if _, ok := rootCompatible(b); !ok {
		return fmt.Errorf("the FDT at PA 0x%x has no kho-v* root compatible", addr)
	}
	return nil
}

// kexecCount reads the kexec-metadata client of a root blob.
func kexecCount(m phys.Memory, root []byte) (uint32, bool) {
	r, err := kho.DecodeRoot(root)
	if r == nil || err != nil {
		return 0, false
	}
	sub, ok := r.Subtree("kexec-metadata")
	if !ok || !sub.HasSize || sub.Size > MaxBlobSize {
		return 0, false
	}
	b, err := phys.Read(m, sub.Addr, sub.Size, "KHO/kexec-metadata")
	if err != nil {
		return 0, false
	}
	km, err := kho.DecodeKexecMetadata(b)
	if err != nil || km == nil {
		return 0, false
	}
	return km.KexecCount, true
}

// markCopies gives every root that repeats the bytes of another the role
// copy. The original of a group is the root a handoff names, else the
// first page-aligned one, else the first.
func (s *RootSurvey) markCopies() {
	cs := s.Candidates
	for i := range cs {
		if cs[i].Role == RoleCopy {
			continue
		}
		group := []int{i}
		for j := i + 1; j < len(cs); j++ {
			if cs[j].Role != RoleCopy && bytes.Equal(cs[i].blob, cs[j].blob) {
				group = append(group, j)
			}
		}
		orig := group[0]
		for _, g := range group {
			if cs[g].HandoffAt != phys.NoAddr {
				orig = g
				break
			}
		}
		for _, g := range group {
			if g != orig {
				cs[g].Role, cs[g].CopyOf = RoleCopy, cs[orig].Addr
			}
		}
	}
}

// distinct returns the indexes of the candidates that are no copies.
func (s *RootSurvey) distinct() []int {
	var out []int
	for i, c := range s.Candidates {
		if c.Role != RoleCopy {
			out = append(out, i)
		}
	}
	return out
}

func (s *RootSurvey) choose() {
	cs := s.Candidates
	d := s.distinct()
	if len(d) == 1 {
		s.Chosen = d[0]
		cs[d[0]].Role = RoleHandover
		s.Reason = "the only distinct KHO root in memory"
		if n := len(cs) - 1; n > 0 {
			s.Reason += fmt.Sprintf(" (%d byte-identical %s elsewhere)", n, plural(n, "copy", "copies"))
		}
		return
	}
	newest := slices.MaxFunc(d, func(a, b int) int { return int(cs[a].KexecCount) - int(cs[b].KexecCount) })
	in := -1
	for _, i := range d {
		if cs[i].HandoffAt != phys.NoAddr && (in < 0 || cs[i].KexecCount > cs[in].KexecCount) {
			in = i
		}
	}
	if in < 0 {
		s.Chosen = newest
		for _, i := range d {
			cs[i].Role = RoleOlder
		}
		cs[newest].Role = RoleHandover
		s.Reason = fmt.Sprintf("no boot handoff names a root; chose the newest of %d distinct roots (kexec #%d)", len(d), cs[newest].KexecCount)
		return
	}
	s.Chosen = in
	cs[in].Role = RoleHandover
	for _, i := range d {
		switch {
		case i == in:
		case cs[in].HasCount && cs[i].HasCount && cs[i].KexecCount > cs[in].KexecCount:
			cs[i].Role = RoleOutgoing
			s.Stage = abi.StageBooted
		default:
			cs[i].Role = RoleOlder
		}
	}
	if s.Stage == abi.StageBooted {
		cs[in].Role = RoleIncoming
	}
	s.Reason = "named by the boot handoff (" + cs[in].Via + ")"
	if cs[in].Broken != nil {
		s.Reason += ", but no valid KHO root: " + cs[in].Broken.Error()
	}
	if cs[in].Role == RoleIncoming {
		s.Reason += "; the running kernel has booted from it and written its own outgoing root, so the parts it consumes at boot are gone"
	}
}

// Choose makes the root at addr the chosen one (a --root override). A
// root older than the newest is read as consumed by an earlier boot.
func (s *RootSurvey) Choose(addr uint64) error {
	for i, c := range s.Candidates {
		if c.Addr != addr {
			continue
		}
		s.Chosen = i
		s.Reason = "chosen with --root"
		s.Stage = abi.StageHandover
		if c.Role == RoleIncoming || c.Role == RoleOlder {
			s.Stage = abi.StageBooted
		}
		if c.Role == RoleCopy {
			s.Reason += fmt.Sprintf(" (a copy of the root at PA 0x%x)", c.CopyOf)
		}
		return nil
	}
	var have []string
	for _, c := range s.Candidates {
		have = append(have, fmt.Sprintf("0x%x", c.Addr))
	}
	return fmt.Errorf("no KHO root at PA 0x%x; the roots in memory are at %s", addr, strings.Join(have, ", "))
}

// Seen lists the roots for a walked state's report.
func (s *RootSurvey) Seen() []handover.RootSeen {
	var out []handover.RootSeen
	for i, c := range s.Candidates {
		out = append(out, handover.RootSeen{Addr: c.Addr, Role: string(c.Role), CopyOf: c.CopyOf, KexecCount: c.KexecCount,
			HasCount: c.HasCount, Via: c.Via, Chosen: i == s.Chosen})
	}
	return out
}

// Describe says in lines which roots were found and which was chosen.
func (s *RootSurvey) Describe() []string {
	c := s.Candidates[s.Chosen]
	out := []string{fmt.Sprintf("KHO root at PA 0x%x: %s", c.Addr, s.Reason)}
	for i, o := range s.Candidates {
		if i == s.Chosen {
			continue
		}
		line := fmt.Sprintf("also a KHO root at PA 0x%x: %s", o.Addr, o.Role)
		if o.Role == RoleCopy {
			line += fmt.Sprintf(" of PA 0x%x", o.CopyOf)
		} else if o.HasCount {
			line += fmt.Sprintf(", kexec #%d", o.KexecCount)
		}
		out = append(out, line+" (--root to read it)")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
