package fdt

// Differential tests against the real libfdt. The oracle of
// internal/libfdtoracle runs an op script with libfdt; runGoScript runs the same script with SeqWriter,
// Editor and Parse. For every case both must produce the same bytes: the
// exact blob and the whole working buffer, leftovers after totalsize
// included. Every resulting blob, and its "dtc -I dtb -O dtb" round trip,
// must also pass both fdt_check_full and Parse and walk to the same tree.
// Finally, thousands of single-byte and single-word mutations of valid
// blobs check that Parse rejects whatever fdt_check_full rejects.
//
// Needs gcc, libfdt-dev and dtc; without them the test skips, unless
// LUOINSPECT_REQUIRE_ORACLES=1.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	ora "github.com/luoinspect/luoinspect/internal/libfdtoracle"
)

type oracleCase struct {
	name   string
	layout string // "seq" (sequential write), "rw" (read-write + pack), "dtc" (verbatim/dtc-made input)
	script string
	total  int    // expected final totalsize, when non-zero
	rsvmap int    // expected final off_mem_rsvmap, when non-zero
	fail   string // expected libfdt error of the failing op, "" for none, "?" for any
	// blobOnly skips the whole-buffer comparison because of a known bug
	// that a dedicated case demonstrates; the exact blob is still compared.
	blobOnly bool
}

func TestOracle(t *testing.T) {
	o := buildOracle(t)
	t.Run("Cases", func(t *testing.T) {
		cases := oracleCases(t, o)
		counts := map[string]int{}
		for _, c := range cases {
			counts[c.layout]++
		}
		t.Logf("%d cases: %d sequential-write, %d read-write+pack, %d verbatim/dtc",
			len(cases), counts["seq"], counts["rw"], counts["dtc"])
		for _, c := range cases {
			t.Run(c.layout+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				if blob, _ := oracleCompare(t, o, c); blob != nil {
					oracleParserAgreement(t, o, blob)
				}
			})
		}
	})
	var (
		mu       sync.Mutex
		outcomes = map[string]int{}
	)
	t.Run("Random", func(t *testing.T) {
		for seed := range uint64(200) {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				c := oracleCase{script: oracleRandomScript(seed), fail: "?"}
				blob, res := oracleCompare(t, o, c)
				if blob != nil {
					oracleParserAgreement(t, o, blob)
				}
				mu.Lock()
				defer mu.Unlock()
				if res.errLine == 0 {
					outcomes["success"]++
				} else {
					op, _, _ := strings.Cut(strings.Split(c.script, "\n")[res.errLine-1], " ")
					outcomes[res.errName+" at "+op]++
				}
			})
		}
	})
	if len(outcomes) > 0 {
		t.Logf("random scripts: %v", outcomes)
	}
	t.Run("Behaviours", func(t *testing.T) { oracleBehaviourTest(t, o) })
	t.Run("Mutations", func(t *testing.T) { oracleMutationTest(t, o) })
}

// behaviourTest pins the libfdt behaviours that docs/abi/fdt-layout.md describes and
// our writers must copy, on libfdt's own output (the byte equality with
// ours is checked again here).
func oracleBehaviourTest(t *testing.T, o *oracle) {
	run := func(t *testing.T, parts ...any) (blob, buf []byte) {
		t.Helper()
		blob, c := oracleCompare(t, o, oracleCase{script: ora.Join(parts...)})
		if blob == nil {
			t.Fatalf("script failed: %s", c.errText)
		}
		return blob, c.buffer
	}
	t.Run("kho-root-152-bytes-as-documented", func(t *testing.T) {
		blob, buf := run(t, khoRootOps("kho-v1"))
		want := ora.Unhex("d00dfeed00000098000000400000007800000030000000110000001000000000" +
			"0000002000000038" + strings.Repeat("00", 24) +
			"0000000100000000" + "000000030000000700000015" + "6b686f2d76310000" +
			"000000030000000800000000" + "0040be1601000000" + "0000000200000009" +
			ora.Hex([]byte("preserved-memory-map\x00compatible\x00")))
		if !bytes.Equal(blob, want) {
			t.Errorf("docs/abi/fdt-layout.md §2.4: %s", ora.FirstDiff(want, blob))
		}
		// fdt_finish leaves the strings where they were built.
		if !bytes.HasSuffix(buf, []byte("preserved-memory-map\x00compatible\x00")) {
			t.Errorf("page does not end with the building-time strings: %x", buf[len(buf)-40:])
		}
	})
	t.Run("suffix-sharing", func(t *testing.T) {
		blob, _ := run(t, ora.SeqOps(4096, ora.NodeOps("-",
			ora.PropOp("linux,phandle", []byte{0, 0, 0, 1}), ora.PropOp("phandle", []byte{0, 0, 0, 1}))))
		tr, err := Parse(blob)
		if err != nil {
			t.Fatal(err)
		}
		props := tr.Root().Properties()
		if string(tr.Strings) != "linux,phandle\x00" || props[1].NameOffset != props[0].NameOffset+6 {
			t.Errorf("strings %q, nameoffs %d %d", tr.Strings, props[0].NameOffset, props[1].NameOffset)
		}
	})
	t.Run("newest-first-and-stale-strings", func(t *testing.T) {
		k3 := ora.Lines(khoRootOps("kho-v3"),
			khoAddOps("memblock", khoClient(3, "/memblock", 1, 2)...),
			khoAddOps("LUO", khoClient(3, "/LUO", 3, 4)...))
		blob, buf := run(t, k3)
		tr, err := Parse(blob)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for n := range tr.Nodes() {
			order = append(order, n.Path())
			for _, p := range n.Properties() {
				order = append(order, p.Name)
			}
		}
		want := []string{"/", "compatible", "preserved-memory-map", "/LUO", "blob-size", "preserved-data",
			"/memblock", "blob-size", "preserved-data"}
		if !slices.Equal(order, want) {
			t.Errorf("order %q, want %q", order, want)
		}
		// Neither fdt_open_into nor fdt_pack clears what lies behind
		// totalsize: the page still ends with the strings fdt_finish left.
		if !bytes.HasSuffix(buf, []byte("preserved-memory-map\x00compatible\x00")) {
			t.Errorf("page end after read-write cycles: %x", buf[len(buf)-40:])
		}
		blob, _ = run(t, k3, "open_into 4096", "del_node /LUO", "del_node /memblock", "pack")
		tr, err = Parse(blob)
		if err != nil {
			t.Fatal(err)
		}
		if tr.NumNodes() != 1 || !bytes.HasSuffix(tr.Strings, []byte("blob-size\x00")) ||
			!bytes.Contains(tr.Strings, []byte("preserved-data\x00")) {
			t.Errorf("after removing every client: %d nodes, strings %q", tr.NumNodes(), tr.Strings)
		}
	})
	// Versions before 16, the converse of the dtc -V 2/3 cases: a pre-16
	// blob whose root name is "" has no '/' in it, so fdt_get_name fails
	// and fdt_check_full must reject it. libfdt 1.6.1 cannot be asked: it
	// dereferences that NULL name and crashes (later libfdt checks
	// "!name || *name || len" and returns BADSTRUCTURE). Parse must reject.
	t.Run("pre-v16-empty-root-name", func(t *testing.T) {
		o.NeedDTC(t)
		blob := o.DTCCompile(t, "/dts-v1/;\n/ { a = <1>; n { b = <2>; }; };\n", "-V", "16")
		for _, v := range []uint32{3, 15} {
			m := bytes.Clone(blob)
			binary.BigEndian.PutUint32(m[0x14:], v)
			binary.BigEndian.PutUint32(m[0x18:], 2)
			if _, err := Parse(m); err == nil {
				t.Errorf("Parse accepts a version %d blob with an empty root name; libfdt's fdt_get_name fails on it", v)
			}
		}
	})
	t.Run("setprop-padding-garbage", func(t *testing.T) {
		// Shrinking "kho-v1\0" to 5 bytes keeps "1\0\0" as padding; a new
		// 3-byte property gets whatever byte was spliced over as padding.
		blob, _ := run(t, khoRootOps("kho-v1"), "open_into 4096",
			ora.SetPropOp("/", "compatible", []byte("abcde")), ora.SetPropOp("/", "n3", []byte{0xe0, 0xe1, 0xe2}), "pack")
		if !bytes.Contains(blob, []byte("abcde1\x00\x00")) {
			t.Errorf("shrunk value's padding is not the old bytes: %x", blob)
		}
		tr, err := Parse(blob)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range tr.Notices {
			if e.Code == NoticePadding {
				n++
			}
		}
		if n != 2 {
			t.Errorf("Parse reports %d padding notices, want 2: %v", n, tr.Notices)
		}
	})
}

// compareRun runs the case's script through libfdt and through our package
// and requires the same outcome. It returns the final blob when the script
// succeeded, and what libfdt did.
func oracleCompare(t *testing.T, o *oracle, oc oracleCase) ([]byte, *oracleCResult) {
	t.Helper()
	c := o.run(t, oc.script)
	g := runGoScript(oc.script)
	lines := strings.Split(oc.script, "\n")
	opAt := func(n int) string {
		if n >= 1 && n <= len(lines) {
			return lines[n-1]
		}
		return ""
	}
	if oc.fail != "?" && c.errName != oc.fail {
		t.Fatalf("libfdt: got %q, want error %q (test script wrong?)", c.errText, oc.fail)
	}
	if c.errLine != g.errLine {
		t.Fatalf("libfdt failed at line %d (%s), ours at line %d (%q: %v)",
			c.errLine, c.errText, g.errLine, opAt(g.errLine), g.err)
	}
	if !slices.Equal(c.log, g.log) {
		t.Errorf("check/walk output differs:\n%s", oracleLineDiff(c.log, g.log))
	}
	if c.errLine != 0 {
		// Other errors (BADSTATE, BADPATH, …) have no exact counterpart.
		mapped := []string{"FDT_ERR_NOSPACE", "FDT_ERR_NOTFOUND", "FDT_ERR_EXISTS"}
		if slices.Contains(mapped, c.errName) && oracleErrName(g.err) != c.errName {
			t.Errorf("line %d (%s): libfdt says %s, ours %v", c.errLine, opAt(c.errLine), c.errName, g.err)
		}
		// A failed edit must leave the buffer as libfdt leaves it (rolled
		// back strings, spliced bytes).
		if g.editing && !bytes.Equal(c.buffer, g.buffer) {
			t.Errorf("buffer after the failed op differs: %s", ora.FirstDiff(c.buffer, g.buffer))
		}
		return nil, c
	}
	if c.total > len(c.buffer) || c.total < HeaderSize {
		t.Fatalf("libfdt totalsize %d, buffer %d bytes", c.total, len(c.buffer))
	}
	want := c.buffer[:c.total]
	if !bytes.Equal(want, g.blob) {
		t.Errorf("exact blob differs: %s", ora.FirstDiff(want, g.blob))
	}
	if !oc.blobOnly && !bytes.Equal(c.buffer, g.buffer) {
		t.Errorf("whole buffer differs: %s", ora.FirstDiff(c.buffer, g.buffer))
	}
	// The layout rules of docs/abi/fdt-layout.md §2.2 and §3.2, checked on libfdt.
	h := decodeHeader(want)
	if oc.total != 0 && c.total != oc.total {
		t.Errorf("libfdt totalsize %d, want %d", c.total, oc.total)
	}
	if oc.rsvmap != 0 && int(h.OffMemRsvmap) != oc.rsvmap {
		t.Errorf("libfdt off_mem_rsvmap 0x%x, want 0x%x", h.OffMemRsvmap, oc.rsvmap)
	}
	switch lastBufferOp(lines) {
	case "finish", "pack":
		wantRsv := map[string]uint32{"finish": 0x30, "pack": 0x28}[lastBufferOp(lines)]
		if h.OffMemRsvmap != wantRsv || h.TotalSize != h.OffDtStrings+h.SizeDtStrings {
			t.Errorf("after %s: off_mem_rsvmap 0x%x (want 0x%x), totalsize %d, strings end %d",
				lastBufferOp(lines), h.OffMemRsvmap, wantRsv, h.TotalSize, h.OffDtStrings+h.SizeDtStrings)
		}
	}
	return bytes.Clone(want), c
}

// parserAgreement requires blob and its dtc round trip to pass
// fdt_check_full and Parse, and both walks to agree.
func oracleParserAgreement(t *testing.T, o *oracle, blob []byte) {
	t.Helper()
	blobs := [][]byte{blob}
	if o.DTC != "" {
		blobs = append(blobs, o.DTCRoundTrip(t, blob))
	}
	var s []string
	var glog []string
	for i, b := range blobs {
		s = append(s, ora.LoadOp(b), "check", "walk")
		tr, err := Parse(b)
		if err != nil {
			glog = append(glog, "check FAIL")
		} else {
			glog = append(glog, "check OK")
			oracleCheckEncode(t, fmt.Sprintf("blob %d", i), tr, b)
		}
		glog = append(glog, oracleGoWalk(b)...)
	}
	c := o.run(t, ora.Join(s))
	for i, r := range c.checks {
		if r != "OK" {
			t.Errorf("libfdt rejects blob %d (%d bytes, 1 = dtc round trip): %s", i, len(blobs[i]), r)
		}
	}
	if !slices.Equal(c.log, glog) {
		t.Errorf("parser disagreement (original, then dtc round trip):\n%s", oracleLineDiff(c.log, glog))
	}
}

// lastOp returns the last op of a script that changes the buffer.
func lastBufferOp(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		op, _, _ := strings.Cut(lines[i], " ")
		switch op {
		case "", "check", "walk", "lookup", "dump":
		default:
			return op
		}
	}
	return ""
}

// checkEncode requires Tree.Encode to give back a blob without notices.
func oracleCheckEncode(t *testing.T, what string, tr *Tree, blob []byte) {
	t.Helper()
	if len(tr.Notices) > 0 {
		return
	}
	out, err := tr.Encode()
	if err != nil {
		t.Errorf("%s: Encode: %v", what, err)
	} else if !bytes.Equal(out, blob) {
		t.Errorf("%s: Encode differs: %s", what, ora.FirstDiff(blob, out))
	}
}

func oracleLineDiff(a, b []string) string {
	var out strings.Builder
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			fmt.Fprintf(&out, "  line %d:\n    libfdt: %.200s\n    ours:   %.200s\n", i+1, x, y)
			if out.Len() > 2000 {
				break
			}
		}
	}
	return out.String()
}

// Tree shapes used by several cases.

func khoRootOps(compat string) []string {
	return ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropStrOp("compatible", compat),
		ora.PropU64Op("preserved-memory-map", 0x116be4000)))
}

// khoAddOps imitates kho_add_subtree: open_into in place, add the node,
// set its properties in call order, pack.
func khoAddOps(name string, props ...string) []string {
	return ora.Lines("open_into 4096", "add_subnode / "+name, props, "pack")
}

// khoClient returns the setprop calls a client of generation gen makes.
func khoClient(gen int, path string, phys, size uint64) []string {
	switch gen {
	case 1:
		return []string{ora.SetPropU64Op(path, "fdt", phys)}
	case 2:
		return []string{ora.SetPropU64Op(path, "preserved-data", phys)}
	default:
		return []string{ora.SetPropU64Op(path, "preserved-data", phys), ora.SetPropU64Op(path, "blob-size", size)}
	}
}

func luoOps(flb bool) []string {
	body := []any{
		ora.PropStrOp("compatible", "luo-v1"),
		ora.PropU64Op("liveupdate-number", 3),
		ora.NodeOps("luo-session",
			ora.PropStrOp("compatible", "luo-session-v2"),
			ora.PropU64Op("luo-session-header", 0x10a400000)),
	}
	if flb {
		body = append(body, ora.NodeOps("luo-flb",
			ora.PropStrOp("compatible", "luo-flb-v1"),
			ora.PropU64Op("luo-flb-header", 0x10a500000)))
	}
	return ora.SeqOps(4096, ora.NodeOps("-", body...))
}

func memblockOps() []string {
	return ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropStrOp("compatible", "memblock-v1"),
		ora.NodeOps("ramoops",
			ora.PropStrOp("compatible", "reserve-mem-v1"),
			ora.PropU64Op("start", 0x180000000),
			ora.PropU64Op("size", 0x100000))))
}

func deepNodeOps(levels int, withProps bool) []any {
	var open, closing []any
	for i := range levels {
		open = append(open, fmt.Sprintf("begin level%d", i))
		if withProps {
			open = append(open, ora.PropOp(fmt.Sprintf("depth-%d", i%7), ora.CountingBytes(byte(i), i%9)))
		}
		closing = append(closing, "end")
	}
	return append(open, closing...)
}

const testDTS = `/dts-v1/;
/memreserve/ 0x80000000 0x10000;
/memreserve/ 0x90000000 0x2000;
/ {
	compatible = "luoinspect,test";
	#address-cells = <2>;
	#size-cells = <2>;
	model = "oracle board";
	memory@80000000 {
		device_type = "memory";
		reg = <0x0 0x80000000 0x0 0x40000000>;
	};
	chosen {
		bootargs = "console=ttyS0 quiet";
		linux,phandle = <1>;
		phandle = <1>;
	};
	empty {
	};
	c@1 { status = "okay"; };
};
`

// reorderBlocks lays the blocks of a v17 blob out again behind a 40-byte
// header in the given order ("r" reserve map, "s" structure, "t" strings),
// producing blobs that libfdt calls misordered.
func reorderBlocks(t *testing.T, blob []byte, order string) []byte {
	t.Helper()
	tr, err := Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	h := tr.Header
	blocks := map[byte][]byte{
		'r': blob[h.OffMemRsvmap:tr.ReserveEnd],
		's': blob[h.OffDtStruct : h.OffDtStruct+h.SizeDtStruct],
		't': blob[h.OffDtStrings : h.OffDtStrings+h.SizeDtStrings],
	}
	out := bytes.Clone(blob[:HeaderSize])
	for _, b := range []byte(order) {
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		field := map[byte]int{'r': 0x10, 's': 0x08, 't': 0x0c}[b]
		binary.BigEndian.PutUint32(out[field:], uint32(len(out)))
		out = append(out, blocks[b]...)
	}
	binary.BigEndian.PutUint32(out[4:], uint32(len(out)))
	return out
}

func oracleCases(t *testing.T, o *oracle) []oracleCase {
	var cs []oracleCase
	add := func(layout, name string, total int, fail string, parts ...any) {
		cs = append(cs, oracleCase{name: name, layout: layout, script: ora.Join(parts...), total: total, fail: fail})
	}
	seq := func(name string, total int, parts ...any) { add("seq", name, total, "", parts...) }
	rw := func(name string, total int, parts ...any) { add("rw", name, total, "", parts...) }

	// Sequential-write mode.
	seq("empty-root", 80, ora.SeqOps(4096, ora.NodeOps("-")))
	seq("empty-root-exact-buffer", 80, ora.SeqOps(80, ora.NodeOps("-")))
	add("seq", "empty-root-one-byte-short", 0, "FDT_ERR_NOSPACE", ora.SeqOps(79, ora.NodeOps("-")))
	var many []any
	for i := range 64 {
		many = append(many, ora.PropOp(fmt.Sprintf("prop-%02d", i), ora.CountingBytes(byte(i), i%13)))
	}
	seq("many-properties", 0, ora.SeqOps(4096, ora.NodeOps("-", many...)))
	seq("suffix-linux-phandle-then-phandle", 0, ora.SeqOps(4096, ora.NodeOps("-",
		"prop_u32 linux,phandle 1", "prop_u32 phandle 1")))
	seq("suffix-phandle-then-linux-phandle", 0, ora.SeqOps(4096, ora.NodeOps("-",
		"prop_u32 phandle 0x12345678", "prop_u32 linux,phandle 0xffffffff")))
	seq("suffix-preserved-data-then-data", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropU64Op("preserved-data", 1), ora.NodeOps("x", ora.PropU64Op("data", 2)))))
	seq("suffix-data-then-preserved-data", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropU64Op("data", 1), ora.NodeOps("x", ora.PropU64Op("preserved-data", 2)))))
	seq("suffix-chain", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropStrOp("vendor,compatible", "a"), ora.PropStrOp("compatible", "b"), ora.PropStrOp("patible", "c"),
		ora.PropStrOp("le", "d"), ora.PropStrOp("e", "e"), ora.PropStrOp("vendor,compatible", "f"))))
	seq("empty-property-name", 0, ora.SeqOps(4096, ora.NodeOps("-", ora.PropStrOp("name", "x"), ora.PropOp("", []byte{7}))))
	seq("deep-nesting-50", 0, ora.SeqOps(4096, ora.NodeOps("-", deepNodeOps(50, false)...)))
	seq("deep-nesting-50-with-properties", 0, ora.SeqOps(8192, ora.NodeOps("-", deepNodeOps(50, true)...)))
	seq("reserve-entries", 0, "create 4096", "rsv 0x1000 0x2000", "rsv 0xffffffff00000000 0x1",
		"rsv 0 0x10", "finish_rsv", ora.NodeOps("-", ora.PropStrOp("compatible", "rsv")), "finish")
	var rsvs []string
	for i := range 20 {
		rsvs = append(rsvs, fmt.Sprintf("rsv %#x %#x", uint64(i)<<32, 4096*(i+1)))
	}
	seq("reserve-entries-20", 0, "create 4096", rsvs, "finish_rsv", ora.NodeOps("-"), "finish")
	seq("zero-length-properties", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropOp("empty", nil), ora.PropOp("also-empty", nil), ora.NodeOps("n", ora.PropOp("empty", nil)))))
	var odd []any
	for n := 1; n <= 9; n++ {
		odd = append(odd, ora.PropOp(fmt.Sprintf("len%d", n), ora.CountingBytes(0xa0, n)))
	}
	seq("odd-length-values", 0, ora.SeqOps(4096, ora.NodeOps("-", odd...)))
	seq("strings-and-lists", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropStrOp("bootargs", "console=ttyS0 root=/dev/vda quiet"), ora.PropStrOp("empty-string", ""),
		ora.PropOp("list", []byte("first\x00second\x00\x00fourth\x00")), "prop_strs compatible vendor,board generic-board",
		"prop_strs one-string only")))
	seq("duplicate-property-names", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropU64Op("data", 1), ora.PropU64Op("data", 2), ora.PropStrOp("data", "three"))))
	var sibs []any
	for i := range 100 {
		sibs = append(sibs, ora.NodeOps(fmt.Sprintf("child@%x", i), ora.PropU64Op("reg", uint64(i))))
	}
	seq("many-siblings", 0, ora.SeqOps(16384, ora.NodeOps("-", sibs...)))
	seq("unit-addresses", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.NodeOps("memory@0", ora.PropOp("reg", ora.CountingBytes(0, 16))), ora.NodeOps("memory@80000000"), ora.NodeOps("cpus", ora.NodeOps("cpu@0")))))
	// fdt_path_offset("/c") takes the first child in blob order that is
	// "c" or "c@<unit>", here "c@1", even though an exact "c" follows.
	seq("lookup-unit-address-before-exact", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.NodeOps("c@1", ora.PropU64Op("reg", 1)), ora.NodeOps("c", ora.PropU64Op("reg", 2)))), "lookup /c", "lookup /c@1")
	seq("long-names", 0, ora.SeqOps(4096, ora.NodeOps("-", ora.NodeOps(strings.Repeat("n", 200),
		ora.PropOp(strings.Repeat("p", 100), []byte{1}), ora.PropOp(strings.Repeat("p", 99), []byte{2})))))
	for v := 1; v <= 4; v++ {
		seq(fmt.Sprintf("kho-v%d-root", v), 152, khoRootOps(fmt.Sprintf("kho-v%d", v)))
	}
	seq("kho-k1a-finalized-root", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.PropStrOp("compatible", "kho-v1"), ora.PropU64Op("preserved-memory-map", 0x116be4000),
		ora.NodeOps("memblock", ora.PropU64Op("fdt", 0x100000000)), ora.NodeOps("LUO", ora.PropU64Op("fdt", 0x100001000)))))
	seq("luo-6.19", 236, luoOps(false))
	seq("luo-flb", 311, luoOps(true))
	seq("memblock", 210, memblockOps())
	seq("kho-root-exact-buffer", 152, ora.Lines("create 152", khoRootOps("kho-v1")[1:]))
	add("seq", "kho-root-one-byte-short", 0, "FDT_ERR_NOSPACE", "create 151", khoRootOps("kho-v1")[1:])
	add("seq", "kho-root-small-buffer", 0, "FDT_ERR_NOSPACE", "create 100", khoRootOps("kho-v1")[1:])
	add("seq", "nospace-at-finish-rsv", 0, "FDT_ERR_NOSPACE", ora.SeqOps(48, ora.NodeOps("-")))
	add("seq", "nospace-at-begin", 0, "FDT_ERR_NOSPACE", ora.SeqOps(64, ora.NodeOps("-")))
	add("seq", "nospace-name-fits-value-does-not", 0, "FDT_ERR_NOSPACE",
		ora.SeqOps(120, ora.NodeOps("-", ora.PropOp("a-rather-long-property-name", ora.CountingBytes(0, 40)))))
	// fdt_create fails with NOSPACE on a buffer below 48 bytes (the header
	// rounded up to a reserve entry, where the map starts), before any
	// other op.
	add("seq", "create-below-48-bytes", 0, "FDT_ERR_NOSPACE", ora.SeqOps(44, ora.NodeOps("-")))

	// Read-write mode plus fdt_pack: the kho_add_subtree sequences.
	clientTotal := map[int]int{1: 220, 2: 231, 3: 281}
	for v := 1; v <= 4; v++ {
		for gen := 1; gen <= 3; gen++ {
			rw(fmt.Sprintf("kho-v%d-client-gen%d", v, gen), clientTotal[gen],
				khoRootOps(fmt.Sprintf("kho-v%d", v)),
				khoAddOps("memblock", khoClient(gen, "/memblock", 0x100000000, 210)...),
				khoAddOps("LUO", khoClient(gen, "/LUO", 0x100001000, 4096)...))
		}
	}
	k3 := ora.Lines(khoRootOps("kho-v3"),
		khoAddOps("memblock", khoClient(3, "/memblock", 0x100000000, 210)...),
		khoAddOps("LUO", khoClient(3, "/LUO", 0x100001000, 4096)...))
	// Editor.Reopen is the kernel's fdt_open_into(root, root, PAGE_SIZE) on
	// a root that the editor already holds.
	rw("kho-reopen-cycles", 281, khoRootOps("kho-v4"), "open_into 4096", "add_subnode / memblock",
		khoClient(3, "/memblock", 1, 2), "pack", "reopen", "add_subnode / LUO", khoClient(3, "/LUO", 3, 4), "pack")
	rw("reopen-unpacked", 0, khoRootOps("kho-v1"), "open_into 4096", "add_subnode / a", "reopen", "add_subnode / b", "pack", "reopen")
	rw("kho-remove-subtree", 0, k3, "open_into 4096", "del_node /LUO", "pack")
	rw("kho-remove-and-readd", 0, k3, "open_into 4096", "del_node /memblock", "pack",
		khoAddOps("memblock", khoClient(2, "/memblock", 0x200000000, 0)...))
	rw("kho-remove-all-then-add-new-name", 0, k3, "open_into 4096", "del_node /memblock", "del_node /LUO", "pack",
		khoAddOps("kexec-metadata", ora.SetPropU64Op("/kexec-metadata", "fdt", 7), ora.SetPropU64Op("/kexec-metadata", "data", 8)))
	rw("setprop-same-length", 220, khoRootOps("kho-v1"),
		khoAddOps("memblock", ora.SetPropU64Op("/memblock", "fdt", 1)),
		khoAddOps("LUO", ora.SetPropU64Op("/LUO", "fdt", 2)),
		"open_into 4096", ora.SetPropU64Op("/LUO", "fdt", 0xffffffffffffffff), ora.SetPropOp("/", "compatible", []byte("kho-v9\x00")), "pack")
	rw("setprop-shorter", 0, khoRootOps("kho-v1"), "open_into 4096",
		ora.SetPropOp("/", "preserved-memory-map", ora.CountingBytes(0x11, 5)), "pack")
	rw("setprop-shorter-unpacked", 0, khoRootOps("kho-v1"), "open_into 4096",
		ora.SetPropOp("/", "preserved-memory-map", ora.CountingBytes(0x11, 3)), ora.SetPropOp("/", "compatible", []byte("k")))
	rw("setprop-longer", 0, khoRootOps("kho-v1"), "open_into 4096",
		ora.SetPropOp("/", "compatible", []byte("kho-v1;radix-v1;vmalloc-v1\x00")),
		ora.SetPropOp("/", "preserved-memory-map", ora.CountingBytes(0x40, 13)), "pack")
	rw("setprop-to-zero-length", 0, khoRootOps("kho-v1"), "open_into 4096",
		ora.SetPropOp("/", "compatible", nil), "pack")
	rw("setprop-new-odd-lengths-garbage-padding", 0, luoOps(true), "open_into 4096",
		ora.SetPropOp("/luo-session", "n1", ora.CountingBytes(0xe0, 1)), ora.SetPropOp("/luo-session", "n2", ora.CountingBytes(0xe0, 2)),
		ora.SetPropOp("/luo-session", "n3", ora.CountingBytes(0xe0, 3)), ora.SetPropOp("/", "n5", ora.CountingBytes(0xe0, 5)), "pack")
	rw("setprop-suffix-reuse", 0, khoRootOps("kho-v1"), "open_into 4096",
		"add_subnode / a", ora.SetPropU64Op("/a", "preserved-data", 1), ora.SetPropU64Op("/a", "data", 2),
		"add_subnode / b", ora.SetPropU64Op("/b", "map", 3), "pack")
	rw("setprop-suffix-reverse-order", 0, khoRootOps("kho-v1"), "open_into 4096",
		"add_subnode / a", ora.SetPropU64Op("/a", "data", 2), ora.SetPropU64Op("/a", "preserved-data", 1), "pack")
	rw("setprop-root-with-children", 0, luoOps(true), "open_into 4096",
		ora.SetPropU64Op("/", "new-root-prop", 5), ora.SetPropOp("/", "liveupdate-number", ora.LE64(4)), "pack")
	rw("edit-unit-address-before-exact", 0, ora.SeqOps(4096, ora.NodeOps("-",
		ora.NodeOps("c@1", ora.PropU64Op("reg", 1)), ora.NodeOps("c", ora.PropU64Op("reg", 2)))),
		"open_into 4096", ora.SetPropU64Op("/c", "x", 1), "add_subnode /c d", "lookup /c/d", "del_node /c", "lookup /c", "pack")
	rw("delprop", 0, luoOps(true), "open_into 4096", "delprop /luo-flb compatible", "delprop / liveupdate-number", "pack")
	rw("delprop-then-setprop", 0, luoOps(false), "open_into 4096", "delprop /luo-session luo-session-header",
		ora.SetPropU64Op("/luo-session", "luo-session-header", 9), "pack")
	rw("del-node-and-readd-stale-strings", 0, memblockOps(), "open_into 4096", "del_node /ramoops", "pack",
		"open_into 4096", "add_subnode / ramoops", ora.SetPropU64Op("/ramoops", "start", 1), "pack")
	rw("del-node-deep-subtree", 0, ora.SeqOps(8192, ora.NodeOps("-", ora.NodeOps("keep"), ora.NodeOps("deep", deepNodeOps(20, true)...),
		ora.NodeOps("after"))), "open_into 8192", "del_node /deep", "pack")
	rw("nested-add", 0, khoRootOps("kho-v2"), "open_into 4096", "add_subnode / a", "add_subnode /a b",
		"add_subnode /a/b c", ora.SetPropU64Op("/a/b/c", "preserved-data", 1), "add_subnode /a b2",
		ora.SetPropU64Op("/a", "fdt", 2), "pack")
	rw("open-into-pack-no-edits", 0, khoRootOps("kho-v1"), "open_into 4096", "pack")
	rw("open-into-only", 4096, khoRootOps("kho-v1"), "open_into 4096")
	rw("open-into-larger", 0, khoRootOps("kho-v1"), "open_into 8192", "add_subnode / LUO", "pack")
	rw("open-into-smaller-buffer", 0, khoRootOps("kho-v1"), "open_into 256", "add_subnode / LUO",
		ora.SetPropU64Op("/LUO", "fdt", 1), "pack")
	var cycles []any
	for i := range 10 {
		cycles = append(cycles, khoAddOps(fmt.Sprintf("client%d", i), khoClient(3, fmt.Sprintf("/client%d", i), uint64(i)<<12, 100)...))
	}
	rw("ten-add-pack-cycles", 0, khoRootOps("kho-v3"), cycles)
	rw("reserve-entries-kept", 0, "create 4096", "rsv 0x1000 0x2000", "rsv 0x5000 0x1", "finish_rsv",
		ora.NodeOps("-", ora.PropStrOp("compatible", "x")), "finish", "open_into 4096", "add_subnode / n",
		ora.SetPropU64Op("/n", "fdt", 1), "pack")
	rw("path-spellings", 0, khoRootOps("kho-v1"), khoAddOps("LUO"), "open_into 4096",
		ora.SetPropU64Op("/LUO/", "fdt", 1), ora.SetPropU64Op("//LUO", "blob-size", 2), "lookup /LUO/", "lookup //LUO", "pack")
	add("seq", "rsv-after-finish-rsv", 0, "FDT_ERR_BADSTATE", "create 4096", "finish_rsv", "rsv 1 2")
	add("rw", "add-subnode-exists", 0, "FDT_ERR_EXISTS", khoRootOps("kho-v1"), khoAddOps("LUO"), "open_into 4096", "add_subnode / LUO")
	add("rw", "add-subnode-exists-unit-address", 0, "FDT_ERR_EXISTS", khoRootOps("kho-v1"),
		"open_into 4096", "add_subnode / c@1", "add_subnode / c")
	add("rw", "setprop-missing-node", 0, "FDT_ERR_NOTFOUND", khoRootOps("kho-v1"), "open_into 4096", ora.SetPropU64Op("/nope", "fdt", 1))
	add("rw", "delprop-missing", 0, "FDT_ERR_NOTFOUND", khoRootOps("kho-v1"), "open_into 4096", "delprop / fdt")
	add("rw", "open-into-too-small", 0, "FDT_ERR_NOSPACE", khoRootOps("kho-v1"), "open_into 151")
	add("rw", "nospace-add-subnode", 0, "FDT_ERR_NOSPACE", khoRootOps("kho-v1"), "open_into 152", "add_subnode / LUO")
	add("rw", "nospace-setprop-grow", 0, "FDT_ERR_NOSPACE", khoRootOps("kho-v1"), "open_into 160",
		ora.SetPropOp("/", "compatible", ora.CountingBytes(1, 20)))
	// The new name fits, the property does not: libfdt drops the name again.
	add("rw", "nospace-setprop-string-rollback", 0, "FDT_ERR_NOSPACE", khoRootOps("kho-v1"), "open_into 170",
		ora.SetPropOp("/", "brand-new-name", ora.CountingBytes(1, 8)))
	add("rw", "nospace-after-edits", 0, "FDT_ERR_NOSPACE", khoRootOps("kho-v1"), "open_into 270",
		"add_subnode / memblock", ora.SetPropU64Op("/memblock", "preserved-data", 1), ora.SetPropU64Op("/memblock", "blob-size", 2),
		"add_subnode / LUO", ora.SetPropU64Op("/LUO", "preserved-data", 1), ora.SetPropU64Op("/LUO", "blob-size", 2))

	// Verbatim and dtc-made input.
	if o.DTC == "" {
		return cs
	}
	dtb := o.DTCCompile(t, testDTS)
	dtc := func(name string, total int, fail string, parts ...any) { add("dtc", name, total, fail, parts...) }
	dtc("dtc-verbatim", len(dtb), "", ora.LoadOp(dtb), "check", "walk")
	// FDT_NOP tokens, made by libfdt's fdt_nop_property and fdt_nop_node
	// (the C program's nop ops); edits must skip them like libfdt does.
	nopRun := o.run(t, oracleNopScript)
	if nopRun.errLine != 0 {
		t.Fatalf("making a blob with NOPs: %s", nopRun.errText)
	}
	nops := nopRun.buffer[:nopRun.total]
	if tr, err := Parse(nops); err != nil || len(tr.NOPs) != 5+7+15 {
		t.Errorf("blob with NOPs: %v, want 27 NOPs", err)
	}
	dtc("nops-verbatim", len(nops), "", ora.LoadOp(nops), "check", "walk")
	dtc("nops-edit-pack", 0, "", ora.LoadOp(nops), "open_into 4096", ora.SetPropU64Op("/luo-session", "luo-session-header", 5),
		ora.SetPropU64Op("/luo-session", "compatible", 6), "add_subnode / n", "add_subnode /luo-session m",
		"delprop / compatible", ora.SetPropU64Op("/", "liveupdate-number", 7), "pack", "check", "walk")
	dtc("dtc-open-into-edit-pack", 0, "", ora.LoadOp(dtb), "open_into 4096", "add_subnode / LUO",
		ora.SetPropU64Op("/LUO", "preserved-data", 1), "delprop /chosen phandle", "del_node /empty",
		ora.SetPropOp("/memory@80000000", "reg", ora.CountingBytes(0, 8)), "pack", "check", "walk")
	dtc("dtc-unit-address-lookup", 0, "", ora.LoadOp(dtb), "lookup /c", "lookup /memory", "lookup /chosen",
		"lookup /nope", "lookup /c@1", "lookup /c@2", "open_into 4096", ora.SetPropU64Op("/c", "x", 1),
		ora.SetPropU64Op("/memory", "y", 2), "pack")
	dtc("dtc-padded", 0, "", ora.LoadOp(o.DTCCompile(t, testDTS, "-p", "64")), "open_into 1024", "pack")
	dtc("dtc-extra-reserve-slots", 0, "", ora.LoadOp(o.DTCCompile(t, testDTS, "-R", "2")), "open_into 1024",
		"add_subnode / n", "pack")
	dtc("dtc-version-16", 0, "", ora.LoadOp(o.DTCCompile(t, testDTS, "-V", "16")), "check", "walk",
		"open_into 1024", "add_subnode / n", "pack")
	// Before version 16 node names are full paths and the root is called
	// "/" (fdt_get_name returns what follows the last '/'); v2 has no
	// size_dt_strings, so names are bounded by totalsize only. See also
	// Behaviours/pre-v16-empty-root-name.
	for _, v := range []string{"2", "3"} {
		dtc("dtc-version-"+v+"-verbatim", 0, "", ora.LoadOp(o.DTCCompile(t, testDTS, "-V", v)), "check", "walk", "lookup /chosen")
	}
	seqRoot := o.run(t, ora.Join(khoRootOps("kho-v1")))
	rt := o.DTCRoundTrip(t, seqRoot.buffer[:seqRoot.total])
	if len(rt) != 144 {
		t.Errorf("dtc round trip of the 152-byte KHO root is %d bytes, docs/abi/fdt-layout.md §4 says 144", len(rt))
	}
	dtc("dtc-round-trip-kho-root", 0, "", ora.LoadOp(rt), khoAddOps("LUO", khoClient(3, "/LUO", 1, 2)...))
	// Misordered blocks: fdt_open_into repacks them with the map at 0x28.
	for _, order := range []string{"tsr", "rts", "str"} {
		mis := reorderBlocks(t, dtb, order)
		dtc("misordered-"+order+"-verbatim", len(mis), "", ora.LoadOp(mis), "check", "walk")
		for _, ops := range [][]string{{"open_into 4096", "pack"}, {"open_into 4096", "add_subnode / n", "pack"}} {
			cs = append(cs, oracleCase{name: "misordered-" + order + "-" + strings.ReplaceAll(strings.Join(ops, "-"), " ", "-"),
				layout: "dtc", script: ora.Join(ora.LoadOp(mis), ops), rsvmap: 0x28, blobOnly: true})
		}
	}
	// In place, libfdt builds the repacked tree right after the old blob
	// (tmp = fdtend) and memmoves it to the start, so the buffer keeps the
	// old bytes and a second copy of the repacked blocks behind it. Since
	// totalsize is then the buffer size, the exact blob shows them too.
	mis := reorderBlocks(t, dtb, "tsr")
	cs = append(cs, oracleCase{name: "misordered-open-into-leftovers", layout: "dtc",
		script: ora.Join(ora.LoadOp(mis), "open_into 4096"), total: 4096, rsvmap: 0x28})
	// In place, libfdt also needs room for the old blob plus the repacked
	// one (tmp + newsize must fit in the buffer), else NOSPACE.
	dtc("misordered-open-into-in-place-nospace", 0, "FDT_ERR_NOSPACE", ora.LoadOp(mis),
		fmt.Sprintf("open_into %d", len(mis)+8))
	return cs
}

// oracleNopScript makes the L-FLB tree with two properties and a node
// (with two properties) overwritten by FDT_NOP tokens.
var oracleNopScript = ora.Join(luoOps(true), "open_into 4096", "nop_prop / liveupdate-number",
	"nop_prop /luo-session compatible", "nop_node /luo-flb", "pack")

// Random op scripts.

type randNode struct {
	name   string
	parent *randNode
	kids   []*randNode
	props  []string
}

func (n *randNode) path() string {
	if n.parent == nil {
		return "/"
	}
	if n.parent.parent == nil {
		return "/" + n.name
	}
	return n.parent.path() + "/" + n.name
}

func (n *randNode) all() []*randNode {
	out := []*randNode{n}
	for _, k := range n.kids {
		out = append(out, k.all()...)
	}
	return out
}

// unitNameClash reports whether libfdt would take a for b or b for a in a
// lookup (unit-address-less names match "name@unit").
func unitNameClash(a, b string) bool {
	return a == b ||
		(!strings.Contains(a, "@") && strings.HasPrefix(b, a+"@")) ||
		(!strings.Contains(b, "@") && strings.HasPrefix(a, b+"@"))
}

var (
	randNodeNames = []string{"a", "b", "c", "c@1", "memory@0", "memory", "chosen", "cpus", "LUO",
		"memblock", "luo-session", "luo-flb", "x@ff", "node-with-a-rather-long-name"}
	randPropNames = []string{"compatible", "data", "preserved-data", "phandle", "linux,phandle", "fdt",
		"blob-size", "reg", "size", "start", "#address-cells", "status", "ta", "a", "preserved-memory-map"}
)

// randomScript generates a deterministic op script: a tree built in
// sequential-write mode, then often a few open_into/edit/pack rounds.
func oracleRandomScript(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x6c756f))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	value := func() []byte {
		switch r.IntN(10) {
		case 0:
			return nil
		case 1, 2:
			return ora.LE64(r.Uint64())
		default:
			b := make([]byte, r.IntN(21))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			return b
		}
	}
	freshName := func(n *randNode) (string, bool) {
		name := pick(randNodeNames)
		for _, k := range n.kids {
			if unitNameClash(k.name, name) {
				return "", false
			}
		}
		return name, true
	}
	var ops []string
	root := &randNode{}
	// est approximates the blob size (names counted without suffix
	// sharing) so that some buffers can be made just large enough.
	est, names := 0x40+16+4, map[string]bool{}
	var build func(n *randNode, depth int)
	build = func(n *randNode, depth int) {
		if n.parent == nil {
			ops = append(ops, "begin -")
		} else {
			ops = append(ops, "begin "+n.name)
		}
		est += 8 + align4(len(n.name)+1)
		for range r.IntN(5) {
			name := pick(randPropNames)
			if !names[name] {
				names[name] = true
				est += len(name) + 1
			}
			if r.IntN(6) == 0 {
				v := pick(randNodeNames)
				ops = append(ops, ora.PropStrOp(name, v))
				est += 12 + align4(len(v)+1)
			} else {
				v := value()
				ops = append(ops, ora.PropOp(name, v))
				est += 12 + align4(len(v))
			}
			if !slices.Contains(n.props, name) {
				n.props = append(n.props, name)
			}
		}
		if depth < 5 {
			for range r.IntN(4 - depth/2) {
				if name, ok := freshName(n); ok {
					k := &randNode{name: name, parent: n}
					n.kids = append(n.kids, k)
					build(k, depth+1)
				}
			}
		}
		ops = append(ops, "end")
	}
	size := 4096
	if r.IntN(8) == 0 {
		size = 48 + r.IntN(400)
	}
	ops = append(ops, fmt.Sprintf("create %d", size))
	for range r.IntN(3) {
		ops = append(ops, fmt.Sprintf("rsv %#x %#x", r.Uint64(), 1+r.Uint64N(1<<40)))
		est += 16
	}
	ops = append(ops, "finish_rsv")
	build(root, 0)
	ops = append(ops, "finish")
	if r.IntN(10) < 7 {
		size := []int{4096, 4096, 8192, 1024}[r.IntN(4)]
		if r.IntN(3) == 0 {
			size = est + r.IntN(80) // tight: edits may run out of space
		}
		ops = append(ops, fmt.Sprintf("open_into %d", size))
		for range 1 + r.IntN(12) {
			nodes := root.all()
			n := nodes[r.IntN(len(nodes))]
			switch k := r.IntN(20); {
			case k < 7:
				if name, ok := freshName(n); ok {
					ops = append(ops, "add_subnode "+n.path()+" "+name)
					n.kids = append(n.kids, &randNode{name: name, parent: n})
				}
			case k < 13:
				name := pick(randPropNames)
				if len(n.props) > 0 && r.IntN(2) == 0 {
					name = pick(n.props)
				}
				ops = append(ops, ora.SetPropOp(n.path(), name, value()))
				if !slices.Contains(n.props, name) {
					n.props = append(n.props, name)
				}
			case k < 15:
				if len(n.props) > 0 {
					i := r.IntN(len(n.props))
					ops = append(ops, "delprop "+n.path()+" "+n.props[i])
					n.props = slices.Delete(n.props, i, i+1)
				}
			case k < 17:
				if n.parent != nil {
					ops = append(ops, "del_node "+n.path())
					p := n.parent
					p.kids = slices.DeleteFunc(p.kids, func(c *randNode) bool { return c == n })
				}
			case k < 19:
				if r.IntN(3) == 0 {
					ops = append(ops, "pack", "reopen")
				} else {
					ops = append(ops, "pack", fmt.Sprintf("open_into %d", []int{4096, 8192, 2048, est + 64}[r.IntN(4)]))
				}
			default:
				ops = append(ops, "check", "walk")
			}
		}
		if r.IntN(10) < 6 {
			ops = append(ops, "pack")
		}
	}
	ops = append(ops, "check", "walk")
	for _, n := range root.all() {
		if r.IntN(4) == 0 {
			p := n.path()
			if i := strings.LastIndexByte(p, '@'); i > 0 && r.IntN(2) == 0 {
				p = p[:i] // the unit-address-less spelling
			}
			ops = append(ops, "lookup "+p)
		}
	}
	return ora.Join(ops)
}

// Differential rejection.
//
// Parse makes every check of fdt_check_full, so whatever libfdt rejects
// must be rejected by Parse too. Parse is stricter in exactly these ways
// (parseExtraRules), which account for every mutation that only Parse rejects;
// the t.Log lines of the test count them by message, and a rejection that
// fits none of them fails the test:
//   - reserve map not 8-byte aligned, structure block not 4-byte aligned
//     (libfdt reads both at any offset);
//   - blocks that overlap (libfdt bounds each block by totalsize only);
//   - a version 17 structure block with bytes after FDT_END (libfdt stops
//     at FDT_END and ignores the rest of size_dt_struct);
//   - no root node at all, e.g. a structure block that is just FDT_END
//     (fdt_check_full accepts an empty tree);
//   - properties after a subnode (fdt_check_full does not care, and
//     libfdt's sequential-write mode writes them).
var parseExtraRules = []*regexp.Regexp{
	regexp.MustCompile(`not N-byte aligned`),
	regexp.MustCompile(`overlaps`),
	regexp.MustCompile(`follow FDT_END`),
	regexp.MustCompile(`no root node`),
	regexp.MustCompile(`property after a subnode`),
}

func oracleMutationTest(t *testing.T, o *oracle) {
	var bases [][]byte
	for _, s := range []string{
		ora.Join(khoRootOps("kho-v3"), khoAddOps("memblock", khoClient(3, "/memblock", 1, 2)...),
			khoAddOps("LUO", khoClient(3, "/LUO", 3, 4)...)),
		ora.Join(luoOps(true)),
		ora.Join(memblockOps()),
		oracleNopScript,
	} {
		c := o.run(t, s)
		bases = append(bases, c.buffer[:c.total])
	}
	if o.DTC != "" {
		bases = append(bases, o.DTCCompile(t, testDTS), o.DTCCompile(t, testDTS, "-V", "16"))
	}
	var muts [][]byte
	for _, b := range bases {
		muts = append(muts, oracleMutations(b)...)
	}
	// Crafted blobs for the extra rules no mutation above reaches: a
	// property after a subnode (libfdt's sequential-write mode writes it
	// without complaint) and a structure block 2 bytes off alignment.
	c := o.run(t, ora.Join(ora.SeqOps(4096, ora.NodeOps("-", ora.NodeOps("a"), ora.PropU64Op("late", 1)))))
	muts = append(muts, c.buffer[:c.total], shiftStructBlock(bases[0], 2))
	var s strings.Builder
	for _, m := range muts {
		s.WriteString(ora.LoadOp(m))
		s.WriteString("\ncheck\n")
	}
	c = o.run(t, s.String())
	if len(c.checks) != len(muts) {
		t.Fatalf("oracle answered %d checks for %d mutations", len(c.checks), len(muts))
	}
	extra := map[string]int{}
	var bothOK [][]byte
	missed := 0
	for i, m := range muts {
		_, err := Parse(m)
		switch {
		case c.checks[i] != "OK" && err == nil:
			if missed++; missed <= 10 {
				t.Errorf("libfdt rejects (%s) but Parse accepts mutation %d:\n%s", c.checks[i], i, ora.Hex(m))
			}
		case c.checks[i] == "OK" && err != nil:
			extra[parseExtraRule(m, err)]++
		case err == nil:
			bothOK = append(bothOK, m)
			tr, _ := Parse(m)
			oracleCheckEncode(t, fmt.Sprintf("mutation %d", i), tr, m)
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d mutations rejected by libfdt were accepted by Parse", missed, len(muts))
	}
	// Where both accept, both must read the same tree.
	s.Reset()
	var glog []string
	for _, m := range bothOK {
		fmt.Fprintf(&s, "%s\nwalk\n", ora.LoadOp(m))
		glog = append(glog, oracleGoWalk(m)...)
	}
	w := o.run(t, s.String())
	if !slices.Equal(w.log, glog) {
		t.Errorf("walks differ on mutations both accept:\n%s", oracleLineDiff(w.log, glog))
	}
	keys := make([]string, 0, len(extra))
	total := 0
	for k, n := range extra {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	t.Logf("%d mutations of %d blobs: libfdt rejects %d, both accept %d, only Parse rejects %d",
		len(muts), len(bases), oracleCountNotOK(c.checks), len(bothOK), total)
	for _, k := range keys {
		t.Logf("  only Parse rejects: %4d × %s", extra[k], k)
		if !slices.ContainsFunc(parseExtraRules, func(re *regexp.Regexp) bool { return re.MatchString(k) }) {
			t.Errorf("Parse rejects %d blobs that libfdt accepts for a reason not in parseExtraRules: %s", extra[k], k)
		}
	}
}

func oracleCountNotOK(checks []string) int {
	n := 0
	for _, c := range checks {
		if c != "OK" {
			n++
		}
	}
	return n
}

var oracleNumbers = regexp.MustCompile(`0x[0-9a-f]+|[0-9]+|"[^"]*"`)

// extraRule names the stricter-than-libfdt rule behind a rejection.
func parseExtraRule(blob []byte, err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return oracleNumbers.ReplaceAllString(msg, "N")
}

// shiftStruct moves the structure and strings blocks of a packed v17 blob
// by n bytes, leaving n zero bytes in front of them.
func shiftStructBlock(blob []byte, n int) []byte {
	h := decodeHeader(blob)
	out := slices.Concat(blob[:h.OffDtStruct], make([]byte, n), blob[h.OffDtStruct:h.TotalSize])
	binary.BigEndian.PutUint32(out[0x04:], h.TotalSize+uint32(n))
	binary.BigEndian.PutUint32(out[0x08:], h.OffDtStruct+uint32(n))
	binary.BigEndian.PutUint32(out[0x0c:], h.OffDtStrings+uint32(n))
	return out
}

// mutations returns deterministic single-byte and single-word changes and
// truncations of blob.
func oracleMutations(blob []byte) [][]byte {
	var out [][]byte
	seen := map[string]bool{string(blob): true}
	add := func(m []byte) {
		if !seen[string(m)] {
			seen[string(m)] = true
			out = append(out, m)
		}
	}
	for i := range blob {
		for _, f := range []func(byte) byte{
			func(b byte) byte { return b ^ 0x01 }, func(b byte) byte { return b ^ 0x80 },
			func(byte) byte { return 0 }, func(byte) byte { return 0xff },
		} {
			m := bytes.Clone(blob)
			m[i] = f(m[i])
			add(m)
		}
	}
	for i := 0; i+4 <= len(blob); i += 4 {
		v := binary.BigEndian.Uint32(blob[i:])
		for _, nv := range []uint32{0, 1, 2, 3, 4, 9, 15, 16, 17, 0x28, 0xffffffff, v + 1, v - 1, v + 4, v - 4, v + 8, v - 8, v ^ 0x80000000} {
			m := bytes.Clone(blob)
			binary.BigEndian.PutUint32(m[i:], nv)
			add(m)
		}
	}
	for n := 0; n < len(blob); n += 5 {
		add(bytes.Clone(blob[:n]))
	}
	return out
}
