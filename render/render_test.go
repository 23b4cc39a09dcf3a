package render

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// goldenDir holds the golden files; go test ./render -update rewrites them.
const goldenDir = "testdata/golden"

func walkSample(t *testing.T, name string) *handover.State {
	t.Helper()
	st, _ := encodeSample(t, name)
	return st
}

func TestModelJSONGolden(t *testing.T) {
	for _, name := range handover.SampleNames() {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(Model(walkSample(t, name)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, goldenDir, name+".json", append(b, '\n'))
		})
	}
}

func TestTree(t *testing.T) {
	var b strings.Builder
	if err := Tree(&b, walkSample(t, "k2-lflb-m1"), nil); err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, goldenDir, "k2-lflb-m1.tree", []byte(b.String()))
}

func TestSelect(t *testing.T) {
	m := Model(walkSample(t, "k4-luov5-m2b"))
	for _, tc := range []struct {
		path, want string
		ok         bool
	}{
		{"luo/sessions/big/files/token=3/token", `"0x3"`, true},
		{"luo/sessions/big/files/token=0x3/token", `"0x3"`, true},
		{"luo/sessions/big/files/#2/token", `"0x3"`, true},
		{"luo/sessions/#0/name", `"big"`, true},
		{"luo/sessions/s10/files/token=1010/memfd/generation", `"M2b"`, true},
		{"GENERATIONS/kho/tag", `"K4"`, true},
		{"kho/preserved_blocks", "316", true},
		{"luo/sessions/big/files/3", "", false},
		{"luo/sessions/#999", "", false},
		{"luo/sessions/#x", "", false},
		{"luo/sessions/big/files/token=zz", "", false},
		{"luo/sessions/nope", "", false},
		{"kho/compatible/x", "", false},
	} {
		v, err := Select(m, tc.path)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if got, _ := json.Marshal(v); tc.ok && string(got) != tc.want {
			t.Errorf("%s = %s, want %s", tc.path, got, tc.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB", 64 << 30: "64 GiB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestJSONSchemaDoc keeps docs/state.schema.json equal to JSONSchema.
func TestJSONSchemaDoc(t *testing.T) {
	b, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join("..", "docs"), "state.schema.json", append(b, '\n'))
}

// TestGoldenMatchesSchema checks every golden document against the schema's
// required fields and property names (a small structural check, not a full
// JSON Schema validator).
func TestGoldenMatchesSchema(t *testing.T) {
	raw, _ := JSONSchema()
	var schema map[string]any
	json.Unmarshal(raw, &schema)
	for _, name := range handover.SampleNames() {
		data, err := os.ReadFile(filepath.Join(goldenDir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		json.Unmarshal(data, &doc)
		if err := conforms(doc, schema, "$"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func conforms(v any, s map[string]any, at string) error {
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: not an object", at)
		}
		props, _ := s["properties"].(map[string]any)
		for k, val := range m {
			ps, ok := props[k].(map[string]any)
			if !ok {
				return fmt.Errorf("%s.%s: not in the schema", at, k)
			}
			if err := conforms(val, ps, at+"."+k); err != nil {
				return err
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := m[r.(string)]; !ok {
				return fmt.Errorf("%s: %s missing", at, r)
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: not an array", at)
		}
		for i, el := range l {
			if err := conforms(el, s["items"].(map[string]any), fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: not a string", at)
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: not an integer", at)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: not a boolean", at)
		}
	}
	return nil
}

func TestStructRegions(t *testing.T) {
	g, _ := abi.Lookup("M1")
	st, _ := g.Struct("memfd_luo_folio_ser")
	b := []byte{0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x30, 0x00, 7, 0, 0, 0, 0, 0, 0, 0}
	rs := StructRegions(st, b)
	if len(rs) != 2 {
		t.Fatalf("regions = %+v", rs)
	}
	if rs[0].Label != "memfd_luo_folio_ser.pfn:52 @bit 0, flags:12 @bit 52" || rs[0].Value != "pfn=4886718345 (0x123456789), flags=3" {
		t.Errorf("bitfield region = %+v", rs[0])
	}
	if rs[1].Label != "memfd_luo_folio_ser.index (u64)" || rs[1].Value != "7" {
		t.Errorf("index region = %+v", rs[1])
	}
	g, _ = abi.Lookup("L-6.19")
	ss, _ := g.Struct("luo_session_ser")
	sb := make([]byte, ss.Size)
	copy(sb, "vm0")
	sb[10] = 'x'
	for _, r := range StructRegions(ss, sb) {
		if strings.HasPrefix(r.Label, "luo_session_ser.name") && r.Value != `"vm0" (bytes after the NUL)` {
			t.Errorf("name region = %+v", r)
		}
	}
}
