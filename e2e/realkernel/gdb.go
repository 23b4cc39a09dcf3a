package realkernel

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"
)

// GDB is a minimal client of QEMU's gdbstub (the GDB remote serial
// protocol): stop, hardware breakpoints, continue, and reads and writes of
// guest physical memory.
type GDB struct {
	conn net.Conn
	r    *bufio.Reader
}

// DialGDB connects to the gdbstub's unix socket. QEMU stops the guest when
// a debugger connects.
func DialGDB(ctx context.Context, sock string) (*GDB, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return nil, fmt.Errorf("gdbstub: %w", err)
	}
	g := &GDB{conn: conn, r: bufio.NewReader(conn)}
	// The stop reason tells that the guest is stopped.
	if _, err := g.Command(ctx, "?"); err != nil {
		conn.Close()
		return nil, err
	}
	return g, nil
}

// Close closes the connection; QEMU lets the guest run on.
func (g *GDB) Close() error { return g.conn.Close() }

func (g *GDB) send(payload string) error {
	var sum byte
	for i := 0; i < len(payload); i++ {
		sum += payload[i]
	}
	_, err := fmt.Fprintf(g.conn, "$%s#%02x", payload, sum)
	return err
}

// readPacket reads one packet, acknowledging it, skipping acks.
func (g *GDB) readPacket() (string, error) {
	for {
		c, err := g.r.ReadByte()
		if err != nil {
			return "", err
		}
		if c != '$' {
			continue // '+' acks, stray bytes
		}
		body, err := g.r.ReadString('#')
		if err != nil {
			return "", err
		}
		if _, err := g.r.Discard(2); err != nil {
			return "", err
		}
		g.conn.Write([]byte("+"))
		return strings.TrimSuffix(body, "#"), nil
	}
}

func (g *GDB) bind(ctx context.Context) func() {
	if dl, ok := ctx.Deadline(); ok {
		g.conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { g.conn.SetDeadline(time.Unix(1, 0)) })
	return func() { stop(); g.conn.SetDeadline(time.Time{}) }
}

// Command sends one packet and returns the reply; an "E nn" reply is an
// error.
func (g *GDB) Command(ctx context.Context, payload string) (string, error) {
	defer g.bind(ctx)()
	if err := g.send(payload); err != nil {
		return "", fmt.Errorf("gdbstub %q: %w", payload, err)
	}
	reply, err := g.readPacket()
	if err != nil {
		return "", fmt.Errorf("gdbstub %q: %w", payload, err)
	}
	if len(reply) == 3 && reply[0] == 'E' {
		return reply, fmt.Errorf("gdbstub %q: error %s", payload, reply)
	}
	return reply, nil
}

func (g *GDB) ok(ctx context.Context, payload string) error {
	reply, err := g.Command(ctx, payload)
	if err != nil {
		return err
	}
	for strings.HasPrefix(reply, "T") || strings.HasPrefix(reply, "S") {
		// A stop notification that raced the command; the reply follows.
		if reply, err = g.WaitStop(ctx); err != nil {
			return err
		}
	}
	if reply != "OK" {
		return fmt.Errorf("gdbstub %q: reply %q, want OK", payload, reply)
	}
	return nil
}

// SetHWBreak sets a hardware breakpoint at the virtual address addr.
func (g *GDB) SetHWBreak(ctx context.Context, addr uint64) error {
	return g.ok(ctx, fmt.Sprintf("Z1,%x,1", addr))
}

// ClearHWBreak removes the hardware breakpoint at addr.
func (g *GDB) ClearHWBreak(ctx context.Context, addr uint64) error {
	return g.ok(ctx, fmt.Sprintf("z1,%x,1", addr))
}

// Continue resumes the guest without waiting for it to stop.
func (g *GDB) Continue() error { return g.send("c") }

// WaitStop waits for the stop reply that follows a Continue.
func (g *GDB) WaitStop(ctx context.Context) (string, error) {
	defer g.bind(ctx)()
	reply, err := g.readPacket()
	if err != nil {
		return "", fmt.Errorf("gdbstub: wait for stop: %w", err)
	}
	return reply, nil
}

// Args returns the first four integer arguments of the function the guest
// stopped at (rdi, rsi, rdx, rcx in the x86-64 calling convention), read
// from the register file ('g': rax, rbx, rcx, rdx, rsi, rdi, … as 8-byte
// little-endian hex).
func (g *GDB) Args(ctx context.Context) ([4]uint64, error) {
	var args [4]uint64
	reply, err := g.Command(ctx, "g")
	if err != nil {
		return args, err
	}
	for i, reg := range []int{5, 4, 3, 2} {
		if len(reply) < (reg+1)*16 {
			return args, fmt.Errorf("gdbstub: register file of %d hex digits", len(reply))
		}
		b, err := hex.DecodeString(reply[reg*16 : (reg+1)*16])
		if err != nil {
			return args, err
		}
		args[i] = binary.LittleEndian.Uint64(b)
	}
	return args, nil
}

// PhysMode switches memory reads and writes to guest physical addresses.
func (g *GDB) PhysMode(ctx context.Context) error {
	return g.ok(ctx, "Qqemu.PhyMemMode:1")
}

// WriteMem writes data at addr (physical in PhysMode).
func (g *GDB) WriteMem(ctx context.Context, addr uint64, data []byte) error {
	return g.ok(ctx, fmt.Sprintf("M%x,%x:%s", addr, len(data), hex.EncodeToString(data)))
}

// ReadMem reads n bytes at addr (physical in PhysMode).
func (g *GDB) ReadMem(ctx context.Context, addr uint64, n int) ([]byte, error) {
	reply, err := g.Command(ctx, fmt.Sprintf("m%x,%x", addr, n))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(reply)
}
