package inspect

import (
	"context"

	"github.com/luoinspect/luoinspect/phys"
)

// cancellable is a phys.Memory that stops serving reads once its context
// is done, so that a walk, a check, a digest or a comparison reading it
// ends soon after Ctrl-C. It keeps the zero-copy views and the Holds
// answers of the memory it wraps.
type cancellable struct {
	m   phys.Memory
	ctx context.Context
}

// StopOn wraps m so that it stops serving reads once ctx is done; a context that can never be cancelled leaves it alone.
func StopOn(ctx context.Context, m phys.Memory) phys.Memory {
	if ctx == nil || ctx.Done() == nil {
		return m
	}
	return cancellable{m, ctx}
}

// ReadAt reads from the wrapped memory, or fails once ctx is done.
func (c cancellable) ReadAt(p []byte, addr uint64) (int, error) {
	if err := Stopped(c.ctx); err != nil {
		return 0, err
	}
	return c.m.ReadAt(p, addr)
}

// Ranges lists the wrapped memory's ranges.
func (c cancellable) Ranges() []phys.Range { return c.m.Ranges() }

// Holds answers from the wrapped memory.
func (c cancellable) Holds(addr, n uint64) bool { return phys.Holds(c.m, addr, n) }

// View passes zero-copy views through while ctx is not done; callers then
// fall back to ReadAt, which fails.
func (c cancellable) View(addr, n uint64) ([]byte, bool) {
	v, ok := c.m.(phys.Viewer)
	if !ok || c.ctx.Err() != nil {
		return nil, false
	}
	return v.View(addr, n)
}
