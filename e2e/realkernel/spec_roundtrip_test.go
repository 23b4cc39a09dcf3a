package realkernel

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSpecRoundTripReal takes the spec of a real kernel's handover (the
// dump at the new kernel's kho_populate: order-9 THP folios, holes, real
// contents) with dump -o spec, encodes it, and requires diff
// --ignore-addresses to find the encoding identical: the encoder places
// the state elsewhere, but every session, file, memfd field, folio
// (index, order, flags) and every file's bytes must come back. One
// changed byte in the handover is then lost data. It runs for each kernel
// updating into itself.
func TestSpecRoundTripReal(t *testing.T) {
	qemu := requireRealKernels(t)
	for _, series := range []string{"7.2", "7.3"} {
		t.Run(series, func(t *testing.T) {
			k := kernel(t, series)
			u := runUpdate(t, qemu, k, k, nil)
			t.Log(u)
			checkSpecRoundTrip(t, u)
		})
	}
}

// checkSpecRoundTrip: dump -o spec of the handover, encode, diff
// --ignore-addresses identical; one changed byte is lost.
func checkSpecRoundTrip(t *testing.T, u *update) {
	_, cli := binaries(t)

	spec, code := luoinspect(t, cli, "dump", u.handover, "-o", "spec")
	if code != 0 {
		t.Fatalf("dump -o spec exited %d", code)
	}
	specPath := filepath.Join(u.dir, "handover.yaml")
	if err := os.WriteFile(specPath, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^ +- \{index: \d+, count: \d+, order: 9, flags: \[dirty, uptodate\], pfn: \d+\}$`),
		regexp.MustCompile(`(?m)^ +source: /.*handover\.core$`),
		regexp.MustCompile(`(?m)^ +base64: `),
	} {
		if !want.Match(spec) {
			t.Errorf("the spec has no line matching %s", want)
		}
	}
	if bytes.Contains(spec, []byte("unresolved:")) {
		t.Errorf("the spec leaves contents unresolved:\n%s", grepLines(spec, "unresolved:"))
	}

	enc := filepath.Join(u.dir, "reencoded")
	if _, code := luoinspect(t, cli, "encode", specPath, "--out", enc); code != 0 {
		t.Fatalf("encode of the dumped spec exited %d", code)
	}
	reenc := filepath.Join(enc, "state.core")
	out, code := luoinspect(t, cli, "diff", "--ignore-addresses", u.handover, reenc)
	if code != 0 || !bytes.Contains(out, []byte("verdict: identical")) {
		t.Errorf("diff --ignore-addresses handover → re-encoded: exit %d, want 0 (identical):\n%.4000s\nspec:\n%.3000s", code, out, spec)
	}
	if _, code := luoinspect(t, cli, "diff", u.handover, reenc); code != 4 {
		t.Errorf("plain diff handover → re-encoded: exit %d, want 4 (addresses differ)", code)
	}

	changed := filepath.Join(u.dir, "changed.core")
	if err := flipFolioByte(t, u.handover, changed, u.populate[0]); err != nil {
		t.Fatal(err)
	}
	out, code = luoinspect(t, cli, "diff", "--ignore-addresses", changed, reenc)
	if code != 8 || !bytes.Contains(out, []byte("content-changed")) {
		t.Errorf("one changed memfd byte: exit %d, want 8 with content-changed:\n%.2000s", code, out)
	}
}

// grepLines returns the lines of b holding s.
func grepLines(b []byte, s string) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if bytes.Contains(l, []byte(s)) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}
