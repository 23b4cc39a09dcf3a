// Package realkernel runs real Linux kernels that write the live-update
// handover state (Debian's linux-source-7.2 and -7.3, built by
// scripts/kernel.sh) in QEMU: a guest program builds sessions and memfds
// through /dev/liveupdate, kexecs with KHO, and retrieves them in the new
// kernel, while the host catches the handover at the new kernel's
// kho_populate through the gdbstub, dumps it over QMP and can write
// mutations into it. Its tests hold luoinspect to what the kernels do.
package realkernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/luoinspect/luoinspect/e2e"
	"github.com/luoinspect/luoinspect/e2e/realkernel/guestproto"
)

// Config describes one guest.
type Config struct {
	QEMU    string
	Kernel  *Kernel
	Initrd  string
	Cmdline string
	// MemMiB is the guest RAM (default 1024).
	MemMiB int
	// Dir receives the sockets and the file channel.
	Dir string
}

// Machine is a running guest.
type Machine struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	QMP     *e2e.QMP
	gdbSock string
	files   string
	events  chan guestproto.Event
	exited  chan struct{}
	waitErr error

	mu       sync.Mutex
	console  strings.Builder
	received map[string][]byte // file channel records other than events
	chanErr  error             // a malformed record on the file channel
	followed chan struct{}     // closed when follow has read the channel
}

// Start boots the guest. Its console is read line by line; events go to
// Next.
func Start(ctx context.Context, cfg Config) (*Machine, error) {
	if cfg.MemMiB == 0 {
		cfg.MemMiB = 1024
	}
	m := &Machine{
		gdbSock:  filepath.Join(cfg.Dir, "gdb.sock"),
		files:    filepath.Join(cfg.Dir, "files.bin"),
		events:   make(chan guestproto.Event, 1024),
		exited:   make(chan struct{}),
		received: map[string][]byte{},
		followed: make(chan struct{}),
	}
	qmpSock := filepath.Join(cfg.Dir, "qmp.sock")
	esc := func(s string) string { return strings.ReplaceAll(s, ",", ",,") }
	args := []string{
		"-machine", "pc", "-accel", "tcg", "-smp", "1", "-m", fmt.Sprint(cfg.MemMiB),
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-kernel", cfg.Kernel.BzImage(), "-initrd", cfg.Initrd, "-append", cfg.Cmdline,
		"-serial", "stdio", "-serial", "file:" + esc(m.files),
		"-qmp", "unix:" + esc(qmpSock) + ",server=on,wait=off",
		"-chardev", "socket,id=gdb0,path=" + esc(m.gdbSock) + ",server=on,wait=off",
		"-gdb", "chardev:gdb0",
	}
	m.cmd = exec.Command(cfg.QEMU, args...)
	var err error
	if m.stdin, err = m.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := m.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	m.cmd.Stderr = &consoleWriter{m}
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.QEMU, err)
	}
	done := make(chan struct{})
	go func() {
		io.Copy(&consoleWriter{m}, stdout)
		close(done)
	}()
	go func() {
		<-done
		m.waitErr = m.cmd.Wait()
		close(m.exited)
	}()
	go m.follow()
	m.QMP, err = e2e.DialQMP(ctx, qmpSock, m.exited)
	if err != nil {
		m.Kill()
		return nil, fmt.Errorf("%w\nconsole:\n%s", err, m.Console())
	}
	return m, nil
}

type consoleWriter struct{ m *Machine }

func (c *consoleWriter) Write(p []byte) (int, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	return c.m.console.Write(p)
}

// Console is everything the guest console and QEMU printed so far.
func (m *Machine) Console() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.console.String()
}

// ErrExited is returned by Next when QEMU is gone and every event was
// read.
var ErrExited = errors.New("QEMU exited")

// Next returns the next event of the guest.
func (m *Machine) Next(ctx context.Context) (guestproto.Event, error) {
	select {
	case e := <-m.events:
		return e, nil
	default:
	}
	select {
	case e := <-m.events:
		return e, nil
	case <-m.exited:
		select {
		case e := <-m.events:
			return e, nil
		default:
			return guestproto.Event{}, ErrExited
		}
	case <-ctx.Done():
		return guestproto.Event{}, ctx.Err()
	}
}

// Until reads events until one of kind arrives, handing each to seen
// (which may be nil), and returns that event.
func (m *Machine) Until(ctx context.Context, kind string, seen func(guestproto.Event)) (guestproto.Event, error) {
	for {
		e, err := m.Next(ctx)
		if err != nil {
			return e, fmt.Errorf("waiting for %q: %w", kind, err)
		}
		if seen != nil {
			seen(e)
		}
		if e.Kind == kind {
			return e, nil
		}
	}
}

// SendLine types a line on the guest console.
func (m *Machine) SendLine(s string) error {
	_, err := io.WriteString(m.stdin, s+"\n")
	return err
}

// Debugger stops the guest and connects to the gdbstub. (Stopping first
// over QMP keeps the gdbstub from sending an unsolicited stop reply when
// it stops the guest itself on connect.)
func (m *Machine) Debugger(ctx context.Context) (*GDB, error) {
	if _, err := m.QMP.Execute(ctx, "stop", nil); err != nil {
		return nil, err
	}
	return DialGDB(ctx, m.gdbSock)
}

// Dump writes the guest's physical memory to path as an ELF core
// (dump-guest-memory, paging off).
func (m *Machine) Dump(ctx context.Context, path string) error {
	_, err := m.QMP.Execute(ctx, "dump-guest-memory", map[string]any{"paging": false, "protocol": "file:" + path})
	return err
}

// follow reads the file channel as QEMU writes it, until QEMU is gone and
// the file is read to its end: events go to Next, files to Files.
func (m *Machine) follow() {
	defer close(m.followed)
	var f *os.File
	for f == nil {
		var err error
		if f, err = os.Open(m.files); err != nil {
			select {
			case <-m.exited:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	defer f.Close()
	r := guestproto.NewReader(&growingFile{f: f, stop: m.exited})
	for {
		name, data, err := r.Next()
		if err != nil {
			if err != io.EOF {
				m.mu.Lock()
				m.chanErr = err
				m.mu.Unlock()
			}
			return
		}
		if name != guestproto.EventRecord {
			m.mu.Lock()
			m.received[name] = data
			m.mu.Unlock()
			continue
		}
		var e guestproto.Event
		if err := json.Unmarshal(data, &e); err != nil {
			m.mu.Lock()
			m.chanErr = fmt.Errorf("event %q: %w", data, err)
			m.mu.Unlock()
			return
		}
		m.events <- e
	}
}

// tail reads a growing file, waiting at its end until stop is closed.
type growingFile struct {
	f    *os.File
	stop <-chan struct{}
}

func (t *growingFile) Read(p []byte) (int, error) {
	for {
		n, err := t.f.Read(p)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		select {
		case <-t.stop:
			return t.f.Read(p) // what came before QEMU exited
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Files returns what the guest sent over the file channel, and an error
// when the channel held a malformed record. It waits for QEMU to be gone
// and the channel read.
func (m *Machine) Files() (map[string][]byte, error) {
	select {
	case <-m.followed:
	case <-time.After(30 * time.Second):
		return nil, errors.New("the file channel was not read to its end")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.received), m.chanErr
}

// Kill stops QEMU and waits for it.
func (m *Machine) Kill() {
	select {
	case <-m.exited:
		return
	default:
	}
	m.cmd.Process.Kill()
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
	}
}
