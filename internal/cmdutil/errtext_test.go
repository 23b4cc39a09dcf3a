package cmdutil

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/luoinspect/luoinspect/source"
)

func TestErrorLine(t *testing.T) {
	noKcore := &fs.PathError{Op: "open", Path: "/proc/kcore", Err: syscall.ENOENT}
	noSock := &fs.PathError{Op: "open", Path: "sock", Err: syscall.ENXIO}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("open sock: %w", noSock), "open sock: no such device or address"},
		{fmt.Errorf("pmem.bin: %w", errors.New("pmem.bin: not a core")), "pmem.bin: not a core"},
		{fmt.Errorf("open /proc/kcore: no such file: use a kdump core: %w", noKcore), "open /proc/kcore: no such file: use a kdump core"},
		{fmt.Errorf("live: %w", errors.Join(errors.New("no debugfs"), fmt.Errorf("open /proc/kcore: no such file: hint: %w", noKcore))),
			"live: no debugfs; open /proc/kcore: no such file: hint"},
		{noKcore, "open /proc/kcore: no such file or directory"},
		{fmt.Errorf("reading %w", noKcore), "reading open /proc/kcore: no such file or directory"},
	} {
		if got := ErrorLine(tc.err); got != tc.want {
			t.Errorf("ErrorLine(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestNaming(t *testing.T) {
	for _, tc := range []struct{ name, msg, want string }{
		{"pmem.bin", "pmem.bin: not a core", "pmem.bin: not a core"},
		{"live", "live: no debugfs", "live: no debugfs"},
		{"raw:mem.bin@0x1000", "open raw image: open mem.bin: no such file", "open raw image: open mem.bin: no such file"},
		{"snapshot:a.core", "fdt: bad magic", "snapshot:a.core: fdt: bad magic"},
		{"spec a.yaml", "spec: bad field", "spec a.yaml: spec: bad field"},
	} {
		if got := Naming(tc.name, errors.New(tc.msg)).Error(); got != tc.want {
			t.Errorf("Naming(%q, %q) = %q, want %q", tc.name, tc.msg, got, tc.want)
		}
	}
	var u UsageError
	if !errors.As(Naming("x", UsageError{errors.New("bad")}), &u) {
		t.Error("Naming hides a usage error")
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "problem", "0 problems"}, {1, "problem", "1 problem"}, {2, "folio", "2 folios"},
		{1, "entry", "1 entry"}, {3, "entry", "3 entries"}, {2, "day", "2 days"},
		{2, "prefix", "2 prefixes"}, {2, "class", "2 classes"}, {1, "preserved block", "1 preserved block"},
	} {
		if got := Plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
	if got := Plural(uint64(274), "page"); got != "274 pages" {
		t.Errorf("Plural(uint64) = %q", got)
	}
}

// TestLoadErrorSourceSpec requires that a SOURCE written in one of the
// spec forms with the form wrong is a usage error, and that plain paths
// and well-formed specs are no error.
func TestLoadErrorSourceSpec(t *testing.T) {
	for spec, bad := range map[string]bool{
		"live": false, "live:in": false, "live:out": false, "live:x": true,
		"raw:m.bin@0x1000": false, "raw:m.bin@4096": false, "raw:m.bin@zz": true, "raw:m.bin": true, "raw:@0x1000": true,
		"core:": true, "core:a": false, "snapshot:": true, "blob:": true, "debugfs:": true, "debugfs-in:d": false,
		"kcore": false, "devmem": false, "a.core": false, "dir/with:colon": false,
	} {
		_, err := source.ParseSpec(spec)
		err = LoadError(err)
		var u UsageError
		if (err != nil) != bad || err != nil && !errors.As(err, &u) {
			t.Errorf("LoadError(ParseSpec(%q)) = %v, want bad %v (as a usage error)", spec, err, bad)
		}
	}
}
