package validate

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/corpus"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// The malformed corpus (testdata/malformed at the repository root): one
// self-contained file per defect class, each a snapshot the CLI reads
// (an encoded sample, one fixture mutation of fixtures_test.go, blobs as
// debugfs would show them) or a plain FDT blob. index.json lists every
// file with its class and the rule (snapshots) or FDT error code (blobs)
// it must produce. LUOINSPECT_WRITE_MALFORMED=1 rewrites the corpus;
// TestMalformedCorpus checks the committed files.
const corpusDir = "../testdata/malformed"

// corpusEntry is one line of index.json.
type corpusEntry = corpus.Entry

// snapshotCase names a fixture of malformedCases by rule and sample.
type snapshotCase struct {
	file, class, rule, sample, note string
}

var snapshotCases = []snapshotCase{
	{"root-bad-magic.core", "bad magic", "KHO001", s619, "KHO root FDT magic zeroed"},
	{"root-compatible.core", "compat mismatch", "KHO002", s619, "root compatible kho-v9"},
	{"luo-compatible.core", "compat mismatch", "LUO001", sV3, "LUO blob compatible luo-v7"},
	{"memblock-compatible.core", "compat mismatch", "CLI002", sFLB, "memblock region compatible reserve-mem-v9"},
	{"luo-ser-size.core", "bad sizes", "LUO005", sV3, "LUO blob-size 16, smaller than struct luo_ser"},
	{"client-pointer-zero.core", "zero pointers", "KHO007", sFLB, "memblock preserved-data 0"},
	{"session-header-zero.core", "zero pointers", "LUO006", s619, "luo-session-header pointer 0"},
	{"file-data-zero.core", "zero pointers", "LUO025", s619, "file data 0"},
	{"ref-not-preserved.core", "out-of-range pointers", "REF001", sV3, "folio PFN outside every preserved block"},
	{"radix-cycle.core", "cycles", "MAP001", sFLB, "radix root table entry pointing at the root"},
	{"block-chain-cycle.core", "cycles", "LUO016", sV5, "session block chain returns to its first block"},
	{"session-count.core", "huge counts", "LUO007", s619, "session header count 820"},
	{"file-count.core", "huge counts", "LUO015", s619, "file_set_ser.count 129"},
	{"nr-folios.core", "huge counts", "MFD008", sV3, "nr_folios 257 beyond the vmalloc area"},
	{"session-name-unterminated.core", "unterminated names", "LUO008", s619, "session name fills its field without a NUL"},
	{"file-compatible-unterminated.core", "unterminated names", "LUO009", s619, "file compatible without a NUL"},
	{"session-name-duplicate.core", "duplicates", "LUO011", s619, "two sessions named vm0"},
	{"file-token-duplicate.core", "duplicates", "LUO013", s619, "two files with token 1"},
	{"folio-index-duplicate.core", "duplicates", "MFD012", sV3, "two folio records with index 1"},
	{"handler-unknown.core", "unknown handlers", "LUO023", s619, "file handler memfd-v9"},
	{"folio-flags.core", "bad bitfields", "MFD010", sV3, "folio record with an undefined flag bit"},
	{"memfd-seals.core", "bad bitfields", "MFD001", sV3, "memfd seals 0x40"},
	{"vmalloc-order.core", "bad bitfields", "MFD007", sV3, "folio vmalloc order 60"},
	{"block-count-zero.core", "bad block counts", "LUO017", sV5, "session block count 0"},
	{"block-count-mismatch.core", "bad block counts", "LUO018", sV5, "file_set_ser.count 71 for 70 files in blocks"},
}

// extraSnapshotCases are mutations that fixtures_test.go has no fixture
// for (its one fixture per rule picks another defect).
var extraSnapshotCases = []struct {
	snapshotCase
	mutate func(f *fixture)
}{
	{snapshotCase{"radix-bad-entry.core", "bad radix entries", "MAP001", sFLB, "radix root table[4] set: keys above the order-0 marker"},
		func(f *fixture) {
			b := f.bytesAt(f.st.Root.MemoryMap, phys.PageSize)
			for i := 0; i < 512; i++ {
				if v := binary.LittleEndian.Uint64(b[8*i:]); v != 0 {
					binary.LittleEndian.PutUint64(b[8*4:], v)
					return
				}
			}
		}},
	{snapshotCase{"memmap-prop-length.core", "wrong property length", "KHO003", s619, "preserved-memory-map value of 4 bytes"},
		func(f *fixture) {
			e, err := fdt.OpenInto(f.root, len(f.root)+64)
			if err != nil {
				f.t.Fatal(err)
			}
			if err := e.SetProp("/", "preserved-memory-map", []byte{1, 2, 3, 4}); err != nil {
				f.t.Fatal(err)
			}
			e.Pack()
			f.root = bytes.Clone(e.Blob())
		}},
}

// fdtCases are plain FDT blobs: the K1b root of k1b-l619-m1, mutated.
var fdtCases = []struct {
	file, class, code, note string
	mutate                  func(b []byte) []byte
}{
	{"fdt-truncated.dtb", "truncated", "truncated", "root cut to 100 bytes", func(b []byte) []byte { return b[:100] }},
	{"fdt-bad-magic.dtb", "bad magic", "bad magic", "magic 0xd00dfeee", func(b []byte) []byte { b[3] = 0xee; return b }},
	{"fdt-bad-sizes.dtb", "bad sizes", "bad layout", "size_dt_struct larger than the blob", func(b []byte) []byte {
		binary.BigEndian.PutUint32(b[36:], 0x10000)
		return b
	}},
	{"fdt-prop-length.dtb", "wrong property length", "truncated", "first property claims 0xffff bytes", func(b []byte) []byte {
		t, _ := fdt.Parse(b)
		binary.BigEndian.PutUint32(b[t.Root().Properties()[0].Offset+4:], 0xffff)
		return b
	}},
	{"fdt-unterminated-name.dtb", "unterminated names", "bad string", "strings block without a final NUL", func(b []byte) []byte {
		b[len(b)-1] = 'x'
		return b
	}},
	{"fdt-deep.dtb", "huge counts", "bad structure", "2000 nested nodes that never close", func([]byte) []byte {
		const n = 2000
		w := fdt.NewSeqWriter(0)
		for range n {
			w.BeginNode("")
		}
		for range n {
			w.EndNode()
		}
		b, _ := w.Finish()
		for off := 0x40 + 8*n; off < 0x40+12*n; off += 4 {
			binary.BigEndian.PutUint32(b[off:], fdt.TokenNOP)
		}
		return b
	}},
}

// corpusTime is the capture time recorded in every corpus snapshot.
var corpusTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// corpusOptions are the validate options the CLI uses for a snapshot
// with these blobs.
func corpusOptions(blobs *source.Blobs) Options {
	opts := Options{Scratch: blobs.Scratch, Walk: handover.Options{SubBlobs: map[string][]byte{}}}
	for _, sub := range blobs.Subs {
		opts.Walk.SubBlobs[sub.Name] = sub.Data
	}
	return opts
}

// writeCorpusSnapshot writes a mutated fixture as a snapshot: the root
// blob, each client blob read from the mutated memory (as debugfs would
// show it), the scratch areas, and the pages of memory that validating it
// reads (as luoinspect capture keeps), so that each file stays small.
func writeCorpusSnapshot(t *testing.T, f *fixture, path string) {
	blobs := &source.Blobs{Side: source.SideOut, Origin: "malformed fixture", Root: f.root, RootAddr: f.enc.RootAddr, Scratch: f.enc.Scratch}
	if r, _ := kho.DecodeRoot(f.root); r != nil {
		for _, sub := range r.Subtrees {
			size := sub.Size
			if sub.Addr == 0 {
				continue
			}
			if !sub.HasSize {
				hdr, err := phys.Read(f.mem, sub.Addr, fdt.MinHeaderSize, sub.Name)
				if err != nil || binary.BigEndian.Uint32(hdr) != fdt.Magic {
					continue
				}
				size = uint64(binary.BigEndian.Uint32(hdr[4:]))
			}
			if b, err := phys.Read(f.mem, sub.Addr, size, sub.Name); err == nil {
				blobs.Subs = append(blobs.Subs, source.Blob{Name: sub.Name, Data: bytes.Clone(b)})
			}
		}
	}
	rec := phys.NewRecorder(f.mem)
	Run(f.root, rec, corpusOptions(blobs))
	var caps []source.Capture
	for _, r := range phys.Merge(rec.Pages()) {
		b := make([]byte, r.Size)
		if _, err := f.mem.ReadAt(b, r.Start); err != nil {
			t.Fatal(err)
		}
		caps = append(caps, source.Capture{Addr: r.Start, Data: b})
	}
	meta := source.Metadata{Arch: "x86_64", Source: "testdata/malformed/" + filepath.Base(path), Time: corpusTime, ToolVersion: "corpus"}
	if err := source.WriteSnapshot(context.Background(), path, meta, blobs, caps); err != nil {
		t.Fatal(err)
	}
}

// smallV5 is the k4-luov5-m2b sample with every memfd past the second
// replaced by another handler's file: the same sessions, files and block
// chains in a tenth of the memory.
func smallV5(t testing.TB) *fixture {
	spec, err := handover.Sample(sV5)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range spec.Sessions {
		for j := range spec.Sessions[i].Files {
			if fs := &spec.Sessions[i].Files[j]; fs.Memfd != nil {
				if n++; n > 2 {
					fs.Memfd, fs.Handler, fs.Data = nil, "iommufd-v1", uint64(n)<<12
				}
			}
		}
	}
	return specFixture(t, spec)
}

// validateCorpusFile validates a snapshot the way luoinspect validate
// does and returns the rules found and the exit status.
func validateCorpusFile(t *testing.T, path string) (rules []string, exit int) {
	t.Helper()
	s, err := source.OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	blobs, err := s.Blobs()
	if err != nil {
		t.Fatal(err)
	}
	r := Run(blobs.Root, s, corpusOptions(blobs))
	for _, fi := range r.Findings {
		rules = append(rules, fi.Rule)
	}
	if r.Summary.Warnings+r.Summary.Unverified > 0 {
		exit |= 4
	}
	if r.Summary.Errors > 0 {
		exit |= 8
	}
	return rules, exit
}

// corpusFixture returns the fixture of malformedCases for rule on sample.
func corpusFixture(t *testing.T, rule, sample string) func(*fixture) {
	for _, m := range malformedCases {
		if m.rule == rule && m.sample == sample {
			return m.mutate
		}
	}
	t.Fatalf("no fixture for %s on %s", rule, sample)
	return nil
}

// TestWriteMalformedCorpus rewrites testdata/malformed when
// LUOINSPECT_WRITE_MALFORMED is set.
func TestWriteMalformedCorpus(t *testing.T) {
	if os.Getenv("LUOINSPECT_WRITE_MALFORMED") == "" {
		t.Skip("set LUOINSPECT_WRITE_MALFORMED=1 to rewrite testdata/malformed")
	}
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var index []corpusEntry
	add := func(c snapshotCase, mutate func(*fixture)) {
		var f *fixture
		if c.sample == sV5 {
			f = smallV5(t)
		} else {
			f = newFixture(t, c.sample)
		}
		mutate(f)
		path := filepath.Join(corpusDir, c.file)
		writeCorpusSnapshot(t, f, path)
		_, exit := validateCorpusFile(t, path)
		index = append(index, corpusEntry{File: c.file, Class: c.class, Rule: c.rule, Exit: exit, Note: c.sample + ": " + c.note})
	}
	for _, c := range snapshotCases {
		add(c, corpusFixture(t, c.rule, c.sample))
	}
	for _, c := range extraSnapshotCases {
		add(c.snapshotCase, c.mutate)
	}
	old := map[string]corpusEntry{}
	if prev, err := corpus.Read(filepath.Join(corpusDir, "index.json")); err == nil {
		for _, e := range prev {
			old[e.File] = e
		}
	}
	for _, c := range brokenCases {
		index = append(index, writeBrokenCase(t, c, old))
	}
	// A snapshot cut in its last memory range: the file is shorter than
	// its program headers say.
	whole, err := os.ReadFile(filepath.Join(corpusDir, "ref-not-preserved.core"))
	if err != nil {
		t.Fatal(err)
	}
	const cut = "snapshot-truncated.core"
	if err := os.WriteFile(filepath.Join(corpusDir, cut), whole[:len(whole)-100], 0o600); err != nil {
		t.Fatal(err)
	}
	_, oerr := source.OpenSnapshot(filepath.Join(corpusDir, cut))
	if oerr == nil {
		t.Fatal("the truncated snapshot opens")
	}
	index = append(index, corpusEntry{File: cut, Class: "truncated", Error: "truncated", Exit: 1,
		Note: "ref-not-preserved.core without its last 100 bytes"})
	root := newFixture(t, s619).root
	for _, c := range fdtCases {
		b := c.mutate(bytes.Clone(root))
		if err := os.WriteFile(filepath.Join(corpusDir, c.file), b, 0o644); err != nil {
			t.Fatal(err)
		}
		index = append(index, corpusEntry{File: c.file, Class: c.class, FDTCode: c.code, Exit: 4, Note: c.note})
	}
	if err := corpus.Write(filepath.Join(corpusDir, "index.json"), index); err != nil {
		t.Fatal(err)
	}
}

// TestMalformedCorpus reads every file of testdata/malformed the way the
// CLI does and requires the rule or FDT error its index entry names.
func TestMalformedCorpus(t *testing.T) {
	index, err := corpus.Read(filepath.Join(corpusDir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]bool{}
	for _, e := range index {
		classes[e.Class] = true
		if e.Broken != nil {
			continue // driven through the CLI by cmd/luoinspect's TestBrokenStates
		}
		t.Run(e.File, func(t *testing.T) {
			path := filepath.Join(corpusDir, e.File)
			if e.FDTCode != "" {
				blob, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				_, err = fdt.Parse(blob)
				var fe *fdt.Error
				if !errors.As(err, &fe) || fe.Code.String() != e.FDTCode {
					t.Fatalf("fdt.Parse: %v, want code %q", err, e.FDTCode)
				}
				return
			}
			if e.Error != "" {
				_, err := source.OpenSnapshot(path)
				if err == nil || !strings.Contains(err.Error(), e.Error) {
					t.Fatalf("OpenSnapshot: %v, want an error containing %q", err, e.Error)
				}
				return
			}
			rules, exit := validateCorpusFile(t, path)
			if !slices.Contains(rules, e.Rule) || exit != e.Exit || exit == 0 {
				t.Fatalf("findings %v, exit %d; want %s, exit %d", rules, exit, e.Rule, e.Exit)
			}
		})
	}
	for _, c := range []string{"truncated", "bad magic", "bad sizes", "compat mismatch", "wrong property length",
		"out-of-range pointers", "zero pointers", "cycles", "huge counts", "unterminated names", "duplicates",
		"unknown handlers", "bad bitfields", "bad block counts", "bad radix entries"} {
		if !classes[c] {
			t.Errorf("no corpus file of class %q", c)
		}
	}
}
