package validate

// Outcome is what the receiving kernel does with a state, in a word a
// program can compare: the machine-readable side of a Consequence.
type Outcome string

// Outcomes, from the worst to the mildest.
const (
	// OutcomeBootFault: a fault (Oops) or silent corruption, with no
	// error path: the kernel follows a pointer it never checked (the
	// radix walk, a session chain in unpreserved memory).
	OutcomeBootFault Outcome = "boot-fault"
	// OutcomePanic: the kernel panics at boot (luo_restore_fail).
	OutcomePanic Outcome = "panic-at-boot"
	// OutcomeRevivalDisabled: "disabling KHO revival": a cold boot, nothing
	// handed over survives.
	OutcomeRevivalDisabled Outcome = "revival-disabled"
	// OutcomeOpenError: the first open of /dev/liveupdate fails (-EIO),
	// and so does every later one: every session is unreachable.
	OutcomeOpenError Outcome = "open-error"
	// OutcomeRetrieveError: RETRIEVE_SESSION or RETRIEVE_FD fails for
	// the file or session concerned.
	OutcomeRetrieveError Outcome = "retrieve-error"
	// OutcomeDataUnreachable: no call fails, but data cannot be reached
	// (a file shadowed by a duplicate token, a wrong page restored).
	OutcomeDataUnreachable Outcome = "data-unreachable"
	// OutcomeUnknown: an error finding whose consequence in the kernel
	// is not known for the generation (no source of it could be read).
	OutcomeUnknown Outcome = "error-unknown-outcome"
	// OutcomeUnverified: the kernel's verdict cannot be established: it
	// follows pointers into memory the source does not hold.
	OutcomeUnverified Outcome = "unverified"
	// OutcomeAcceptedWithWarning: accepted; the kernel logs a warning and
	// ignores or replaces the part concerned.
	OutcomeAcceptedWithWarning Outcome = "accepted-with-warning"
	// OutcomeAccepted: the kernel takes the state as it is.
	OutcomeAccepted Outcome = "accepted"
)

var outcomeRank = map[Outcome]int{
	OutcomeBootFault: 0, OutcomePanic: 1, OutcomeRevivalDisabled: 2, OutcomeOpenError: 3,
	OutcomeRetrieveError: 4, OutcomeDataUnreachable: 5, OutcomeUnknown: 6, OutcomeUnverified: 7, OutcomeAcceptedWithWarning: 8,
	OutcomeAccepted: 9,
}

// worse reports whether o is a worse outcome than p. An empty (unknown)
// outcome is never worse.
func (o Outcome) worse(p Outcome) bool {
	if o == "" {
		return false
	}
	if p == "" {
		return true
	}
	return outcomeRank[o] < outcomeRank[p]
}
