//go:build linux

// Command guest is the init process of the real-kernel suite's QEMU guest.
// On a cold boot (luoguest.phase=before) it builds a live-update state
// through /dev/liveupdate, runs luoinspect on the running kernel, waits for
// "go" on the console and kexecs into /boot/next with KHO. In the new kernel
// (luoguest.phase=after) it runs luoinspect, retrieves every session and
// file it had made, reports what it got, runs luoinspect again and halts.
// Events go to the console (see guestproto), files to /dev/ttyS1.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/luoinspect/luoinspect/e2e/realkernel/guestproto"
	"github.com/luoinspect/luoinspect/internal/liveupdate"
	"golang.org/x/sys/unix"
)

const (
	luoinspect = "/bin/luoinspect"
	nextKernel = "/boot/next"
	nextInitrd = "/boot/initrd"
	shmemTHP   = "/sys/kernel/mm/transparent_hugepage/shmem_enabled"
)

type guest struct {
	phase   string
	cmdline string
	kernel  string
	files   io.Writer
	// quiet (luoguest.inspect=0) skips the luoinspect runs: the mutation
	// runs only need the kernel's verdict.
	quiet bool
}

func main() {
	g := &guest{}
	if err := g.setup(); err != nil {
		g.emit(guestproto.Event{Kind: guestproto.EventError, Error: "setup: " + err.Error()})
		halt()
	}
	var err error
	switch g.phase {
	case guestproto.PhaseBefore:
		err = g.before()
	case guestproto.PhaseAfter:
		err = g.after()
	default:
		err = fmt.Errorf("luoguest.phase=%q: want before or after", g.phase)
	}
	if err != nil {
		g.emit(guestproto.Event{Kind: guestproto.EventError, Phase: g.phase, Error: err.Error()})
	}
	g.emit(guestproto.Event{Kind: guestproto.EventDone, Phase: g.phase})
	halt()
}

func halt() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}

func (g *guest) emit(e guestproto.Event) {
	if e.Phase == "" {
		e.Phase = g.phase
	}
	fmt.Fprintln(os.Stdout, guestproto.ConsoleLine(e))
	if g.files != nil {
		guestproto.WriteEvent(g.files, e)
	}
}

func (g *guest) setup() error {
	for _, m := range []struct{ src, dir, fs string }{
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"devtmpfs", "/dev", "devtmpfs"},
		{"debugfs", "/sys/kernel/debug", "debugfs"},
		{"tmpfs", "/tmp", "tmpfs"},
	} {
		os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.src, m.dir, m.fs, 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("mount %s: %w", m.dir, err)
		}
	}
	b, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return err
	}
	g.cmdline = strings.TrimSpace(string(b))
	for _, f := range strings.Fields(g.cmdline) {
		if v, ok := strings.CutPrefix(f, "luoguest.phase="); ok {
			g.phase = v
		}
		if f == "luoguest.inspect=0" {
			g.quiet = true
		}
	}
	var u unix.Utsname
	unix.Uname(&u)
	g.kernel = unix.ByteSliceToString(u.Release[:])
	tty, err := os.OpenFile("/dev/ttyS1", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	if err := makeRaw(tty); err != nil {
		return err
	}
	g.files = tty
	return nil
}

// makeRaw turns off every translation of the file channel's tty.
func makeRaw(f *os.File) error {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	return unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}

// inspect runs luoinspect with args and sends its outputs over the file
// channel as name.out and name.err.
func (g *guest) inspect(name string, args ...string) {
	if g.quiet {
		return
	}
	cmd := exec.Command(luoinspect, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"NO_COLOR=1", "PATH=/bin"}
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else {
			code = -1
			errb.WriteString(err.Error())
		}
	}
	guestproto.WriteFile(g.files, name+".out", out.Bytes())
	guestproto.WriteFile(g.files, name+".err", errb.Bytes())
	g.emit(guestproto.Event{Kind: guestproto.EventRun, Run: &guestproto.Run{Name: name, Args: args, Exit: code}})
}

func (g *guest) before() error {
	dev, err := liveupdate.Open()
	g.emit(guestproto.Event{Kind: guestproto.EventOpen, Error: errString(err)})
	if err != nil {
		return err
	}
	made, keep, err := build(dev)
	if err != nil {
		return err
	}
	g.emit(guestproto.Event{Kind: guestproto.EventMade, Kernel: g.kernel, Sessions: made})
	g.inspect("before-dump", "dump", "live", "-o", "json")
	g.inspect("before-tree", "dump", "live")
	g.inspect("before-validate", "validate", "live", "-o", "json")
	g.inspect("before-capture", "capture", "live", "--out", "/tmp/before.snap")
	if snap, err := os.ReadFile("/tmp/before.snap"); err == nil {
		guestproto.WriteFile(g.files, "before.snap", snap)
	}
	g.emit(guestproto.Event{Kind: guestproto.EventReady, Kernel: g.kernel})
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != "go" {
		return fmt.Errorf("want go on the console, got %q", line)
	}
	err = kexec(strings.Replace(g.cmdline, "luoguest.phase=before", "luoguest.phase=after", 1))
	// Only reached when the kexec failed; the descriptors had to stay open
	// until here.
	for _, f := range keep {
		f.Close()
	}
	dev.Close()
	return err
}

// build creates the planned sessions and files and returns what it made
// and the descriptors that must stay open until the kexec.
func build(dev *liveupdate.Device) ([]guestproto.Session, []io.Closer, error) {
	var made []guestproto.Session
	var keep []io.Closer
	for _, sp := range plan() {
		s, err := dev.CreateSession(sp.name)
		if err != nil {
			return nil, nil, err
		}
		keep = append(keep, s)
		ms := guestproto.Session{Name: sp.name, Files: []guestproto.File{}}
		for _, fp := range sp.files {
			f, mf, err := makeMemfd(fp)
			if err != nil {
				return nil, nil, fmt.Errorf("session %q token %#x: %w", sp.name, fp.token, err)
			}
			keep = append(keep, f)
			if err := s.PreserveFD(f, fp.token); err != nil {
				return nil, nil, err
			}
			ms.Files = append(ms.Files, mf)
		}
		made = append(made, ms)
	}
	return made, keep, nil
}

func setTHP(mode string) error {
	return os.WriteFile(shmemTHP, []byte(mode), 0)
}

func makeMemfd(fp filePlan) (*os.File, guestproto.File, error) {
	mf := guestproto.File{Token: fmt.Sprintf("%#x", fp.token), Size: fp.size, Pos: fp.pos, Seals: fp.seals, HugePages: fp.huge}
	if fp.huge {
		if err := setTHP("always"); err != nil {
			return nil, mf, fmt.Errorf("shmem THP: %w", err)
		}
		defer setTHP("never")
	}
	fd, err := unix.MemfdCreate(fmt.Sprintf("luo-%x", fp.token), unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, mf, err
	}
	f := os.NewFile(uintptr(fd), "memfd")
	if err := f.Truncate(fp.size); err != nil {
		f.Close()
		return nil, mf, err
	}
	pages := fp.pages
	if pages == nil {
		for p := int64(0); p*pageSize < fp.size; p++ {
			pages = append(pages, p)
		}
	}
	buf := make([]byte, pageSize)
	for _, p := range pages {
		fill(buf, fp.token, p)
		n := min(int64(pageSize), fp.size-p*pageSize)
		if _, err := f.WriteAt(buf[:n], p*pageSize); err != nil {
			f.Close()
			return nil, mf, err
		}
	}
	if fp.seals != 0 {
		if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, fp.seals); err != nil {
			f.Close()
			return nil, mf, fmt.Errorf("seals %#x: %w", fp.seals, err)
		}
	}
	if _, err := f.Seek(fp.pos, io.SeekStart); err != nil {
		f.Close()
		return nil, mf, err
	}
	if mf.SHA256, err = digest(f, fp.size); err != nil {
		f.Close()
		return nil, mf, err
	}
	return f, mf, nil
}

// digest is the sha256 of the first size bytes of f, read with pread so
// the file position stays.
func digest(f *os.File, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func kexec(cmdline string) error {
	k, err := os.Open(nextKernel)
	if err != nil {
		return err
	}
	defer k.Close()
	i, err := os.Open(nextInitrd)
	if err != nil {
		return err
	}
	defer i.Close()
	if err := unix.KexecFileLoad(int(k.Fd()), int(i.Fd()), cmdline, 0); err != nil {
		return fmt.Errorf("kexec_file_load: %w", err)
	}
	unix.Sync()
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_KEXEC); err != nil {
		return fmt.Errorf("reboot(KEXEC): %w", err)
	}
	return errors.New("reboot(KEXEC) returned")
}

func (g *guest) after() error {
	g.inspect("after-dump", "dump", "live", "-o", "json")
	g.inspect("after-tree", "dump", "live")
	g.inspect("after-validate", "validate", "live", "-o", "json")
	dev, err := liveupdate.Open()
	g.emit(guestproto.Event{Kind: guestproto.EventOpen, Error: errString(err)})
	if err != nil {
		g.inspect("after-failed-open-validate", "validate", "live", "-o", "json")
		return nil
	}
	got, keep := retrieve(dev)
	g.emit(guestproto.Event{Kind: guestproto.EventRetrieved, Kernel: g.kernel, Sessions: got})
	g.inspect("retrieved-dump", "dump", "live", "-o", "json")
	g.inspect("retrieved-validate", "validate", "live", "-o", "json")
	for _, s := range keep {
		if err := s.Finish(); err != nil {
			g.emit(guestproto.Event{Kind: guestproto.EventError, Error: err.Error()})
		}
	}
	return nil
}

// retrieve asks for every planned session and file and reports what came
// back.
func retrieve(dev *liveupdate.Device) ([]guestproto.Session, []*liveupdate.Session) {
	var got []guestproto.Session
	var keep []*liveupdate.Session
	for _, sp := range plan() {
		gs := guestproto.Session{Name: sp.name, Files: []guestproto.File{}}
		s, err := dev.RetrieveSession(sp.name)
		if err != nil {
			gs.Error = err.Error()
			got = append(got, gs)
			continue
		}
		keep = append(keep, s)
		for _, fp := range sp.files {
			gs.Files = append(gs.Files, retrieveFile(s, fp.token))
		}
		got = append(got, gs)
	}
	return got, keep
}

func retrieveFile(s *liveupdate.Session, token uint64) guestproto.File {
	gf := guestproto.File{Token: fmt.Sprintf("%#x", token)}
	f, err := s.RetrieveFD(token)
	if err != nil {
		gf.Error = err.Error()
		return gf
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		gf.Error = err.Error()
		return gf
	}
	gf.Size = fi.Size()
	if gf.Pos, err = f.Seek(0, io.SeekCurrent); err != nil {
		gf.Error = err.Error()
		return gf
	}
	if gf.Seals, err = unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0); err != nil {
		gf.Error = err.Error()
		return gf
	}
	if gf.SHA256, err = digest(f, gf.Size); err != nil {
		gf.Error = err.Error()
	}
	return gf
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
