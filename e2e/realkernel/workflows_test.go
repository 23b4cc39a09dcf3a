package realkernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/e2e/realkernel/guestproto"
	"github.com/luoinspect/luoinspect/render"
	"github.com/luoinspect/luoinspect/validate"
)

// TestLiveUpdate live-updates real kernels, each into itself and each into
// the other, and holds every workflow of luoinspect to what the kernels
// did: the outgoing host (inside the guest), the handover (a dump at the
// new kernel's kho_populate), the incoming host (inside the new kernel,
// before and after retrieving), dumps holding several roots, and nothing
// lost across the update.
func TestLiveUpdate(t *testing.T) {
	qemu := requireRealKernels(t)
	for _, c := range []struct{ from, to string }{{"7.2", "7.2"}, {"7.3", "7.3"}, {"7.2", "7.3"}, {"7.3", "7.2"}} {
		t.Run(c.from+"-to-"+c.to, func(t *testing.T) {
			from, to := kernel(t, c.from), kernel(t, c.to)
			u := runUpdate(t, qemu, from, to, nil)
			t.Log(u)
			_, cli := binaries(t)
			checkOutgoing(t, u)
			checkHandover(t, u, cli)
			checkRecords(t, u, cli)
			checkIncoming(t, u)
			checkRoots(t, u, cli)
			checkNothingLost(t, u, cli)
		})
	}
}

// luoinspect runs the CLI on the host and returns stdout and the exit code.
func luoinspect(t *testing.T, cli string, args ...string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(cli, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, 0
	case errors.As(err, &ee):
		if ee.ExitCode() == 1 || ee.ExitCode() == 2 {
			t.Errorf("luoinspect %s: tool error %d: %s", strings.Join(args, " "), ee.ExitCode(), stderr.String())
		}
		return out, ee.ExitCode()
	}
	t.Fatalf("luoinspect %s: %v", strings.Join(args, " "), err)
	return nil, 0
}

func decode[T any](t *testing.T, what string, b []byte) *T {
	t.Helper()
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%.2000s", what, err, b)
	}
	return v
}

// exitOK checks that a run inside the guest exited 0.
func exitOK(t *testing.T, u *update, names ...string) {
	t.Helper()
	for _, n := range names {
		r, ok := u.runs[n]
		switch {
		case !ok:
			t.Errorf("%s: the guest never ran it", n)
		case r.Exit != 0:
			t.Errorf("%s (luoinspect %s) exited %d:\n%s%s", n, strings.Join(r.Args, " "), r.Exit, u.files[n+".err"], u.out(n))
		}
	}
}

// errorsOf returns the error and warning findings of a validate report.
func errorsOf(r *validate.Report) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == validate.SevError || f.Severity == validate.SevWarning {
			out = append(out, fmt.Sprintf("%s %s: %s", f.Rule, f.Path, f.Message))
		}
	}
	return out
}

// checkOutgoing: on the running old kernel, dump, validate and capture
// succeed although 7.2/7.3 cut debugfs out/fdt short, and the dump says the
// sessions are written only at reboot.
func checkOutgoing(t *testing.T, u *update) {
	exitOK(t, u, "before-dump", "before-tree", "before-validate", "before-capture")
	st := decode[render.State](t, "before-dump", u.files["before-dump.out"])
	if st.Generations.KHO.Tag != "K4" || st.Generations.LUO.Tag != "L-luo-v5" {
		t.Errorf("outgoing generations %s/%s, want K4/L-luo-v5", st.Generations.KHO.Tag, st.Generations.LUO.Tag)
	}
	if !anyContains(st.Notes, "holds") || !anyContains(st.Notes, "read from memory") {
		t.Errorf("outgoing notes do not say the root was completed from memory: %q", st.Notes)
	}
	if !anyContains(st.Notes, "write the sessions at reboot") {
		t.Errorf("outgoing notes do not say the sessions are written at reboot: %q", st.Notes)
	}
	if st.LUO == nil || len(st.LUO.Sessions) != 0 {
		t.Errorf("the running kernel's blob should list no sessions yet: %+v", st.LUO)
	}
	if !bytes.Contains(u.files["before-tree.out"], []byte("write the sessions at reboot")) {
		t.Errorf("the tree does not explain the empty session list:\n%s", u.out("before-tree"))
	}
	if rep := decode[validate.Report](t, "before-validate", u.files["before-validate.out"]); len(errorsOf(rep)) > 0 {
		t.Errorf("validate on the outgoing host: %q", errorsOf(rep))
	}
}

// checkHandover: the dump at kho_populate decodes to exactly what the guest
// made, contents included; validate is clean; compat to the other kernel
// says ok.
func checkHandover(t *testing.T, u *update, cli string) {
	out, code := luoinspect(t, cli, "dump", "--digest", u.handover, "-o", "json")
	if code != 0 {
		t.Fatalf("dump of the handover exited %d", code)
	}
	st := decode[render.State](t, "handover dump", out)
	if st.Stage != "handover" {
		t.Errorf("handover stage %q", st.Stage)
	}
	for _, r := range st.Roots {
		if r.Chosen && uint64(r.Addr) != u.populate[0] {
			t.Errorf("luoinspect chose the root at %#x; kho_populate was handed %#x (%d bytes)", uint64(r.Addr), u.populate[0], u.populate[1])
		}
	}
	if st.LUO == nil {
		t.Fatalf("no LUO state in the handover: problems %+v", st.Problems)
	}
	if len(st.Problems) > 0 {
		t.Errorf("handover problems: %+v", st.Problems)
	}
	want, got := u.made, st.LUO.Sessions
	if len(got) != len(want) {
		t.Errorf("%d sessions in the handover, the guest made %d", len(got), len(want))
	}
	files := 0
	for i := range min(len(got), len(want)) {
		files += len(want[i].Files)
		compareSession(t, want[i], got[i])
	}
	if len(st.LUO.FLBs) != 3 {
		t.Errorf("%d FLBs, want the 3 of LIVEUPDATE_TEST", len(st.LUO.FLBs))
	}
	for _, f := range st.LUO.FLBs {
		if !strings.HasPrefix(f.Name, "liveupdate-test-flb-v") || uint64(f.Count) != uint64(files) {
			t.Errorf("FLB %s count %d, want liveupdate-test-flb-v* with count %d (one per file)", f.Name, f.Count, files)
		}
	}
	if len(st.Memblock) != 1 || st.Memblock[0].Name != "luotest" || st.Memblock[0].Size != 2<<20 {
		t.Errorf("memblock regions %+v, want luotest of 2 MiB (reserve_mem=2M:4096:luotest)", st.Memblock)
	}
	if k := st.KexecMeta; k == nil || k.PreviousRelease != u.from.Release || k.KexecCount != 1 || k.Version != 1 {
		t.Errorf("kexec-metadata %+v, want version 1, previous %s, count 1", k, u.from.Release)
	}
	out, code = luoinspect(t, cli, "validate", u.handover, "-o", "json")
	if rep := decode[validate.Report](t, "handover validate", out); code != 0 || len(errorsOf(rep)) > 0 {
		t.Errorf("validate of the handover: exit %d, %q", code, errorsOf(rep))
	}
	if _, code := luoinspect(t, cli, "compat", u.handover, "--to", "K4+L-luo-v5+M2b"); code != 0 {
		t.Errorf("compat --to K4+L-luo-v5+M2b exited %d", code)
	}
}

// compareSession compares a session of the handover with what the guest
// made: name, and per file token, size, pos, seals and content digest.
func compareSession(t *testing.T, want guestproto.Session, got render.Session) {
	t.Helper()
	if got.Name != want.Name {
		t.Errorf("session %q in the handover where the guest made %q", got.Name, want.Name)
		return
	}
	if len(got.Files) != len(want.Files) {
		t.Errorf("session %q: %d files, want %d", want.Name, len(got.Files), len(want.Files))
		return
	}
	for j, w := range want.Files {
		g := got.Files[j]
		if tok := fmt.Sprintf("%#x", g.Token); tok != w.Token {
			t.Errorf("%s file %d: token %s, want %s", want.Name, j, tok, w.Token)
			continue
		}
		m := g.Memfd
		if m == nil {
			t.Errorf("%s token %s: no memfd payload (%s)", want.Name, w.Token, g.Error)
			continue
		}
		if m.Seals == nil || int64(m.Size) != w.Size || int64(m.Pos) != w.Pos || int(*m.Seals) != w.Seals || m.SHA256 != w.SHA256 {
			t.Errorf("%s token %s: size %d pos %d seals %v sha256 %s%s, the guest made size %d pos %d seals %#x sha256 %s",
				want.Name, w.Token, m.Size, m.Pos, m.Seals, m.SHA256, m.DigestError, w.Size, w.Pos, w.Seals, w.SHA256)
		}
	}
}

// checkIncoming: inside the new kernel, dump and validate never report a
// rejection the kernel did not make, and every file came back whole.
func checkIncoming(t *testing.T, u *update) {
	if !u.reachedAfter || u.opened != "" {
		t.Fatalf("the new kernel: reached init %v, open /dev/liveupdate %q; errors %v", u.reachedAfter, u.opened, u.errors)
	}
	exitOK(t, u, "after-dump", "after-tree", "after-validate", "retrieved-dump", "retrieved-validate")
	for _, n := range []string{"after-validate", "retrieved-validate"} {
		if rep := decode[validate.Report](t, n, u.files[n+".out"]); len(errorsOf(rep)) > 0 {
			t.Errorf("%s: %q", n, errorsOf(rep))
		}
	}
	st := decode[render.State](t, "after-dump", u.files["after-dump.out"])
	if st.Stage != "booted" || len(st.Consumed) != 2 || len(st.Problems) > 0 {
		t.Errorf("incoming dump: stage %q, consumed %+v, problems %+v; want booted with the map and the LUO blob consumed", st.Stage, st.Consumed, st.Problems)
	}
	if len(u.retrieved) != len(u.made) {
		t.Fatalf("retrieved %d sessions of %d", len(u.retrieved), len(u.made))
	}
	for i, w := range u.made {
		g := u.retrieved[i]
		if g.Error != "" || len(g.Files) != len(w.Files) {
			t.Errorf("session %q: retrieve error %q, %d files of %d", w.Name, g.Error, len(g.Files), len(w.Files))
			continue
		}
		for j, wf := range w.Files {
			gf := g.Files[j]
			if gf.Error != "" || gf.Size != wf.Size || gf.Pos != wf.Pos || gf.Seals != wf.Seals || gf.SHA256 != wf.SHA256 {
				t.Errorf("%s token %s: retrieved %+v, made %+v", w.Name, wf.Token, gf, wf)
			}
		}
	}
}

// checkRoots: a dump of the settled new kernel holds the incoming root and
// the new kernel's own; the incoming one is chosen (named by the boot
// handoff, consumed parts shown as such) and --root reads the other.
func checkRoots(t *testing.T, u *update, cli string) {
	if u.settled == "" {
		t.Fatal("no dump of the settled new kernel")
	}
	out, _ := luoinspect(t, cli, "dump", u.settled, "-o", "json")
	st := decode[render.State](t, "settled dump", out)
	var chosen, outgoing *render.Root
	for i, r := range st.Roots {
		switch {
		case r.Chosen:
			chosen = &st.Roots[i]
		case r.Role == "outgoing":
			outgoing = &st.Roots[i]
		}
	}
	if chosen == nil || chosen.Role != "incoming" || !strings.Contains(chosen.Via, "setup_data") || outgoing == nil {
		t.Fatalf("settled dump roots %+v: want the incoming root chosen through setup_data and an outgoing one", st.Roots)
	}
	if st.Stage != "booted" || len(st.Problems) > 0 {
		t.Errorf("settled dump: stage %q, problems %+v", st.Stage, st.Problems)
	}
	if out, code := luoinspect(t, cli, "validate", u.settled, "-o", "json"); code != 0 {
		t.Errorf("validate of the settled dump exited %d: %q", code, errorsOf(decode[validate.Report](t, "settled validate", out)))
	}
	out, _ = luoinspect(t, cli, "dump", u.settled, "--root", fmt.Sprintf("%#x", uint64(outgoing.Addr)), "-o", "json")
	own := decode[render.State](t, "settled --root", out)
	if own.KexecMeta == nil || own.KexecMeta.KexecCount != 2 || own.KexecMeta.PreviousRelease != u.to.Release || own.LUO == nil || own.LUO.LiveupdateNumber != 2 {
		t.Errorf("the new kernel's own root: kexec-metadata %+v, LUO %+v; want count 2 by %s, live update #2", own.KexecMeta, own.LUO, u.to.Release)
	}
}

// checkNothingLost: the capture taken in the guest before the kexec and the
// handover dump differ by nothing but what the kernel writes at reboot;
// one changed byte in a memfd page of the handover is lost data.
func checkNothingLost(t *testing.T, u *update, cli string) {
	snap := filepath.Join(u.dir, "before.snap")
	if err := os.WriteFile(snap, u.files["before.snap"], 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := luoinspect(t, cli, "diff", "--across-update", "--b-side", "incoming", snap, u.handover, "-o", "json")
	if code != 0 {
		t.Errorf("diff capture → handover exited %d:\n%.3000s", code, out)
	}
	if u.settled != "" {
		// The booted incoming side: what the kernel consumed is
		// unverified, never lost.
		out, code = luoinspect(t, cli, "diff", "--across-update", "--b-side", "incoming", u.handover, u.settled)
		if code != 4 || bytes.Contains(out, []byte("lost:")) {
			t.Errorf("diff handover → settled incoming: exit %d, want 4 (unverified, nothing lost):\n%.2000s", code, out)
		}
	}
	out, code = luoinspect(t, cli, "diff", u.handover, u.handover)
	if code != 0 {
		t.Errorf("diff of the handover with itself exited %d:\n%.2000s", code, out)
	}
	changed := filepath.Join(u.dir, "changed.core")
	if err := flipFolioByte(t, u.handover, changed, u.populate[0]); err != nil {
		t.Fatal(err)
	}
	out, code = luoinspect(t, cli, "diff", u.handover, changed)
	if code != 8 || !bytes.Contains(out, []byte("content-changed")) {
		t.Errorf("one changed memfd byte: exit %d, want 8 with content-changed:\n%.2000s", code, out)
	}
}

func anyContains(list []string, s string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
