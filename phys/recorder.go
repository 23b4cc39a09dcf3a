package phys

// Recorder is a Memory that passes reads through to another Memory and
// remembers every range it served, so that a capture can save exactly the
// memory a walk of the state touched.
type Recorder struct {
	M    Memory
	read []Range
}

// NewRecorder wraps m.
func NewRecorder(m Memory) *Recorder { return &Recorder{M: m} }

// ReadAt reads from the wrapped memory and records what it returned.
func (r *Recorder) ReadAt(p []byte, addr uint64) (int, error) {
	n, err := r.M.ReadAt(p, addr)
	if n > 0 {
		r.read = append(r.read, Range{addr, uint64(n)})
	}
	return n, err
}

// Ranges lists the wrapped memory's ranges.
func (r *Recorder) Ranges() []Range { return r.M.Ranges() }

// Holds answers from the wrapped memory.
func (r *Recorder) Holds(addr, n uint64) bool { return Holds(r.M, addr, n) }

// View passes zero-copy views through when the wrapped memory offers them.
func (r *Recorder) View(addr, n uint64) ([]byte, bool) {
	v, ok := r.M.(Viewer)
	if !ok {
		return nil, false
	}
	b, ok := v.View(addr, n)
	if ok {
		r.read = append(r.read, Range{addr, n})
	}
	return b, ok
}

// Record adds a range as if it had been read.
func (r *Recorder) Record(addr, n uint64) { r.read = append(r.read, Range{addr, n}) }

// Pages returns the recorded ranges widened to whole pages and merged.
func (r *Recorder) Pages() []Range {
	out := make([]Range, 0, len(r.read))
	for _, rg := range r.read {
		start := rg.Start &^ (PageSize - 1)
		end := (rg.End() + PageSize - 1) &^ (PageSize - 1)
		if end < start { // the range ends in the last page of the address space
			end = ^uint64(0) &^ (PageSize - 1)
		}
		out = append(out, Range{start, end - start})
	}
	return Merge(out)
}
