// Package validate checks a decoded handover state the way the next
// kernel will, and deeper than it does.
//
// The rule catalogue (Rules) lists every check: what the receiving kernel
// itself checks on incoming KHO, LUO and memfd data, with what happens when
// the check fails in each generation (KHO revival disabled, LUO panic at
// boot, /dev/liveupdate open fails, retrieve fails, a WARN, or silent
// acceptance), plus deeper invariants a real kernel always writes but never
// verifies (every referenced page is the head of a preserved block, no
// structure overlaps another or a scratch area, names are NUL-terminated
// and zero-padded, tokens and session names are unique, folio records are
// consistent) and producer fingerprints reported as information.
//
// Run and Check return a Report holding every finding, not just the first;
// folio arrays are streamed, never materialised. Compat answers whether a
// kernel of another generation would accept a state. The Report writers
// produce text, JSON, SARIF 2.1.0 and JUnit XML, and Markdown renders the
// catalogue as docs/validation-rules.md.
package validate
