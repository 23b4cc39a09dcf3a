package source

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/luoinspect/luoinspect/phys"
)

// Capture is one physical range to store: Size bytes at Addr taken from
// Data, or from Reader when Data is nil.
type Capture struct {
	// Addr is the physical address of the first byte.
	Addr uint64
	// Size is the length; with Data, 0 means len(Data).
	Size uint64
	// Data holds the bytes, or is nil when Reader gives them.
	Data []byte
	// Reader gives exactly Size bytes when Data is nil.
	Reader io.Reader
}

// CaptureRange returns a Capture that streams r out of m when written.
func CaptureRange(m phys.Memory, r phys.Range) Capture {
	return Capture{Addr: r.Start, Size: r.Size, Reader: &memReader{m: m, addr: r.Start, left: r.Size}}
}

// memReader reads a physical range of m from its start to its end.
type memReader struct {
	m          phys.Memory
	addr, left uint64
}

// Read reads the next bytes of the range.
func (r *memReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(uint64(len(p)), r.left)]
	n, err := r.m.ReadAt(p, r.addr)
	r.addr += uint64(n)
	r.left -= uint64(n)
	return n, err
}

// rng is the memory the capture covers.
func (c Capture) rng() phys.Range { return phys.Range{Start: c.Addr, Size: c.Size} }

// check completes c.Size from c.Data and refuses a capture without bytes,
// with a Size that contradicts its Data, or wrapping around.
func (c *Capture) check() error {
	if c.Data != nil {
		if c.Size == 0 {
			c.Size = uint64(len(c.Data))
		}
		if c.Size != uint64(len(c.Data)) {
			return fmt.Errorf("snapshot: capture at PA 0x%x: Size %d but %d bytes of Data", c.Addr, c.Size, len(c.Data))
		}
	} else if c.Reader == nil {
		return fmt.Errorf("snapshot: capture at PA 0x%x has neither Data nor Reader", c.Addr)
	}
	if c.Size == 0 {
		return fmt.Errorf("snapshot: capture at PA 0x%x is empty", c.Addr)
	}
	if c.Addr+c.Size < c.Addr {
		return fmt.Errorf("snapshot: capture at PA 0x%x of %d bytes wraps around", c.Addr, c.Size)
	}
	return nil
}

// sortCaptures returns a checked copy of captures in address order, and
// an error when two overlap or there are more than the program header
// table takes without PN_XNUM.
func sortCaptures(captures []Capture) ([]Capture, error) {
	caps := slices.Clone(captures)
	for i := range caps {
		if err := caps[i].check(); err != nil {
			return nil, err
		}
	}
	if a, b, ok := phys.FirstOverlap(caps, Capture.rng); ok {
		return nil, fmt.Errorf("snapshot: captures at PA 0x%x and 0x%x overlap", a.Addr, b.Addr)
	}
	if 1+len(caps) >= 0xffff {
		return nil, fmt.Errorf("snapshot: %d ranges; at most %d fit without PN_XNUM", len(caps), 0xffff-2)
	}
	return caps, nil
}

// copyCapture writes c to w in chunks, checking ctx between chunks.
func copyCapture(ctx context.Context, w io.Writer, c Capture, buf []byte) error {
	for done := uint64(0); done < c.Size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(uint64(len(buf)), c.Size-done)
		var chunk []byte
		if c.Data != nil {
			chunk = c.Data[done : done+n]
		} else {
			k, err := io.ReadFull(c.Reader, buf[:n])
			if err != nil {
				return fmt.Errorf("capture at PA 0x%x: read %d of %d bytes: %w", c.Addr, done+uint64(k), c.Size, err)
			}
			chunk = buf[:n]
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		done += n
	}
	return nil
}
