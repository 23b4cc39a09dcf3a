// Package guestproto is what the real-kernel suite's guest program and the
// host test say to each other over the guest's console: one event a line,
// "LUOGUEST " followed by a JSON object, and files over the second serial
// port as "FILE name length\n" followed by the bytes.
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

// Format renders an event as its console line.
func Format(e Event) string {
	b, _ := json.Marshal(e)
	return Prefix + string(b)
}

// Parse reads an event from a console line; ok is false for other lines.
// The console may prefix the line with kernel output, so the prefix is
// searched for.
func Parse(line string) (Event, bool) {
	i := strings.Index(line, Prefix)
	if i < 0 {
		return Event{}, false
	}
	var e Event
	if err := json.Unmarshal([]byte(strings.TrimSpace(line[i+len(Prefix):])), &e); err != nil {
		return Event{}, false
	}
	return e, true
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

// ReadFiles reads every complete file of a file channel's capture. A cut
// last record is reported as an error with the files before it.
func ReadFiles(r io.Reader) (map[string][]byte, error) {
	br := bufio.NewReader(r)
	files := map[string][]byte{}
	for {
		hdr, err := br.ReadString('\n')
		if err == io.EOF && hdr == "" {
			return files, nil
		}
		if err != nil {
			return files, fmt.Errorf("file channel: cut header %q", hdr)
		}
		f := strings.Fields(hdr)
		if len(f) != 3 || f[0] != "FILE" {
			return files, fmt.Errorf("file channel: bad header %q", hdr)
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || n < 0 || n > 1<<30 {
			return files, fmt.Errorf("file channel: bad length in %q", hdr)
		}
		data := make([]byte, n)
		if k, err := io.ReadFull(br, data); err != nil {
			return files, fmt.Errorf("file channel: %s cut after %d of %d bytes", f[1], k, n)
		}
		files[f[1]] = data
	}
}
