package validate

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/corpus"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// The broken-state part of the malformed corpus: states a kernel could
// meet after something went wrong, each kept whole (every page of the
// encoded state, unlike the one-rule snapshots that keep only the pages
// validation reads), so that the CLI shows everything around the damage.
// index.json gives each its full finding set, outcome and exit status;
// cmd/luoinspect's TestBrokenStates drives them through the CLI.

// brokenCase is one broken state: a fixture, a mutation, and how the CLI
// opens what it writes.
type brokenCase struct {
	file, class, note string
	fixture           func(t *testing.T) *fixture
	mutate            func(f *fixture)
	// write stores the mutated fixture at path (a whole snapshot when
	// nil) and returns the source spec the CLI opens ("" for path).
	write func(t *testing.T, f *fixture, path string) string
	// args are extra CLI flags (a generation override).
	args []string
}

// v5State is a small L-v5 state (patch v5 kernels, kho-v1 K1b) with an
// FLB: the first FDT-era generation with a luo-flb node.
func v5State(t *testing.T) *fixture {
	return specFixture(t, &handover.Spec{KHO: "K1b", LUO: "L-v5", Memfd: "M1", LiveupdateNumber: 3,
		Sessions: []handover.SessionSpec{
			{Name: "vm0", Files: []handover.FileSpec{{Token: 1, Memfd: &handover.MemfdSpec{Size: 3 * 4096, WithData: true}}}},
			{Name: "vm1", Files: []handover.FileSpec{{Token: 7, Handler: "iommufd-v1", Data: 0x1234}}},
		},
		FLBs: []handover.FLBSpec{{Name: "iommufd-v1", Data: 0x99, Count: 1}}})
}

func sampleFixture(name string) func(t *testing.T) *fixture {
	return func(t *testing.T) *fixture { return newFixture(t, name) }
}

// editLUO edits the LUO client's FDT blob in place.
func (f *fixture) editLUO(edit func(e *fdt.Editor) error) {
	c := f.client("LUO")
	b := f.bytesAt(c.Addr, uint64(len(c.Blob)))
	e, err := fdt.OpenInto(b, len(b))
	if err != nil {
		f.t.Fatal(err)
	}
	if err := edit(e); err != nil {
		f.t.Fatal(err)
	}
	e.Pack()
	packed := bytes.Clone(e.Blob())
	clear(b)
	copy(b, packed)
}

func dropFLBNode(f *fixture) { f.editLUO(func(e *fdt.Editor) error { return e.DelNode("/luo-flb") }) }

// setRootProp sets a property of the root FDT.
func (f *fixture) setRootProp(node, name string, value []byte) {
	e, err := fdt.OpenInto(f.root, len(f.root)+64)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := e.SetProp(node, name, value); err != nil {
		f.t.Fatal(err)
	}
	e.Pack()
	f.root = bytes.Clone(e.Blob())
}

// outside is a physical address no corpus state holds.
const outside = 0x7f0000000

var brokenCases = []brokenCase{
	{file: "flb-node-missing-v5.core", class: "missing parts", note: "L-v5 state without its luo-flb node",
		fixture: v5State, mutate: dropFLBNode},
	{file: "flb-node-missing-v6.core", class: "missing parts", note: "k1b-lv6-m1 without its luo-flb node",
		fixture: sampleFixture("k1b-lv6-m1"), mutate: dropFLBNode},
	{file: "flb-node-missing-k2.core", class: "missing parts", note: "k2-lflb-m1 without its luo-flb node: an L-6.19-shaped blob under a kho-v2 root",
		fixture: sampleFixture(sFLB), mutate: dropFLBNode},
	{file: "feature-required-unknown.core", class: "missing parts", note: "k4-lfeat-m4 whose LUO feature header requires an unknown feature (bit 7)",
		fixture: sampleFixture(sFeat), mutate: func(f *fixture) {
			a := f.client("LUO").Addr
			for _, field := range []string{"supp", "req"} {
				v := f.get("L-feat", "luo_ser", "features."+field, a)
				f.put("L-feat", "luo_ser", "features."+field, a, v|1<<7)
			}
		}},
	{file: "feature-required-unknown-assumed.core", class: "missing parts", note: "the same, read with --luo L-feat",
		fixture: sampleFixture(sFeat), args: []string{"--luo", "L-feat"}, mutate: func(f *fixture) {
			a := f.client("LUO").Addr
			for _, field := range []string{"supp", "req"} {
				v := f.get("L-feat", "luo_ser", "features."+field, a)
				f.put("L-feat", "luo_ser", "features."+field, a, v|1<<7)
			}
		}},
	{file: "root-whole-bad-magic.core", class: "bad root", note: "k1b-l619-m1 whose KHO root magic is zeroed",
		fixture: sampleFixture(s619), mutate: func(f *fixture) { f.root[0] = 0 }},
	{file: "root-totalsize-short.core", class: "bad root", note: "k1b-l619-m1 whose root header says totalsize is 40 bytes less than its blocks span",
		fixture: sampleFixture(s619), mutate: func(f *fixture) {
			binary.BigEndian.PutUint32(f.root[4:], uint32(len(f.root)-40))
		}},
	{file: "root-cut.core", class: "bad root", note: "k1b-l619-m1 whose root blob is cut 40 bytes before its totalsize (the strings block lost)",
		fixture: sampleFixture(s619), mutate: func(f *fixture) { f.root = f.root[:len(f.root)-40] }},
	{file: "client-pointer-short.core", class: "bad root", note: "k2-lflb-m1 whose LUO preserved-data is 4 bytes",
		fixture: sampleFixture(sFLB), mutate: func(f *fixture) { f.setRootProp("/LUO", "preserved-data", []byte{1, 2, 3, 4}) }},
	{file: "client-blob-size-missing.core", class: "bad root", note: "k3-luov3-m2b whose kexec-metadata node lost blob-size",
		fixture: sampleFixture(sV3), mutate: func(f *fixture) { f.replaceRoot("blob-size", "blob-sizx") }},
	{file: "session-header-outside.core", class: "pointers outside the source", note: "k1b-l619-m1 whose session header pointer names memory the dump does not hold",
		fixture: sampleFixture(s619), mutate: func(f *fixture) { f.luoBlobU64(f.st.LUO.Layout.SessionHeader.Addr, outside) }},
	{file: "radix-entry-outside.core", class: "pointers outside the source", note: "k2-lflb-m1 whose first radix root entry names memory the dump does not hold",
		fixture: sampleFixture(sFLB), mutate: func(f *fixture) {
			b := f.bytesAt(f.st.Root.MemoryMap, phys.PageSize)
			for i := 0; i < 512; i++ {
				if binary.LittleEndian.Uint64(b[8*i:]) != 0 {
					binary.LittleEndian.PutUint64(b[8*i:], outside)
					return
				}
			}
		}},
	{file: "debugfs-copy", class: "partial sources", note: "k1b-lv6-m1 as a copied kho debugfs directory: blobs only, no memory",
		fixture: sampleFixture("k1b-lv6-m1"), mutate: func(*fixture) {}, write: writeDebugfsCopy(0)},
	{file: "debugfs-luo-cut", class: "partial sources", note: "the same copy with sub_fdts/LUO cut to 100 bytes",
		fixture: sampleFixture("k1b-lv6-m1"), mutate: func(*fixture) {}, write: writeDebugfsCopy(100)},
	{file: "raw-wrong-base.img", class: "partial sources", note: "k4-lfeat-m4 as a raw image read at base 0x0 instead of 0x100000000",
		fixture: sampleFixture(sFeat), mutate: func(*fixture) {}, write: writeRawImage},
}

// writeWholeSnapshot writes every page of the fixture's image, its root
// and its client blobs as debugfs shows them.
func writeWholeSnapshot(t *testing.T, f *fixture, path string) string {
	blobs := &source.Blobs{Side: source.SideOut, Origin: "malformed fixture", Root: f.root, RootAddr: f.enc.RootAddr, Scratch: f.enc.Scratch}
	if r, _ := kho.DecodeRoot(f.root); r != nil {
		for _, sub := range r.Subtrees {
			if sub.Err != nil || sub.Addr == 0 || !sub.HasSize {
				continue
			}
			if b, err := phys.Read(f.mem, sub.Addr, sub.Size, sub.Name); err == nil {
				blobs.Subs = append(blobs.Subs, source.Blob{Name: sub.Name, Data: bytes.Clone(b)})
			}
		}
	}
	var caps []source.Capture
	for _, r := range f.enc.Image.Ranges() {
		b, _ := f.enc.Image.View(r.Start, r.Size)
		caps = append(caps, source.Capture{Addr: r.Start, Data: bytes.Clone(b)})
	}
	meta := source.Metadata{Arch: "x86_64", Source: "testdata/malformed/" + filepath.Base(path), Time: corpusTime, ToolVersion: "corpus"}
	if err := source.WriteSnapshot(context.Background(), path, meta, blobs, caps); err != nil {
		t.Fatal(err)
	}
	return ""
}

// writeDebugfsCopy writes the fixture as a kho debugfs directory, with
// sub_fdts/LUO cut to cut bytes when cut > 0.
func writeDebugfsCopy(cut int) func(t *testing.T, f *fixture, path string) string {
	return func(t *testing.T, f *fixture, path string) string {
		if err := os.RemoveAll(path); err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		if err := f.enc.WriteDebugfs(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(tmp, "out"), path); err != nil {
			t.Fatal(err)
		}
		if cut > 0 {
			if err := os.Truncate(filepath.Join(path, "sub_fdts", "LUO"), int64(cut)); err != nil {
				t.Fatal(err)
			}
		}
		return ""
	}
}

// writeRawImage writes the image as a raw file whose first byte is
// handover.DefaultBase, and opens it at base 0.
func writeRawImage(t *testing.T, f *fixture, path string) string {
	var end uint64
	for _, r := range f.enc.Image.Ranges() {
		end = max(end, r.End())
	}
	img := make([]byte, end-handover.DefaultBase)
	for _, r := range f.enc.Image.Ranges() {
		b, _ := f.enc.Image.View(r.Start, r.Size)
		copy(img[r.Start-handover.DefaultBase:], b)
	}
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return "raw:{}@0x0"
}

// writeBrokenCase writes one broken state and returns its index entry
// with how the CLI opens it; what the CLI must report is filled in by
// cmd/luoinspect's TestBrokenStates -update (review it before committing).
func writeBrokenCase(t *testing.T, c brokenCase, old map[string]corpusEntry) corpusEntry {
	f := c.fixture(t)
	c.mutate(f)
	path := filepath.Join(corpusDir, c.file)
	write := c.write
	if write == nil {
		write = writeWholeSnapshot
	}
	e := corpusEntry{File: c.file, Class: c.class, Note: c.note, Broken: &corpus.Broken{Spec: write(t, f, path), Args: c.args}}
	if o, ok := old[c.file]; ok && o.Broken != nil {
		e.Exit = o.Exit
		e.Broken.Findings, e.Broken.Outcome = o.Broken.Findings, o.Broken.Outcome
		e.Broken.Sessions, e.Broken.Files, e.Broken.Memfds = o.Broken.Sessions, o.Broken.Files, o.Broken.Memfds
	}
	return e
}
