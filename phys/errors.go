package phys

import (
	"errors"
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
)

// Sentinel errors. Every *Error wraps one of them, so callers can classify a
// failure with errors.Is.
var (
	// ErrUnresolved: the source does not hold the memory a pointer names.
	ErrUnresolved = errors.New("unresolved")
	// ErrMalformed: the bytes do not form a valid structure.
	ErrMalformed = errors.New("malformed")
	// ErrCycle: a pointer chain comes back to an address it visited.
	ErrCycle = errors.New("pointer cycle")
	// ErrLimit: a count or chain exceeds what the kernel allows or what
	// the input can hold.
	ErrLimit = errors.New("limit exceeded")
	// ErrUnsupported: the data is of a generation this build cannot read.
	ErrUnsupported = errors.New("unsupported generation")
)

// NoAddr marks an Error that has no physical address.
const NoAddr = ^uint64(0)

// Error is a decode failure at a place in the handover state.
type Error struct {
	Path   string // where in the state, e.g. "LUO/sessions[3].files[7].data"
	Addr   uint64 // physical address of the offending bytes, or NoAddr
	Offset int64  // byte offset inside the blob being decoded, or -1
	Err    error  // one of the sentinels above
	Msg    string
	// Check names the check that failed; "" for a problem no rule
	// classifies beyond its sentinel (unresolved memory, say).
	Check Check
}

// Error formats as "<path>: <class> at PA 0x<addr> (+0x<off>): <msg>".
func (e *Error) Error() string {
	s := e.Path + ": " + e.Err.Error()
	if e.Addr != NoAddr {
		s += fmt.Sprintf(" at PA 0x%x", e.Addr)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (+0x%x)", e.Offset)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error at a physical address (NoAddr for none) and an
// offset inside the structure (-1 for none).
func Errorf(kind error, path string, addr uint64, off int64, format string, args ...any) *Error {
	return &Error{Path: path, Addr: addr, Offset: off, Err: kind, Msg: fmt.Sprintf(format, args...)}
}

// Check names the check a decode problem failed, so that a consumer (the
// validator's rule table) can classify the problem without reading its
// message. Each decoding package declares the checks it raises next to
// its decoder, as "<package>/<what>" (for example "luo/session-count").
type Check string

// String returns the check's name.
func (c Check) String() string { return string(c) }

// With sets the check e failed and returns e.
func (e *Error) With(c Check) *Error {
	e.Check = c
	return e
}

// Flatten returns every *Error inside err, in order: err itself, or each
// error of an errors.Join tree. Errors that are not *Error are wrapped as
// ErrMalformed at path.
func Flatten(err error, path string) []*Error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*Error
		for _, e := range j.Unwrap() {
			out = append(out, Flatten(e, path)...)
		}
		return out
	}
	var pe *Error
	if errors.As(err, &pe) {
		return []*Error{pe}
	}
	return []*Error{Errorf(ErrMalformed, path, NoAddr, -1, "%v", err)}
}

// Within reports whether the decode path names part itself or a part of
// it: "LUO/sessions[3].files[7]" is within "LUO/sessions[3]" and "LUO",
// not within "LUO/sessions[30]".
func Within(path, part string) bool {
	if !strings.HasPrefix(path, part) {
		return false
	}
	rest := path[len(part):]
	return rest == "" || rest[0] == '.' || rest[0] == '/' || rest[0] == '['
}

// FDTError returns the *Error for a problem package fdt found in an FDT
// blob (err, usually an *fdt.Error) that lies at physical address addr
// (NoAddr when it has none): ErrMalformed at path, at the byte offset of
// the blob the problem names (-1 when none), with err's text as the
// message. Callers set the check.
func FDTError(err error, path string, addr uint64) *Error {
	off := int64(-1)
	var fe *fdt.Error
	if errors.As(err, &fe) && fe.Offset >= 0 {
		off = int64(fe.Offset)
	}
	return Errorf(ErrMalformed, path, addr, off, "%v", err)
}
