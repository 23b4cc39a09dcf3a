package validate

import (
	"bytes"
	"sync"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// fuzzSample is an encoded sample kept as plain bytes, so that each fuzz
// input patches a fresh copy.
type fuzzSample struct {
	root  []byte
	segs  []phys.Range
	data  [][]byte
	total uint64
}

var (
	fuzzOnce    sync.Once
	fuzzSamples []fuzzSample
)

func loadFuzzSamples(t testing.TB) []fuzzSample {
	fuzzOnce.Do(func() {
		for _, name := range handover.SampleNames() {
			enc := encodeSample(t, name)
			s := fuzzSample{root: enc.Root}
			for _, r := range enc.Image.Ranges() {
				b := make([]byte, r.Size)
				if _, err := enc.Image.ReadAt(b, r.Start); err != nil {
					t.Fatal(err)
				}
				s.segs, s.data = append(s.segs, r), append(s.data, b)
				s.total += r.Size
			}
			fuzzSamples = append(fuzzSamples, s)
		}
	})
	return fuzzSamples
}

// patched returns a copy of sample s with data written at offset off of
// the root followed by every image segment (modulo their total length).
func (s *fuzzSample) patched(data []byte, off uint64) ([]byte, *phys.Image) {
	root := bytes.Clone(s.root)
	img := phys.NewImage()
	all := uint64(len(root)) + s.total
	off %= all
	segs := make([][]byte, len(s.data))
	for i, d := range s.data {
		segs[i] = bytes.Clone(d)
	}
	for _, c := range data {
		if off < uint64(len(root)) {
			root[off] = c
		} else {
			o := off - uint64(len(root))
			for _, d := range segs {
				if o < uint64(len(d)) {
					d[o] = c
					break
				}
				o -= uint64(len(d))
			}
		}
		off = (off + 1) % all
	}
	for i, r := range s.segs {
		_ = img.Add(r.Start, segs[i])
	}
	return root, img
}

// FuzzValidate patches bytes into a sample (root or memory) at a chosen
// offset and validates the result: it must not panic, and every finding
// must name a catalogue rule with its severity, counted in the summary.
func FuzzValidate(f *testing.F) {
	f.Add([]byte{0xff}, uint8(0), uint32(0x40))
	f.Add([]byte("luo-v9"), uint8(0), uint32(300))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0}, uint8(4), uint32(5000))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(3), uint32(9000))
	f.Fuzz(func(t *testing.T, data []byte, sample uint8, off uint32) {
		if len(data) > 256 {
			data = data[:256]
		}
		ss := loadFuzzSamples(t)
		s := &ss[int(sample)%len(ss)]
		root, img := s.patched(data, uint64(off))
		r := Run(root, img, Options{})
		var sum Report // counts with the report's own tally
		for _, fi := range r.Findings {
			ru, ok := RuleByID(fi.Rule)
			if !ok || ru.Severity != fi.Severity {
				t.Fatalf("finding %s names no catalogue rule or the wrong severity", fi.String())
			}
			sum.count(fi.Severity)
		}
		for id, n := range r.Suppressed {
			for range n {
				sum.count(rule(id).Severity)
			}
		}
		if sum.Summary != r.Summary {
			t.Fatalf("summary %+v, findings count %+v", r.Summary, sum.Summary)
		}
	})
}
