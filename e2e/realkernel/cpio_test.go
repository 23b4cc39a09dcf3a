package realkernel

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

// TestInitramfsCpio lists an archive with GNU cpio, the format's oracle:
// every entry is there with its type, and file data comes back whole.
func TestInitramfsCpio(t *testing.T) {
	cpio := testutil.OraclePath(t, "cpio")
	r := NewInitramfs()
	r.Add("init", []byte("#!/bin/sh\n"), 0o755)
	r.Add("boot/next", bytes.Repeat([]byte{0xa5}, 4099), 0o644)
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cpio, "-itv", "--quiet")
	cmd.Stdin = bytes.NewReader(b.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cpio -itv: %v", err)
	}
	for _, want := range []string{"crw-------", "dev/console", "-rwxr-xr-x", " init", "4099", "boot/next", "drwxr-xr-x", " proc"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("cpio -itv lacks %q:\n%s", want, out)
		}
	}
	dir := t.TempDir()
	cmd = exec.Command(cpio, "-id", "--quiet", "boot/next")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(b.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -id: %v %s", err, out)
	}
	if got, err := os.ReadFile(dir + "/boot/next"); err != nil || !bytes.Equal(got, bytes.Repeat([]byte{0xa5}, 4099)) {
		t.Errorf("boot/next extracted as %d bytes (%v)", len(got), err)
	}
}
