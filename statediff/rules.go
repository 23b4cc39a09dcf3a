package statediff

import "fmt"

// Mode selects which differences are expected.
type Mode string

// Modes.
const (
	// Plain compares two dumps or samples of the same moment: every
	// value, physical addresses included, must match.
	Plain Mode = "plain"
	// AcrossUpdate compares a state with the state one live update later
	// and applies ExpectedRules.
	AcrossUpdate Mode = "across-update"
)

// BSide says, in AcrossUpdate mode, which side of the next kernel B is
// (docs/abi/access.md §3).
type BSide string

// B sides.
const (
	// Outgoing: B is what the next kernel hands on at its own live update
	// (captured at its jump): everything was retrieved, re-created and
	// preserved again, so the number is one more and every structure was
	// allocated afresh.
	Outgoing BSide = "outgoing"
	// Incoming: B is A as the next kernel reads it (kho/in, before or
	// while userspace retrieves): the same memory, so numbers and
	// addresses are equal, but pages are freed as files are retrieved.
	Incoming BSide = "incoming"
)

// Options steer Compare.
type Options struct {
	// Mode is Plain (the default when empty) or AcrossUpdate.
	Mode Mode
	// BSide is which side B is in AcrossUpdate mode (default Outgoing);
	// it must be empty in Plain mode.
	BSide BSide
	// Folios steers the folio record comparison.
	Folios FolioOptions
	// IgnoreAddresses leaves out of the comparison what depends only on
	// where the producer placed the state: physical addresses (blobs,
	// entries, descriptors, folio arrays, FLB data), folio PFNs and the
	// preserved-memory map's blocks. Names, tokens, sizes, positions,
	// seals, flags, folio indexes, orders and flags, contents and
	// memblock regions (data the next kernel finds where it was) are
	// still compared. It compares a state with a re-encoding of it that
	// cannot reproduce its placement (a real kernel's dump).
	IgnoreAddresses bool
}

// check fills the defaults and refuses unknown values.
func (o *Options) check() error {
	switch o.Mode {
	case "":
		o.Mode = Plain
	case Plain, AcrossUpdate:
	default:
		return fmt.Errorf("statediff: unknown mode %q", o.Mode)
	}
	switch {
	case o.Mode == Plain && o.BSide != "":
		return fmt.Errorf("statediff: a B side (%s) only applies across an update", o.BSide)
	case o.Mode == AcrossUpdate && o.BSide == "":
		o.BSide = Outgoing
	case o.Mode == AcrossUpdate && o.BSide != Outgoing && o.BSide != Incoming:
		return fmt.Errorf("statediff: unknown B side %q (outgoing or incoming)", o.BSide)
	}
	return nil
}

// Rule is one documented classification rule.
type Rule struct {
	// ID is what Change.Rule holds.
	ID string
	// When says in which mode and B side the rule applies.
	When string
	// Doc says what the rule accepts or flags, and why.
	Doc string
}

// IDs of the expected-difference rules.
const (
	RuleNumber     = "liveupdate-number"
	RuleAddresses  = "addresses"
	RuleGeneration = "generation"
	RuleLayout     = "layout"
	RulePreserved  = "preserved-map"
	RulePos        = "memfd-pos"
	RuleKexecMeta  = "kexec-metadata"
	RuleFreed      = "freed-after-retrieve"
	RuleUnwritten  = "sessions-at-reboot"
)

// ExpectedRules lists, explicitly, every difference Compare accepts across
// a live update. A difference that no rule covers is Changed or Lost. In
// Plain mode none applies.
var ExpectedRules = []Rule{
	{RuleNumber, "across, B outgoing",
		"liveupdate-number (luo_ser.liveupdate_num) is written as previous + 1 by every kernel (docs/abi/kernel-rules.md §8.2): B must be A + 1. " +
			"With B incoming it is the same blob, so B must equal A. Any other value is Changed."},
	{RuleAddresses, "across, B outgoing",
		"Every physical address may change, because the next kernel allocates every structure afresh and pages may move once restored: " +
			"client blob addresses, the memory-map root, the LUO blob, session and file entry addresses, file data (handler payload) " +
			"addresses, memfd descriptor and folio-array addresses, folio PFNs, and FLB data (an FLB-private value, in practice an address). " +
			"With B incoming (same memory) addresses must be equal."},
	{RuleGeneration, "across, B outgoing",
		"The next kernel may be newer and write newer layouts: generation tags, the KHO root compatible, blob-size presence, " +
			"memfd handler compatibles (memfd-v1 to memfd-v2) and the kexec-metadata version may change. The content must not."},
	{RuleLayout, "across, B outgoing",
		"How blobs are laid out is producer mechanics (docs/abi/kernel-rules.md §8.1): the root FDT layout (sequential or packed) and client blob sizes " +
			"may differ. With B incoming it is the same blob, so they must be equal."},
	{RulePreserved, "across, B outgoing",
		"The preserved-memory map is rebuilt by the next kernel around newly allocated metadata: its block count and byte total may change."},
	{RulePos, "across, B outgoing",
		"A memfd's pos is the open file's offset, rewritten at freeze (docs/abi/access.md §3); userspace moves it between updates."},
	{RuleKexecMeta, "across, B outgoing",
		"kexec-metadata names the kernel that wrote it and counts kexec boots: previous_release may change and kexec_count must be A + 1."},
	{RuleUnwritten, "across, A with no sessions, of a generation that writes them at reboot",
		"Linux 7.2 and 7.3 (L-luo-v5) write the sessions into the handover only at reboot: a capture of the running kernel holds none. " +
			"Sessions, files, FLBs and the memfd generation that B has and such an A lacks were not yet written when A was taken: expected, " +
			"and nothing about them can be compared."},
	{RuleFreed, "across, B incoming",
		"Retrieving a file frees its memfd descriptor page, and finishing a session frees its file array (docs/abi/access.md §3): " +
			"a B payload that cannot be read any more is expected, not lost (but its folios cannot be checked)."},
}

// IDs of the loss rules.
const (
	LossClient     = "client-missing"
	LossSession    = "session-missing"
	LossFile       = "file-missing"
	LossHandler    = "handler-changed"
	LossShrunk     = "memfd-shrunk"
	LossSeals      = "seals-dropped"
	LossFolio      = "folio-missing"
	LossFolioFlags = "folio-changed"
	LossContent    = "content-changed"
	LossFLB        = "flb-missing"
	LossFLBCount   = "flb-changed"
	LossMemblock   = "memblock-region-lost"
)

// LossRules lists what Compare calls data loss, in every mode.
var LossRules = []Rule{
	{LossClient, "always", "The LUO or memblock KHO client is in A and not in B: everything it carried is gone."},
	{LossSession, "always", "A session of A (by name) is not in B."},
	{LossFile, "always", "A file of A (by token, within its session) is not in B's session."},
	{LossHandler, "always", "A file's handler changed other than by a memfd generation upgrade: B holds a different kind of file."},
	{LossShrunk, "always", "A memfd's size is smaller in B: the bytes past the new size are gone."},
	{LossSeals, "always", "A seal set in A is not set in B: the file lost a guarantee its users rely on."},
	{LossFolio, "always", "A folio of A (by page-cache index; records with pfn 0 are holes, not folios) has no folio in B."},
	{LossFolioFlags, "always", "A folio's flags differ (DIRTY or UPTODATE cleared or set): the kernel would treat its contents differently. " +
		"Or its size (order, from the preserved-memory map, where both sides have one) differs: it spans other pages."},
	{LossContent, "always", "A memfd's contents (folio pages in index order, holes as zeros, cut at size; compared when both sides hold the pages and the size is unchanged) differ."},
	{LossFLB, "always", "An FLB of A (by name) is not in B."},
	{LossFLBCount, "always", "An FLB's count (files that depend on it) differs."},
	{LossMemblock, "always", "A reserve_mem region of A is missing in B, starts elsewhere, or is smaller: the next kernel allocates it afresh."},
}
