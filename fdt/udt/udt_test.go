package udt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/u-root/u-root/pkg/dt"
)

type blobCase struct {
	name  string
	build func(w *fdt.SeqWriter)
}

func blobCases() []blobCase {
	return []blobCase{
		{"kho-root", func(w *fdt.SeqWriter) {
			w.BeginNode("")
			w.PropertyString("compatible", "kho-v1")
			w.PropertyU64LE("preserved-memory-map", 0x116be4000)
			w.BeginNode("memblock")
			w.PropertyString("compatible", "memblock-v1")
			w.BeginNode("reserve_mem")
			w.PropertyU64LE("start", 0x1f0000000)
			w.PropertyU64LE("size", 0x100000)
			w.EndNode()
			w.EndNode()
			w.BeginNode("LUO")
			w.PropertyU64LE("fdt", 0x10a3c5000)
			w.EndNode()
			w.EndNode()
		}},
		{"luo-fdt", func(w *fdt.SeqWriter) {
			w.BeginNode("")
			w.PropertyString("compatible", "luo-v1")
			w.PropertyU64LE("liveupdate-number", 3)
			w.BeginNode("luo-session")
			w.PropertyString("compatible", "luo-session-v1")
			w.PropertyU64LE("luo-session-header", 0x1234567000)
			w.EndNode()
			w.EndNode()
		}},
		{"values", func(w *fdt.SeqWriter) {
			w.AddReserve(0x1000, 0x2000)
			w.AddReserve(0xffffffff00000000, 1)
			w.BeginNode("")
			w.PropertyStrings("list", "a", "bc", "")
			w.Property("empty", nil)
			w.Property("odd", []byte{1, 2, 3})
			w.PropertyU32BE("#address-cells", 2)
			w.Property("size", make([]byte, 4)) // "size" is a suffix of "#size-cells" below
			w.Property("#size-cells", []byte{0, 0, 0, 1})
			w.BeginNode("a@0")
			w.BeginNode("b")
			w.BeginNode("c")
			w.Property("size", []byte{9})
			w.EndNode()
			w.EndNode()
			w.EndNode()
			w.BeginNode("a@0") // duplicate names survive both ways
			w.EndNode()
			w.EndNode()
		}},
		{"root-only", func(w *fdt.SeqWriter) {
			w.BeginNode("")
			w.EndNode()
		}},
	}
}

func build(t *testing.T, f func(w *fdt.SeqWriter)) []byte {
	t.Helper()
	w := fdt.NewSeqWriter(0)
	f(w)
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// diff compares a u-root tree with one of ours and describes the first
// difference, or returns "".
func diff(u *dt.FDT, t *fdt.Tree) string {
	var ur [][2]uint64
	for _, r := range u.ReserveEntries {
		ur = append(ur, [2]uint64{r.Address, r.Size})
	}
	var tr [][2]uint64
	for _, r := range t.Reserve {
		tr = append(tr, [2]uint64{r.Address, r.Size})
	}
	if !reflect.DeepEqual(ur, tr) {
		return fmt.Sprintf("reserve entries %x vs %x", ur, tr)
	}
	var walk func(un *dt.Node, n fdt.Node) string
	walk = func(un *dt.Node, n fdt.Node) string {
		path := n.Path()
		if un.Name != n.Name() {
			return fmt.Sprintf("%s: name %q vs %q", path, un.Name, n.Name())
		}
		props := n.Properties()
		if len(un.Properties) != len(props) {
			return fmt.Sprintf("%s: %d properties vs %d", path, len(un.Properties), len(props))
		}
		for i, p := range props {
			up := un.Properties[i]
			if up.Name != p.Name || !bytes.Equal(up.Value, p.Value) {
				return fmt.Sprintf("%s: property %d: %q=% x vs %q=% x", path, i, up.Name, up.Value, p.Name, p.Value)
			}
		}
		i := 0
		for c := range n.Children() {
			if i >= len(un.Children) {
				return fmt.Sprintf("%s: u-root has %d subnodes, ours more", path, len(un.Children))
			}
			if d := walk(un.Children[i], c); d != "" {
				return d
			}
			i++
		}
		if i != len(un.Children) {
			return fmt.Sprintf("%s: u-root has %d subnodes, ours %d", path, len(un.Children), i)
		}
		return ""
	}
	return walk(u.RootNode, t.Root())
}

// TestURootReadsOurBlobs reads SeqWriter blobs with u-root's reader and with
// ours, and checks ToURoot against u-root's view.
func TestURootReadsOurBlobs(t *testing.T) {
	for _, c := range blobCases() {
		blob := build(t, c.build)
		ours, err := fdt.Parse(blob)
		if err != nil {
			t.Fatalf("%s: Parse: %v", c.name, err)
		}
		conv := ToURoot(ours)
		if d := diff(conv, ours); d != "" {
			t.Errorf("%s: ToURoot: %s", c.name, d)
		}
		theirs, err := dt.ReadFDT(bytes.NewReader(blob))
		switch {
		case err != nil && ours.NumProperties() == 0:
			// u-root v0.16.0 cannot read a blob whose strings block is
			// empty (TestURootEmptyStrings).
			t.Logf("%s: dt.ReadFDT: %v", c.name, err)
		case err != nil:
			t.Fatalf("%s: dt.ReadFDT: %v", c.name, err)
		default:
			if d := diff(theirs, ours); d != "" {
				t.Errorf("%s: u-root reads %s", c.name, d)
			}
			if !reflect.DeepEqual(conv, theirs) {
				t.Errorf("%s: ToURoot differs from dt.ReadFDT:\n%v\nvs\n%v", c.name, conv, theirs)
			}
		}
		// Back through FromURoot: the same SeqWriter calls, the same bytes.
		again, err := FromURoot(conv)
		if err != nil {
			t.Fatalf("%s: FromURoot: %v", c.name, err)
		}
		if !bytes.Equal(again, blob) {
			t.Errorf("%s: FromURoot(ToURoot(blob)) is not byte-identical", c.name)
		}
	}
}

func TestToURootDoesNotAlias(t *testing.T) {
	blob := build(t, blobCases()[0].build)
	tree, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	f := ToURoot(tree)
	f.RootNode.Properties[0].Value[0] = 'X'
	if p, _ := tree.Root().Property("compatible"); p.Value[0] != 'k' {
		t.Error("ToURoot values alias the parsed blob")
	}
}

// uRootTree builds a tree with u-root's own constructors.
func uRootTree() *dt.FDT {
	return &dt.FDT{
		Header: dt.Header{Magic: dt.Magic, Version: 17, LastCompVersion: 16},
		ReserveEntries: []dt.ReserveEntry{
			{Address: 0x80000000, Size: 0x100000},
		},
		RootNode: dt.NewNode("",
			dt.WithProperty(
				dt.PropertyString("compatible", "u-root,test"),
				dt.PropertyU32("#address-cells", 2),
				dt.PropertyU64("big", 0x0102030405060708),
				dt.PropertyRegion("region", 0x1000, 0x2000),
				dt.Property{Name: "flag"},
				dt.PropertyU32Array("cells", []uint32{1, 2, 3}),
			),
			dt.WithChildren(
				dt.NewNode("chosen", dt.WithProperty(dt.PropertyString("bootargs", "console=ttyS0"))),
				dt.NewNode("memory@80000000",
					dt.WithProperty(dt.PropertyRegion("reg", 0x80000000, 0x40000000)),
					dt.WithChildren(dt.NewNode("deeper", dt.WithChildren(dt.NewNode("deepest")))),
				),
			),
		),
	}
}

// TestFromURoot writes a u-root tree with our writer and reads it back with
// our parser; u-root's own writer must give the same tree.
func TestFromURoot(t *testing.T) {
	f := uRootTree()
	blob, err := FromURoot(f)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := fdt.Parse(blob)
	if err != nil {
		t.Fatalf("Parse(FromURoot): %v", err)
	}
	if d := diff(f, ours); d != "" {
		t.Errorf("FromURoot: %s", d)
	}
	if ours.Header.OffMemRsvmap != 0x30 || ours.Header.Version != 17 {
		t.Errorf("header %+v is not libfdt sequential-write", ours.Header)
	}

	var ub bytes.Buffer
	if _, err := f.Write(&ub); err != nil {
		t.Fatal(err)
	}
	viaURoot, err := fdt.Parse(ub.Bytes())
	if err != nil {
		t.Fatalf("Parse(u-root Write): %v", err)
	}
	if d := diff(f, viaURoot); d != "" {
		t.Errorf("u-root Write: %s", d)
	}
	t.Logf("same tree, different layout: FromURoot %d bytes, strings %q; u-root Write %d bytes, strings %q",
		len(blob), ours.Strings, ub.Len(), viaURoot.Strings)

	// And u-root reads ours.
	back, err := dt.ReadFDT(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(back, ours); d != "" {
		t.Errorf("dt.ReadFDT(FromURoot): %s", d)
	}
}

func TestFromURootBootCPU(t *testing.T) {
	f := uRootTree()
	f.Header.BootCpuidPhys = 3
	blob, err := FromURoot(f)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Header.BootCPUIDPhys != 3 {
		t.Errorf("boot_cpuid_phys %d, want 3", tree.Header.BootCPUIDPhys)
	}
}

func TestFromURootErrors(t *testing.T) {
	for name, f := range map[string]*dt.FDT{
		"nil root":      {},
		"named root":    {RootNode: dt.NewNode("root")},
		"nil child":     {RootNode: &dt.Node{Children: []*dt.Node{nil}}},
		"NUL in name":   {RootNode: dt.NewNode("", dt.WithChildren(dt.NewNode("a\x00b")))},
		"NUL in prop":   {RootNode: dt.NewNode("", dt.WithProperty(dt.Property{Name: "a\x00"}))},
		"size-0 memrsv": {RootNode: dt.NewNode(""), ReserveEntries: []dt.ReserveEntry{{Address: 1}}},
	} {
		if _, err := FromURoot(f); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := FromURoot(nil); err == nil {
		t.Error("nil FDT: no error")
	}
	// "/" is accepted as the root's name.
	b, err := FromURoot(&dt.FDT{RootNode: dt.NewNode("/")})
	if err != nil {
		t.Fatal(err)
	}
	if tree, err := fdt.Parse(b); err != nil || tree.Root().Name() != "" {
		t.Errorf("root named \"/\": %v", err)
	}
}

// oneByteReadSeeker reads through iotest.OneByteReader (one byte per Read)
// and seeks the underlying reader: dt.ReadFDT needs an io.ReadSeeker.
type oneByteReadSeeker struct {
	io.Reader
	io.Seeker
}

func newOneByteReadSeeker(b []byte) io.ReadSeeker {
	r := bytes.NewReader(b)
	return oneByteReadSeeker{iotest.OneByteReader(r), r}
}

// TestURootShortReads documents that dt.ReadFDT loses property names when
// the reader returns short counts: it reads the strings block with a single
// Read and ignores the count.
func TestURootShortReads(t *testing.T) {
	blob := build(t, blobCases()[0].build)
	ours, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dt.ReadFDT(newOneByteReadSeeker(blob))
	if err != nil {
		t.Logf("u-root v0.16.0 with one-byte reads: parsing fails: %v", err)
		return
	}
	d := diff(got, ours)
	if d == "" {
		t.Logf("u-root reads one-byte reads correctly now; the short-read bug seems fixed")
		return
	}
	var names []string
	got.RootNode.Walk(func(n *dt.Node) error {
		for _, p := range n.Properties {
			names = append(names, fmt.Sprintf("%q", p.Name))
		}
		return nil
	})
	t.Logf("u-root v0.16.0 with one-byte reads returns no error but a wrong tree: %s", d)
	t.Logf("property names as u-root read them: %s", strings.Join(names, " "))
	t.Logf("the same blob with full reads gives the right names; our strings block is %q", ours.Strings)
}

// TestURootAsStringListPanics documents that Property.AsStringList panics
// on every valid list of printable strings, and so does PredictType on a
// "compatible" property.
func TestURootAsStringListPanics(t *testing.T) {
	panics := func(f func()) (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
		return ""
	}
	for _, v := range [][]byte{[]byte("a\x00"), []byte("kho-v1\x00"), []byte("a\x00b\x00"), []byte("\x00")} {
		p := dt.Property{Name: "compatible", Value: v}
		msg := panics(func() { p.AsStringList() })
		if msg == "" {
			t.Errorf("AsStringList(%q) did not panic; u-root may have fixed it", v)
			continue
		}
		t.Logf("u-root v0.16.0 AsStringList(%q) panics: %s", v, msg)
		msg = panics(func() { p.PredictType() })
		if msg == "" {
			t.Errorf("PredictType on compatible=%q did not panic", v)
		}
	}
	// A non-printable list is rejected with an error before the bad loop
	// runs out of bytes.
	p := dt.Property{Name: "x", Value: []byte("a\x01\x00")}
	var err error
	if msg := panics(func() { _, err = p.AsStringList() }); msg != "" || err == nil {
		t.Errorf("AsStringList on a non-printable list: panic %q, err %v", msg, err)
	}
	// Our accessor handles the same values.
	blob := build(t, func(w *fdt.SeqWriter) {
		w.BeginNode("")
		w.PropertyStrings("compatible", "a", "b")
		w.EndNode()
	})
	tree, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := tree.Root().Property("compatible")
	if l, err := cp.Strings(); err != nil || !reflect.DeepEqual(l, []string{"a", "b"}) {
		t.Errorf("fdt Strings: %q, %v", l, err)
	}
}

// TestURootU64IsBigEndian documents that u-root's u64 helpers assume
// big-endian, so a KHO/LUO u64 (little-endian, docs/abi/fdt-layout.md §6) reads
// back byte-swapped.
func TestURootU64IsBigEndian(t *testing.T) {
	const kernel = 0x116be4000
	blob := build(t, func(w *fdt.SeqWriter) {
		w.BeginNode("")
		w.PropertyU64LE("preserved-memory-map", kernel)
		w.Property("region", binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 0x1000), 0x2000))
		w.EndNode()
	})
	f, err := dt.ReadFDT(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.RootNode.LookProperty("preserved-memory-map")
	got, err := p.AsU64()
	if err != nil {
		t.Fatal(err)
	}
	if got != bits.ReverseBytes64(kernel) {
		t.Errorf("AsU64 = 0x%x; expected u-root's big-endian reading 0x%x", got, bits.ReverseBytes64(kernel))
	}
	t.Logf("u-root AsU64 of a KHO u64 0x%x gives 0x%x", uint64(kernel), got)
	r, _ := f.RootNode.LookProperty("region")
	reg, err := r.AsRegion()
	if err != nil {
		t.Fatal(err)
	}
	if reg.Start != bits.ReverseBytes64(0x1000) || reg.Size != bits.ReverseBytes64(0x2000) {
		t.Errorf("AsRegion = %+v", reg)
	}
	if v := dt.PropertyU64("x", kernel).Value; !bytes.Equal(v, binary.BigEndian.AppendUint64(nil, kernel)) {
		t.Errorf("PropertyU64 wrote % x", v)
	}
	// Our accessor gives the kernel's value.
	tree, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	op, _ := tree.Root().Property("preserved-memory-map")
	if v, err := op.U64LE(); err != nil || v != kernel {
		t.Errorf("U64LE = 0x%x, %v", v, err)
	}
}

// TestURootHighByteNodeNames documents that dt.ReadFDT re-encodes node
// name bytes >= 0x80 as UTF-8.
func TestURootHighByteNodeNames(t *testing.T) {
	blob := build(t, func(w *fdt.SeqWriter) {
		w.BeginNode("")
		w.PropertyString("compatible", "x") // u-root needs a non-empty strings block
		w.BeginNode("caf\xe9")
		w.EndNode()
		w.EndNode()
	})
	f, err := dt.ReadFDT(bytes.NewReader(blob))
	if err != nil {
		t.Fatalf("dt.ReadFDT: %v", err)
	}
	got := f.RootNode.Children[0].Name
	if got == "caf\xe9" {
		t.Logf("u-root keeps high bytes in node names now")
		return
	}
	t.Logf("u-root v0.16.0 reads node name %q as %q", "caf\xe9", got)
}

// TestURootReserveTerminator documents that u-root reads reserve entries
// past one of size 0, where libfdt (and fdt.Parse) stop.
func TestURootReserveTerminator(t *testing.T) {
	blob := build(t, func(w *fdt.SeqWriter) {
		w.AddReserve(0x1000, 0)
		w.AddReserve(0x2000, 0x10)
		w.BeginNode("")
		w.PropertyString("compatible", "x") // u-root needs a non-empty strings block
		w.EndNode()
	})
	ours, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	f, err := dt.ReadFDT(bytes.NewReader(blob))
	if err != nil {
		t.Fatalf("dt.ReadFDT: %v", err)
	}
	t.Logf("reserve entries: fdt.Parse %d (plus notice %v), u-root %d: %+v",
		len(ours.Reserve), ours.Notices, len(f.ReserveEntries), f.ReserveEntries)
}

// TestURootWriteZeroHeader documents that dt.FDT.Write keeps a zero Version.
func TestURootWriteZeroHeader(t *testing.T) {
	f := &dt.FDT{RootNode: dt.NewNode("")}
	var b bytes.Buffer
	if _, err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	_, err := fdt.Parse(b.Bytes())
	t.Logf("u-root Write with a zero Header: fdt.Parse says %v", err)
	blob, err := FromURoot(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fdt.Parse(blob); err != nil {
		t.Errorf("FromURoot with a zero Header: %v", err)
	}
}

// TestURootEmptyStrings documents that dt.ReadFDT fails on a valid blob
// without properties: its single Read of the zero-length strings block at
// the end of the blob returns io.EOF, which it reports as an error.
func TestURootEmptyStrings(t *testing.T) {
	blob := build(t, func(w *fdt.SeqWriter) {
		w.BeginNode("")
		w.BeginNode("child")
		w.EndNode()
		w.EndNode()
	})
	if _, err := fdt.Parse(blob); err != nil {
		t.Fatal(err)
	}
	_, err := dt.ReadFDT(bytes.NewReader(blob))
	t.Logf("u-root v0.16.0 on a valid blob with an empty strings block: %v", err)
}
