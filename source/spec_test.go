package source

import (
	"errors"
	"testing"
)

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Spec
		out  string // String(), when it differs from in
	}{
		{"live", Spec{Kind: KindLive}, ""},
		{"live:in", Spec{Kind: KindLive, Side: SideIn}, ""},
		{"debugfs:/d", Spec{Kind: KindDebugfs, Path: "/d"}, ""},
		{"debugfs-out:/d", Spec{Kind: KindDebugfs, Path: "/d", Side: SideOut}, ""},
		{"kcore", Spec{Kind: KindKcore}, ""},
		{"devmem:/dev/mem", Spec{Kind: KindDevMem, Path: "/dev/mem"}, ""},
		{"core:a.core", Spec{Kind: KindCore, Path: "a.core"}, ""},
		{"snapshot:s", Spec{Kind: KindSnapshot, Path: "s"}, ""},
		{"blob:b", Spec{Kind: KindBlob, Path: "b"}, ""},
		{"raw:m@x.bin@4096", Spec{Kind: KindRaw, Path: "m@x.bin", Base: 4096}, "raw:m@x.bin@0x1000"},
		{"dir/with:colon", Spec{Kind: KindPath, Path: "dir/with:colon"}, ""},
		{"-", Spec{Kind: KindPath, Path: "-"}, ""},
	} {
		got, err := ParseSpec(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		out := tc.out
		if out == "" {
			out = tc.in
		}
		if s := got.String(); s != out {
			t.Errorf("%+v.String() = %q, want %q", got, s, out)
		}
	}
	for _, bad := range []string{"live:x", "raw:m.bin", "raw:@0x1000", "raw:m.bin@zz", "core:", "snapshot:", "blob:", "debugfs-in:"} {
		_, err := ParseSpec(bad)
		var se *SpecError
		if !errors.As(err, &se) {
			t.Errorf("ParseSpec(%q) = %v, want a *SpecError", bad, err)
		}
	}
}

func TestReopenable(t *testing.T) {
	if _, ok := (Spec{Kind: KindLive}).Reopenable(); ok {
		t.Error("live is reopenable")
	}
	s, ok := (Spec{Kind: KindCore, Path: "x.core"}).Reopenable()
	if !ok || s.Path[0] != '/' {
		t.Errorf("core:x.core reopens as %+v, %v", s, ok)
	}
	if _, ok := (Spec{Kind: KindPath, Path: t.TempDir()}).Reopenable(); ok {
		t.Error("a directory is reopenable")
	}
}
