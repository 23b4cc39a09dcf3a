//go:build linux

// Package liveupdate drives the Live Update Orchestrator's user API
// (/dev/liveupdate, include/uapi/linux/liveupdate.h as of Linux 7.2): create
// and retrieve named sessions, preserve and retrieve file descriptors in
// them, finish them. It needs no cgo; the real-kernel suite's guest program
// builds its live-update state with it.
package liveupdate

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DevicePath is the LUO character device.
const DevicePath = "/dev/liveupdate"

// NameLen is the size of a session name buffer, NUL included
// (LIVEUPDATE_SESSION_NAME_LENGTH).
const NameLen = 64

// The ioctl numbers: _IO(0xBA, nr), no size or direction bits.
const (
	ioctlType       = 0xBA
	cmdCreate       = ioctlType << 8 // nr 0x00
	cmdRetrieve     = ioctlType<<8 | 0x01
	cmdPreserveFD   = ioctlType<<8 | 0x40
	cmdRetrieveFD   = ioctlType<<8 | 0x41
	cmdFinish       = ioctlType<<8 | 0x42
	cmdGetName      = ioctlType<<8 | 0x43
	sessionArgSize  = 4 + 4 + NameLen
	fdArgSize       = 4 + 4 + 8
	finishArgSize   = 4 + 4
	getNameArgSize  = 4 + 4 + NameLen
	maxNameBytesUse = NameLen - 1
)

type sessionArg struct {
	size uint32
	fd   int32
	name [NameLen]byte
}

type fdArg struct {
	size  uint32
	fd    int32
	token uint64
}

type finishArg struct {
	size, reserved uint32
}

type getNameArg struct {
	size, reserved uint32
	name           [NameLen]byte
}

// Device is an open /dev/liveupdate. Only one process may hold it open.
type Device struct{ f *os.File }

// Open opens the LUO device. On a kernel that failed to deserialize the
// incoming state this is where the error shows (EIO on every open).
func Open() (*Device, error) {
	f, err := os.OpenFile(DevicePath, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return &Device{f}, nil
}

// Close closes the device. Sessions live on in their own descriptors.
func (d *Device) Close() error { return d.f.Close() }

// Session is an open session descriptor.
type Session struct {
	f    *os.File
	Name string
}

func ioctl(fd uintptr, cmd uintptr, arg unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, cmd, uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

func nameArg(name string) (sessionArg, error) {
	a := sessionArg{size: sessionArgSize}
	if len(name) > maxNameBytesUse || bytes.IndexByte([]byte(name), 0) >= 0 {
		return a, fmt.Errorf("session name %q: at most %d bytes, no NUL", name, maxNameBytesUse)
	}
	copy(a.name[:], name)
	return a, nil
}

func (d *Device) session(cmd uintptr, verb, name string) (*Session, error) {
	a, err := nameArg(name)
	if err != nil {
		return nil, err
	}
	if err := ioctl(d.f.Fd(), cmd, unsafe.Pointer(&a)); err != nil {
		return nil, fmt.Errorf("%s session %q: %w", verb, name, err)
	}
	return &Session{f: os.NewFile(uintptr(a.fd), "liveupdate-session:"+name), Name: name}, nil
}

// CreateSession creates a session called name (at most 63 bytes).
func (d *Device) CreateSession(name string) (*Session, error) {
	return d.session(cmdCreate, "create", name)
}

// RetrieveSession reopens the session called name that the previous
// kernel handed over.
func (d *Device) RetrieveSession(name string) (*Session, error) {
	return d.session(cmdRetrieve, "retrieve", name)
}

// Close closes the session descriptor. Closing an outgoing session before
// the kexec drops what it preserved.
func (s *Session) Close() error { return s.f.Close() }

// PreserveFD asks the session to carry f across the live update under
// token.
func (s *Session) PreserveFD(f *os.File, token uint64) error {
	a := fdArg{size: fdArgSize, fd: int32(f.Fd()), token: token}
	if err := ioctl(s.f.Fd(), cmdPreserveFD, unsafe.Pointer(&a)); err != nil {
		return fmt.Errorf("session %q: preserve fd under token %#x: %w", s.Name, token, err)
	}
	return nil
}

// RetrieveFD returns the file preserved under token by the previous
// kernel.
func (s *Session) RetrieveFD(token uint64) (*os.File, error) {
	a := fdArg{size: fdArgSize, token: token}
	if err := ioctl(s.f.Fd(), cmdRetrieveFD, unsafe.Pointer(&a)); err != nil {
		return nil, fmt.Errorf("session %q: retrieve token %#x: %w", s.Name, token, err)
	}
	return os.NewFile(uintptr(a.fd), fmt.Sprintf("liveupdate:%s:%#x", s.Name, token)), nil
}

// Finish tells the kernel the session's incoming state is fully restored.
func (s *Session) Finish() error {
	a := finishArg{size: finishArgSize}
	if err := ioctl(s.f.Fd(), cmdFinish, unsafe.Pointer(&a)); err != nil {
		return fmt.Errorf("session %q: finish: %w", s.Name, err)
	}
	return nil
}

// KernelName asks the kernel for the session's name.
func (s *Session) KernelName() (string, error) {
	a := getNameArg{size: getNameArgSize}
	if err := ioctl(s.f.Fd(), cmdGetName, unsafe.Pointer(&a)); err != nil {
		return "", fmt.Errorf("session %q: get name: %w", s.Name, err)
	}
	n := bytes.IndexByte(a.name[:], 0)
	if n < 0 {
		n = len(a.name)
	}
	return string(a.name[:n]), nil
}
