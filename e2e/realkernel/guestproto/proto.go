// Package guestproto is what the real-kernel suite's guest program and the
// host test say to each other. Everything travels over the guest's second
// serial port as records, "FILE name length\n" followed by the bytes: the
// events (records named "event", one JSON object each) and the files the
// host reads (luoinspect's outputs, a capture). The console carries the
// kernel's messages, which may cut into any line a program writes there,
// so it only gets a short human-readable line per event.
package guestproto

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Prefix starts every event line on the console.
const Prefix = "LUOGUEST "

// Phases of the guest, chosen by the luoguest.phase= kernel parameter.
const (
	PhaseBefore = "before" // cold boot: build the state, inspect it, kexec
	PhaseAfter  = "after"  // the kexec'd kernel: inspect, retrieve, inspect
)

// Event kinds.
const (
	EventMade      = "made"      // Sessions: what the guest preserved
	EventRun       = "run"       // Run: one luoinspect invocation inside the guest
	EventReady     = "ready"     // waiting for "go" on the console before the kexec
	EventRetrieved = "retrieved" // Sessions: what the guest got back
	EventOpen      = "open"      // Error: the result of opening /dev/liveupdate
	EventError     = "error"     // Error: a step failed
	EventDone      = "done"      // the phase is over
)

// Event is one line the guest prints.
type Event struct {
	Kind     string    `json:"kind"`
	Phase    string    `json:"phase,omitempty"`
	Kernel   string    `json:"kernel,omitempty"`
	Sessions []Session `json:"sessions,omitempty"`
	Run      *Run      `json:"run,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Session is one session the guest made or retrieved.
type Session struct {
	Name  string `json:"name"`
	Files []File `json:"files"`
	// Error is why the session could not be retrieved.
	Error string `json:"error,omitempty"`
}

// File is one memfd of a session.
type File struct {
	// Token is the preservation token, as "0x…" so no JSON reader rounds it.
	Token string `json:"token"`
	Size  int64  `json:"size"`
	Pos   int64  `json:"pos"`
	Seals int    `json:"seals"`
	// HugePages is true for a memfd written with shmem THP forced on.
	HugePages bool `json:"huge_pages,omitempty"`
	// SHA256 is the digest of the contents (holes read as zeros), hex.
	SHA256 string `json:"sha256"`
	// Error is why the file could not be retrieved or read.
	Error string `json:"error,omitempty"`
}

// Run is one luoinspect invocation: its arguments, exit code and outputs
// (the outputs go over the file channel under Name+".out" and ".err").
type Run struct {
	Name string   `json:"name"`
	Args []string `json:"args"`
	Exit int      `json:"exit"`
}

// EventRecord is the record name of events.
const EventRecord = "event"

// WriteEvent sends an event over the file channel.
func WriteEvent(w io.Writer, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return WriteFile(w, EventRecord, b)
}

// ConsoleLine is the short line the guest prints on the console for an
// event, for people reading the log.
func ConsoleLine(e Event) string {
	line := Prefix + e.Phase + " " + e.Kind
	switch {
	case e.Run != nil:
		line += fmt.Sprintf(" %s exit %d", e.Run.Name, e.Run.Exit)
	case e.Sessions != nil:
		line += fmt.Sprintf(" %d sessions", len(e.Sessions))
	}
	if e.Error != "" {
		line += ": " + e.Error
	}
	return line
}

// WriteFile sends one file over the file channel.
func WriteFile(w io.Writer, name string, data []byte) error {
	if strings.ContainsAny(name, " \n") {
		return fmt.Errorf("file name %q has a space or newline", name)
	}
	if _, err := fmt.Fprintf(w, "FILE %s %d\n", name, len(data)); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// Reader reads the records of a file channel in order.
type Reader struct{ br *bufio.Reader }

// NewReader reads records from r.
func NewReader(r io.Reader) *Reader { return &Reader{bufio.NewReader(r)} }

// Next returns the next record; io.EOF at a clean end, another error for a
// cut or malformed record.
func (r *Reader) Next() (name string, data []byte, err error) {
	hdr, err := r.br.ReadString('\n')
	if err == io.EOF && hdr == "" {
		return "", nil, io.EOF
	}
	if err != nil {
		return "", nil, fmt.Errorf("file channel: cut header %q", hdr)
	}
	f := strings.Fields(hdr)
	if len(f) != 3 || f[0] != "FILE" {
		return "", nil, fmt.Errorf("file channel: bad header %q", hdr)
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || n < 0 || n > 1<<30 {
		return "", nil, fmt.Errorf("file channel: bad length in %q", hdr)
	}
	data = make([]byte, n)
	if k, err := io.ReadFull(r.br, data); err != nil {
		return "", nil, fmt.Errorf("file channel: %s cut after %d of %d bytes", f[1], k, n)
	}
	return f[1], data, nil
}
