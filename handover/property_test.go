package handover

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/luo"
)

// has reports whether generation tag places the struct name in memory.
func has(tag, name string) bool {
	g, ok := abi.Lookup(abi.Tag(tag))
	if !ok {
		return false
	}
	_, ok = g.Struct(name)
	return ok
}

// hasLiveupdateNumber reports whether generation tag stores the live-update
// counter, as an FDT property or a luo_ser member.
func hasLiveupdateNumber(tag abi.Tag) bool {
	g, _ := abi.Lookup(abi.Tag(tag))
	for i := range g.Nodes {
		if _, ok := g.Nodes[i].Prop("liveupdate-number"); ok {
			return true
		}
	}
	for _, st := range g.Structs {
		if _, ok := st.Field("liveupdate_num"); ok {
			return true
		}
	}
	return false
}

// randomSpec builds a state of random shape that generation luoTag can
// hold: files only where the layout has file entries, FLBs only where it
// has FLB entries, names within the layout's name field.
func randomSpec(r *rand.Rand, khoTag, luoTag, memfdTag abi.Tag) *Spec {
	s := &Spec{KHO: abi.Tag(khoTag), LUO: abi.Tag(luoTag), Memfd: abi.Tag(memfdTag)}
	if hasLiveupdateNumber(luoTag) {
		s.LiveupdateNumber = r.Uint64N(100)
	}
	if luoTag == luo.TagRFC {
		// L-RFC: files of the whole state, written in ascending token order.
		for j := range r.IntN(5) {
			s.GlobalFiles = append(s.GlobalFiles, randomFile(r, uint64(j*10+1+r.IntN(9)), memfdTag))
		}
		return s
	}
	files := has(string(luoTag), "luo_file_ser")
	for i := range r.IntN(6) {
		ss := SessionSpec{Name: fmt.Sprintf("s%d-%x", i, r.Uint32())}
		for j := 0; files && j < r.IntN(5); j++ {
			ss.Files = append(ss.Files, randomFile(r, uint64(i*100+j), memfdTag))
		}
		s.Sessions = append(s.Sessions, ss)
	}
	for i := 0; has(string(luoTag), "luo_flb_ser") && i < r.IntN(4); i++ {
		s.FLBs = append(s.FLBs, FLBSpec{Name: fmt.Sprintf("flb-%d", i), Data: r.Uint64(), Count: 1 + r.Uint64N(3)})
	}
	return s
}

// randomFile is a memfd (three times in four when memfdTag is set) or a
// file of another handler.
func randomFile(r *rand.Rand, token uint64, memfdTag abi.Tag) FileSpec {
	fs := FileSpec{Token: token}
	if memfdTag == "" || r.IntN(4) == 0 {
		fs.Handler, fs.Data = "iommufd-v1", r.Uint64()
		return fs
	}
	fs.Memfd = &MemfdSpec{Size: r.Uint64N(5 * 4096), WithData: r.IntN(2) == 0}
	if memfdTag != "M0" && memfdTag != "M1" {
		fs.Memfd.Seals = uint32(r.IntN(32))
	}
	if r.IntN(3) == 0 {
		fs.Memfd.Pos = r.Uint64N(4096)
	}
	return fs
}

// memfdFor returns the memfd generations a LUO generation can carry: L-feat
// names handlers ("memfd" is M4); the others carry compatible strings.
func memfdFor(luoTag abi.Tag) []string {
	if luoTag == luo.TagFeat {
		return []string{"M4"}
	}
	return []string{"M0", "M1", "M2a", "M2b", "M3"}
}

func TestCheckCombination(t *testing.T) {
	for _, tc := range []struct {
		kho, luo, memfd string
		ok              bool
	}{
		{"K1b", "L-6.19", "M1", true},
		{"K3", "L-luo-v3", "M2b", true},
		{"K2", "L-luo-v3", "M2b", false},
		{"K1b", "L-luo-v5", "", false},
		{"K4", "L-feat", "M4", true},
		{"K4", "L-feat", "M2b", false},
		{"K4", "L-luo-v5", "M4", false},
		{"L-6.19", "", "", false},
		{"K4", "M1", "", false},
	} {
		err := CheckCombination(abi.Tag(tc.kho), abi.Tag(tc.luo), abi.Tag(tc.memfd))
		if (err == nil) != tc.ok {
			t.Errorf("%s+%s+%s: %v", tc.kho, tc.luo, tc.memfd, err)
		}
	}
}

// TestEncodeDecodeProperty checks decode(encode(s)) == s over random states
// of every KHO core generation crossed with every LUO generation (L-RFC
// with its session-less files), and every memfd generation that LUO
// generation can carry.
func TestEncodeDecodeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	khoTags := []string{"K1a", "K1b", "K2", "K3", "K4", "K-RFC-compat"}
	runs, refused := 0, 0
	for _, luoTag := range luo.EncodableGenerations() {
		for _, memfdTag := range memfdFor(luoTag) {
			for _, khoTag := range khoTags {
				name := fmt.Sprintf("%s+%s+%s", khoTag, luoTag, memfdTag)
				if err := CheckCombination(abi.Tag(khoTag), luoTag, abi.Tag(memfdTag)); err != nil {
					refused++
					continue
				}
				for range 3 {
					spec := randomSpec(r, abi.Tag(khoTag), luoTag, abi.Tag(memfdTag))
					spec.Normalize()
					enc, err := Encode(spec)
					if err != nil {
						t.Fatalf("%s: encode: %v", name, err)
					}
					// M2a and M2b (and L-v6 strides) can read the same bytes:
					// name the generations, as a user who knows the producer would.
					st, err := Walk(enc.Root, enc.Image, Options{LUO: luoTag, Memfd: abi.Tag(memfdTag), KHO: abi.Tag(khoTag)})
					if err != nil {
						t.Fatalf("%s: walk: %v", name, err)
					}
					for _, p := range st.Problems {
						t.Errorf("%s: problem: %v", name, p)
					}
					got := st.Spec(enc.Image)
					got.Name, got.Description, got.Base = spec.Name, spec.Description, spec.Base
					if !reflect.DeepEqual(got, spec) {
						a, _ := got.JSON()
						b, _ := spec.JSON()
						t.Fatalf("%s: decoded spec differs:\n%s\nwant\n%s", name, a, b)
					}
					runs++
				}
			}
		}
	}
	if runs < 200 {
		t.Fatalf("only %d round trips ran", runs)
	}
	t.Logf("%d random states round-tripped; %d combinations refused by CheckCombination", runs, refused)
}
