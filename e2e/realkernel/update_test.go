package realkernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/e2e/realkernel/guestproto"
)

// mutation writes a defect into the guest at the new kernel's
// kho_populate. handover is the dump taken there, before the write, and
// args kho_populate's arguments (fdt_phys, fdt_len, scratch_phys,
// scratch_len).
type mutation func(ctx context.Context, t *testing.T, g *GDB, handover string, args [4]uint64)

// update is the record of one live update from one kernel to another.
type update struct {
	from, to *Kernel
	dir      string
	// made is what the guest preserved; retrieved what it got back (nil
	// when it never got that far).
	made, retrieved []guestproto.Session
	// opened is the result of opening /dev/liveupdate in the new kernel
	// ("" for success); reachedAfter says whether the new kernel ran init.
	opened       string
	reachedAfter bool
	runs         map[string]guestproto.Run
	files        map[string][]byte
	errors       []string
	// handover is the dump at kho_populate; settled the dump of the new
	// kernel after its guest finished ("" when it did not).
	handover, settled string
	// populate holds kho_populate's arguments, read from the new
	// kernel's registers at the breakpoint: fdt_phys, fdt_len,
	// scratch_phys, scratch_len.
	populate [4]uint64
	console  string
	// timings
	boot, catch time.Duration
}

// out returns what a luoinspect run in the guest printed on stdout.
func (u *update) out(name string) string { return string(u.files[name+".out"]) }

// runUpdate boots from, builds the state, catches the handover at to's
// kho_populate (dumping it, and writing mutate's defect when non-nil) and
// lets to boot and retrieve.
func runUpdate(t *testing.T, qemu string, from, to *Kernel, mutate mutation, extraCmdline ...string) *update {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	u := &update{from: from, to: to, dir: shortDir(t), runs: map[string]guestproto.Run{}}
	outer := initrds(t, u.dir, to)
	start := time.Now()
	cmdline := strings.Join(append([]string{baseCmdline}, extraCmdline...), " ")
	m, err := Start(ctx, Config{QEMU: qemu, Kernel: from, Initrd: outer, Cmdline: cmdline, Dir: u.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		m.Kill()
		u.console = m.Console()
		os.WriteFile(filepath.Join(u.dir, "console.log"), []byte(u.console), 0o644)
		u.files, err = m.Files()
		if err != nil {
			t.Errorf("file channel: %v", err)
		}
		if t.Failed() {
			t.Logf("console:\n%s", tail(u.console, 80))
		}
	}()
	seen := func(e guestproto.Event) {
		switch e.Kind {
		case guestproto.EventMade:
			u.made = e.Sessions
		case guestproto.EventRetrieved:
			u.retrieved = e.Sessions
		case guestproto.EventRun:
			u.runs[e.Run.Name] = *e.Run
		case guestproto.EventError:
			u.errors = append(u.errors, e.Phase+": "+e.Error)
		case guestproto.EventOpen:
			if e.Phase == guestproto.PhaseAfter {
				u.reachedAfter = true
				u.opened = e.Error
			}
		}
	}
	if _, err := m.Until(ctx, guestproto.EventReady, seen); err != nil {
		t.Fatalf("%v (guest errors: %v)\n%s", err, u.errors, tail(m.Console(), 60))
	}
	u.boot = time.Since(start)
	addr, err := to.Symbol("kho_populate")
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Debugger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.SetHWBreak(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if err := g.Continue(); err != nil {
		t.Fatal(err)
	}
	catch := time.Now()
	if err := m.SendLine("go"); err != nil {
		t.Fatal(err)
	}
	stopCtx, stopCancel := context.WithTimeout(ctx, 3*time.Minute)
	reply, err := g.WaitStop(stopCtx)
	stopCancel()
	if err != nil {
		t.Fatalf("the new kernel never reached kho_populate: %v\n%s", err, tail(m.Console(), 40))
	}
	if !strings.HasPrefix(reply, "T05") && !strings.HasPrefix(reply, "S05") {
		t.Fatalf("gdbstub stop %q, want a breakpoint (T05)", reply)
	}
	u.catch = time.Since(catch)
	if u.populate, err = g.Args(ctx); err != nil {
		t.Fatal(err)
	}
	u.handover = filepath.Join(u.dir, "handover.core")
	if err := m.Dump(ctx, u.handover); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		if err := g.PhysMode(ctx); err != nil {
			t.Fatal(err)
		}
		mutate(ctx, t, g, u.handover, u.populate)
	}
	if err := g.ClearHWBreak(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if err := g.Continue(); err != nil {
		t.Fatal(err)
	}
	done, err := m.Until(ctx, guestproto.EventDone, seen)
	switch {
	case errors.Is(err, ErrExited):
		// A panic with panic=-1 and -no-reboot ends QEMU.
	case err != nil:
		t.Fatalf("after the kexec: %v", err)
	case done.Phase == guestproto.PhaseAfter:
		u.settled = filepath.Join(u.dir, "settled.core")
		if err := m.Dump(ctx, u.settled); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("the guest finished phase %q: errors %v", done.Phase, u.errors)
	}
	return u
}

// String summarises an update for logs.
func (u *update) String() string {
	return fmt.Sprintf("%s -> %s: boot+build %v, kexec to kho_populate %v, %d sessions made, opened %q",
		u.from.Release, u.to.Release, u.boot.Round(time.Millisecond), u.catch.Round(time.Millisecond), len(u.made), u.opened)
}
