package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// encodeSample encodes a sample and walks it, returning the memory too.
func encodeSample(t *testing.T, name string) (*handover.State, *handover.Encoded) {
	t.Helper()
	spec, err := handover.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := handover.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := handover.Walk(enc.Root, enc.Image, handover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.RootAddr, st.RootOrigin = enc.RootAddr, "written by luoinspect encode ("+name+")"
	return st, enc
}

func TestFullGolden(t *testing.T) {
	for _, name := range handover.SampleNames() {
		t.Run(name, func(t *testing.T) {
			st, enc := encodeSample(t, name)
			var tree bytes.Buffer
			if err := FullTree(&tree, st, enc.Image, nil); err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, goldenDir, name+".full.tree", tree.Bytes())
			var lines bytes.Buffer
			if err := WriteJSONL(&lines, st, enc.Image, ""); err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, goldenDir, name+".jsonl", lines.Bytes())
			full, err := FullModel(st, enc.Image)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(full, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, goldenDir, name+".full.json", append(b, '\n'))
		})
	}
}

// TestJSONLPlaces checks that every JSON Lines record's "at" selects, in
// the full document, an object holding the record's members.
func TestJSONLPlaces(t *testing.T) {
	for _, name := range handover.SampleNames() {
		t.Run(name, func(t *testing.T) {
			st, enc := encodeSample(t, name)
			model, err := FullModel(st, enc.Image)
			if err != nil {
				t.Fatal(err)
			}
			full, err := generic(model)
			if err != nil {
				t.Fatal(err)
			}
			var lines bytes.Buffer
			if err := WriteJSONL(&lines, st, enc.Image, ""); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(&lines)
			kinds := map[string]int{}
			for sc.Scan() {
				var rec map[string]any
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("%s: %v", sc.Text(), err)
				}
				kind, _ := rec["record"].(string)
				kinds[kind]++
				at, _ := rec["at"].(string)
				if kind == KindState {
					continue
				}
				got := full
				for _, seg := range segments(at) {
					if got, _, err = step(got, seg); err != nil {
						break
					}
				}
				if err != nil {
					t.Errorf("%s: %v", sc.Text(), err)
					continue
				}
				got = exactNumbers(got)
				obj, ok := got.(map[string]any)
				if !ok {
					t.Errorf("%s selects %T", at, got)
					continue
				}
				for k, v := range rec {
					if k == "record" || k == "at" {
						continue
					}
					want, _ := json.Marshal(v)
					have, _ := json.Marshal(obj[k])
					if !bytes.Equal(want, have) {
						t.Errorf("%s.%s: record %s, document %s", at, k, want, have)
					}
				}
			}
			for _, k := range []string{KindState, KindRoot, KindClient, KindMap, KindPreservedBlock, KindOrderTotal, KindLUO, KindSession, KindFile, KindMemfd, KindFolio} {
				if kinds[k] == 0 && (k != KindSession || len(st.Sessions) > 0) {
					t.Errorf("no %s record", k)
				}
			}
		})
	}
}

// TestNoRawUint64 keeps every 64-bit value of the documents a Hex string:
// a JSON number above 2^53 loses bits in most readers.
func TestNoRawUint64(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, at string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(ty.Elem(), at)
		case reflect.Struct:
			for i := 0; i < ty.NumField(); i++ {
				f := ty.Field(i)
				walk(f.Type, at+"."+f.Name)
			}
		case reflect.Uint64, reflect.Int64, reflect.Uint:
			if ty != hexType {
				t.Errorf("%s is a %s: make it a Hex", at, ty)
			}
		}
	}
	for _, v := range []any{State{}, JSONLHeader{}, Folio{}, Hole{}, PreservedBlock{}, OrderTotal{}, MapChunk{}, RadixLeaf{}, ChainBlock{}, VmallocChunk{}, FeatureWord{}} {
		walk(reflect.TypeOf(v), reflect.TypeOf(v).Name())
	}
}

func TestCanonical(t *testing.T) {
	m := Model(walkSample(t, "k4-luov5-m2b"))
	for path, want := range map[string]string{
		"luo/sessions/big/files/token=0x3":               "luo/sessions/#0/files/#2",
		"LUO/Sessions/s10":                               "luo/sessions/#11",
		"luo/sessions/big/files/token=2/memfd/folios/#0": "luo/sessions/#0/files/#1/memfd/folios/#0",
		"kho/map/blocks/#3":                              "kho/map/blocks/#3",
	} {
		got, err := Canonical(m, path)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	for _, bad := range []string{"luo/sessions/nope", "luo/sessions/big/files/token=99999"} {
		if got, err := Canonical(m, bad); err == nil {
			t.Errorf("Canonical(%q) = %q, want an error", bad, got)
		}
	}
}

func TestPlaceString(t *testing.T) {
	for p, want := range map[Place]string{
		{"luo", "sessions", 3}:         "luo/sessions/#3",
		at("", "luo"):                  "luo",
		at("luo/sessions/#0", "memfd"): "luo/sessions/#0/memfd",
	} {
		if got := p.String(); got != want {
			t.Errorf("%+v = %q, want %q", p, got, want)
		}
	}
}
