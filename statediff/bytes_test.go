package statediff

import (
	"os"
	"reflect"
	"testing"

	"github.com/luoinspect/luoinspect/handover"
)

// luoBlob encodes a spec and returns its LUO client blob.
func luoBlob(t *testing.T, s *handover.Spec) []byte {
	t.Helper()
	enc, err := handover.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return enc.Blobs["LUO"]
}

func regionSummary(d *ByteDiff) []string {
	out := []string{}
	for _, r := range d.Regions {
		out = append(out, r.Op.Marker()+" "+r.Label)
	}
	return out
}

func TestBytes(t *testing.T) {
	base := luoBlob(t, sample(t, "k2-lflb-m1"))
	bumped := sample(t, "k2-lflb-m1")
	bumped.LiveupdateNumber++
	noFLB := sample(t, "k2-lflb-m1")
	noFLB.LUO = "L-6.19"
	noFLB.FLBs = nil
	root, err := os.ReadFile("../testdata/fdt/kho-v1-root.dtb")
	if err != nil {
		t.Fatal(err)
	}
	tail := append(append([]byte(nil), root...), 0xff)

	tests := []struct {
		name string
		a, b []byte
		want []string
	}{
		{"identical", base, base, []string{}},
		{"number", base, luoBlob(t, bumped), []string{"~ / liveupdate-number"}},
		{"FLB node gone", base, luoBlob(t, noFLB), []string{
			"~ header.totalsize", "~ header.off_dt_strings", "~ header.size_dt_strings", "~ header.size_dt_struct",
			// The name offsets of the remaining properties moved.
			"~ FDT_PROP / compatible", "~ FDT_PROP / liveupdate-number",
			"~ FDT_PROP /luo-session compatible", "~ FDT_PROP /luo-session luo-session-header",
			"- FDT_BEGIN_NODE /luo-flb", "- node name /luo-flb", "- padding after node name /luo-flb",
			"- FDT_PROP /luo-flb compatible", "- /luo-flb compatible", "- padding after /luo-flb compatible",
			"- FDT_PROP /luo-flb luo-flb-header", "- /luo-flb luo-flb-header", "- padding after /luo-flb luo-flb-header",
			"- FDT_END_NODE /luo-flb", "- string \"luo-flb-header\"",
		}},
		{"past totalsize", root, tail, []string{"~ unlabelled bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Bytes("a", tc.a, "b", tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := regionSummary(d); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("regions:\n%q\nwant\n%q", got, tc.want)
			}
			if (d.Verdict == Identical) != (len(tc.want) == 0) {
				t.Errorf("verdict %s", d.Verdict)
			}
		})
	}
}

func TestBytesValues(t *testing.T) {
	bumped := sample(t, "k2-lflb-m1")
	bumped.LiveupdateNumber++
	d, err := Bytes("a", luoBlob(t, sample(t, "k2-lflb-m1")), "b", luoBlob(t, bumped))
	if err != nil {
		t.Fatal(err)
	}
	r := d.Regions[0]
	if r.Old != "02 00 00 00 00 00 00 00" || r.New != "03 00 00 00 00 00 00 00" ||
		r.OldValue != "u64 LE 0x2" || r.NewValue != "u64 LE 0x3" || r.OffsetA != r.OffsetB || r.Kind != "value" {
		t.Errorf("%+v", r)
	}
}

func TestBytesNotFDT(t *testing.T) {
	if _, err := Bytes("a", []byte("not an fdt"), "b", nil); err == nil {
		t.Error("no error for a blob that is not an FDT")
	}
}

// TestBytesLenient compares a blob cut short with the whole one: read
// leniently, noted, and never out of bounds.
func TestBytesLenient(t *testing.T) {
	whole := luoBlob(t, sample(t, "k2-lflb-m1"))
	for _, n := range []int{4, 40, 100, len(whole) - 1} {
		d, err := Bytes("a", whole, "b", whole[:n])
		if err != nil {
			continue
		}
		if d.Verdict != Different || len(d.Notes) == 0 {
			t.Errorf("cut at %d: verdict %s, notes %q", n, d.Verdict, d.Notes)
		}
	}
}

// TestBytesMutations flips every byte of a blob in turn: Bytes may fail
// or report differences, but must never panic.
func TestBytesMutations(t *testing.T) {
	whole := luoBlob(t, sample(t, "k2-lflb-m1"))
	for i := range whole {
		for _, v := range []byte{0x00, 0xff, 0x7f} {
			m := append([]byte(nil), whole...)
			m[i] = v
			if d, err := Bytes("a", whole, "b", m); err == nil && d.Verdict == Identical && m[i] != whole[i] {
				t.Errorf("byte %d set to 0x%x: identical", i, v)
			}
		}
	}
}
