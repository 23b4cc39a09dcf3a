package realkernel

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/render"
)

// checkRecords: every record of a real handover is listed by dump
// --detail full (tree, JSON, JSON Lines) and agrees with the summary: the
// root at the address kho_populate was handed, as many preserved blocks as
// the map holds, as many folio records as each memfd's nr_folios, each
// folio with the order of its preserved block, and the block and chunk
// chains the kernel wrote.
func checkRecords(t *testing.T, u *update, cli string) {
	out, code := luoinspect(t, cli, "dump", u.handover, "-o", "json")
	if code != 0 {
		t.Fatalf("dump -o json exited %d", code)
	}
	sum := decode[render.State](t, "handover dump", out)
	lines, code := luoinspect(t, cli, "dump", u.handover, "-o", "jsonl")
	if code != 0 {
		t.Fatalf("dump -o jsonl exited %d", code)
	}
	kinds := map[string]int{}
	folios := map[string]uint64{} // memfd selector -> folio records
	sc := bufio.NewScanner(bytes.NewReader(lines))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("jsonl line %q: %v", sc.Text(), err)
		}
		kind, _ := rec["record"].(string)
		kinds[kind]++
		switch kind {
		case render.KindRoot:
			if a, _ := rec["addr"].(string); parseHex(a) != u.populate[0] {
				t.Errorf("kho-root record at %s, kho_populate was handed %#x", a, u.populate[0])
			}
		case render.KindFolio:
			if _, ok := rec["order"]; !ok {
				t.Errorf("folio without an order (not in the preserved map): %s", sc.Text())
			}
			at, _ := rec["at"].(string)
			folios[at[:strings.LastIndex(at, "/folios/")]]++
		}
	}
	for _, k := range []string{render.KindState, render.KindRoot, render.KindClient, render.KindMap, render.KindRadixLeaf,
		render.KindPreservedBlock, render.KindOrderTotal, render.KindLUO, render.KindSessionBlock, render.KindSession,
		render.KindFileBlock, render.KindFile, render.KindMemfd, render.KindVmallocChunk, render.KindFolio, render.KindFLB} {
		if kinds[k] == 0 {
			t.Errorf("no %s record in the JSON Lines of a real handover (kinds seen: %v)", k, kinds)
		}
	}
	if sum.KHO.PreservedBlocks == nil || kinds[render.KindPreservedBlock] != *sum.KHO.PreservedBlocks {
		t.Errorf("%d preserved-block records, the summary counts %v", kinds[render.KindPreservedBlock], sum.KHO.PreservedBlocks)
	}
	if sum.LUO != nil {
		for i, s := range sum.LUO.Sessions {
			for j, f := range s.Files {
				at := fmt.Sprintf("luo/sessions/#%d/files/#%d/memfd", i, j)
				if f.Memfd != nil && folios[at] != uint64(f.Memfd.NrFolios) {
					t.Errorf("%s: %d folio records, nr_folios %d", at, folios[at], uint64(f.Memfd.NrFolios))
				}
			}
		}
	}
	out, code = luoinspect(t, cli, "dump", u.handover, "--detail", "full", "-o", "json")
	full := decode[render.State](t, "full dump", out)
	if code != 0 || full.KHO.Map == nil || len(full.KHO.Map.Blocks) != kinds[render.KindPreservedBlock] {
		t.Errorf("dump --detail full -o json: exit %d, map %v", code, full.KHO.Map != nil)
	}
	tree, code := luoinspect(t, cli, "dump", u.handover, "--detail", "full")
	for _, want := range []string{"root FDT @0x", "radix-tree @0x", "session block @0x", "file block @0x", "vmalloc first @0x", "folio"} {
		if code != 0 || !bytes.Contains(tree, []byte(want)) {
			t.Errorf("dump --detail full (exit %d) has no %q:\n%s", code, want, tree)
		}
	}
	if bytes.Contains(tree, []byte("order ?")) {
		t.Errorf("a real handover's folio has no preserved block:\n%s", tree)
	}
}

func parseHex(s string) uint64 {
	v, _ := strconv.ParseUint(s, 0, 64)
	return v
}
