// Package e2e holds end-to-end tests that run luoinspect against real
// components: a QEMU guest whose RAM holds an encoded handover state, dumped
// with QMP dump-guest-memory and pmemsave and read back through the
// source and handover packages and the CLI.
//
// The package has no API of its own; qmp.go is the minimal QEMU Machine
// Protocol client the tests drive QEMU with.
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// QMP is a minimal QEMU Machine Protocol client over one connection: it
// reads the greeting, negotiates capabilities and runs commands one at a
// time, skipping asynchronous events.
type QMP struct {
	conn net.Conn
	dec  *json.Decoder
	enc  *json.Encoder
	id   int
	// Events collects the asynchronous events seen while waiting for
	// replies (e.g. DUMP_COMPLETED), by name.
	Events []string
}

// QMPError is an error reply from QEMU.
type QMPError struct {
	Command string
	Class   string
	Desc    string
}

func (e *QMPError) Error() string {
	return fmt.Sprintf("qmp %s: %s: %s", e.Command, e.Class, e.Desc)
}

// qmpMessage is any message QEMU sends: the greeting, a reply or an event.
type qmpMessage struct {
	QMP    json.RawMessage `json:"QMP"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
	Event string          `json:"event"`
	ID    json.RawMessage `json:"id"`
}

// DialQMP connects to the QMP unix socket at path, retrying until QEMU
// listens on it, ctx ends, or exited (when non-nil) is closed because the
// QEMU process is gone. It then reads the greeting and leaves command
// mode negotiated (qmp_capabilities).
func DialQMP(ctx context.Context, path string, exited <-chan struct{}) (*QMP, error) {
	var d net.Dialer
	var conn net.Conn
	for {
		var err error
		conn, err = d.DialContext(ctx, "unix", path)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("qmp: connect %s: %w (last error: %v)", path, ctx.Err(), err)
		case <-exited:
			return nil, fmt.Errorf("qmp: connect %s: QEMU exited", path)
		case <-time.After(20 * time.Millisecond):
		}
	}
	q := &QMP{conn: conn, dec: json.NewDecoder(conn), enc: json.NewEncoder(conn)}
	stop := q.bind(ctx)
	defer stop()
	var greeting qmpMessage
	if err := q.dec.Decode(&greeting); err != nil {
		conn.Close()
		return nil, fmt.Errorf("qmp: read greeting: %w", q.ctxErr(ctx, err))
	}
	if greeting.QMP == nil {
		conn.Close()
		return nil, errors.New("qmp: the first message is not a QMP greeting")
	}
	if _, err := q.execute(ctx, "qmp_capabilities", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return q, nil
}

// bind makes blocking reads and writes on the connection end when ctx
// does; the returned func undoes it.
func (q *QMP) bind(ctx context.Context) func() {
	if dl, ok := ctx.Deadline(); ok {
		q.conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { q.conn.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		q.conn.SetDeadline(time.Time{})
	}
}

func (q *QMP) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Execute runs one command with args (nil for none) and returns its
// "return" value. An error reply is a *QMPError.
func (q *QMP) Execute(ctx context.Context, command string, args any) (json.RawMessage, error) {
	stop := q.bind(ctx)
	defer stop()
	return q.execute(ctx, command, args)
}

func (q *QMP) execute(ctx context.Context, command string, args any) (json.RawMessage, error) {
	q.id++
	id := fmt.Sprintf("luoinspect-%d", q.id)
	req := struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
		ID        string `json:"id"`
	}{command, args, id}
	if err := q.enc.Encode(req); err != nil {
		return nil, fmt.Errorf("qmp %s: send: %w", command, q.ctxErr(ctx, err))
	}
	for {
		var m qmpMessage
		if err := q.dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("qmp %s: read reply: %w", command, q.ctxErr(ctx, err))
		}
		if m.Event != "" {
			q.Events = append(q.Events, m.Event)
			continue
		}
		var got string
		if json.Unmarshal(m.ID, &got) != nil || got != id {
			continue // not ours (QEMU answers in order; be lenient)
		}
		if m.Error != nil {
			return nil, &QMPError{Command: command, Class: m.Error.Class, Desc: m.Error.Desc}
		}
		return m.Return, nil
	}
}

// Close closes the connection.
func (q *QMP) Close() error { return q.conn.Close() }
