//go:build linux

package liveupdate

import (
	"testing"
	"unsafe"
)

// The argument structs must have the uAPI's sizes, which the kernel checks
// against the size field.
func TestArgSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"liveupdate_ioctl_create_session", unsafe.Sizeof(sessionArg{}), sessionArgSize},
		{"liveupdate_session_preserve_fd", unsafe.Sizeof(fdArg{}), fdArgSize},
		{"liveupdate_session_finish", unsafe.Sizeof(finishArg{}), finishArgSize},
		{"liveupdate_session_get_name", unsafe.Sizeof(getNameArg{}), getNameArgSize},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, c.got, c.want)
		}
	}
	if _, err := nameArg(string(make([]byte, 64))); err == nil {
		t.Error("a 64-byte name was accepted")
	}
	if _, err := nameArg("a\x00b"); err == nil {
		t.Error("a name with a NUL was accepted")
	}
	if a, err := nameArg("ok"); err != nil || a.name[0] != 'o' || a.name[2] != 0 {
		t.Errorf("nameArg(ok) = %v, %v", a.name[:3], err)
	}
}
