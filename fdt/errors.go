package fdt

import "fmt"

// Code classifies a problem found in a blob. A Code is itself an error, so
// callers can test a returned *Error with errors.Is(err, fdt.ErrTruncated).
type Code int

// Problem classes. The first group matches libfdt's error classes; the rest
// name checks libfdt does not make.
const (
	// ErrTruncated: the blob ends before something it announces.
	ErrTruncated Code = iota + 1
	// ErrBadMagic: the first word is not 0xd00dfeed.
	ErrBadMagic
	// ErrBadVersion: version or last_comp_version is unsupported.
	ErrBadVersion
	// ErrBadLayout: header offsets and sizes are inconsistent (outside
	// totalsize, overlapping, misaligned).
	ErrBadLayout
	// ErrBadStructure: the token stream is malformed.
	ErrBadStructure
	// ErrBadString: a name offset is outside the strings block or a name is
	// not NUL-terminated.
	ErrBadString
	// ErrNoSpace: a writer ran out of room in its buffer.
	ErrNoSpace
	// ErrNotFound: a node or property named by an edit does not exist.
	ErrNotFound
	// ErrExists: a node added by an edit exists already.
	ErrExists
	// ErrBadValue: an argument to a writer or accessor is unusable.
	ErrBadValue

	// NoticePadding: alignment padding holds non-zero bytes. libfdt
	// accepts this; Tree.Encode cannot reproduce those bytes.
	NoticePadding
	// NoticeReserveTerminator: the reserve-map terminator has a non-zero
	// address (libfdt ends the map at the first entry of size 0).
	NoticeReserveTerminator
	// NoticeGap: bytes inside totalsize that belong to no block are not
	// zero.
	NoticeGap
)

var codeNames = map[Code]string{
	ErrTruncated:            "truncated",
	ErrBadMagic:             "bad magic",
	ErrBadVersion:           "bad version",
	ErrBadLayout:            "bad layout",
	ErrBadStructure:         "bad structure",
	ErrBadString:            "bad string",
	ErrNoSpace:              "no space",
	ErrNotFound:             "not found",
	ErrExists:               "exists",
	ErrBadValue:             "bad value",
	NoticePadding:           "non-zero padding",
	NoticeReserveTerminator: "odd reserve terminator",
	NoticeGap:               "non-zero gap",
}

// String returns the short name of the class.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", int(c))
}

// Error makes a Code usable as a sentinel error.
func (c Code) Error() string { return "fdt: " + c.String() }

// IsNotice reports whether the class describes an oddity that libfdt accepts
// rather than a defect.
func (c Code) IsNotice() bool { return c >= NoticePadding }

// Error is a problem at a byte offset of a blob.
type Error struct {
	Code   Code
	Offset int    // byte offset in the blob, or -1 when it has none
	Path   string // node path ("/LUO"), or "" when the problem is not inside a node
	Msg    string
	// Suppressed counts further problems folded into this entry when a
	// parse met more than it lists.
	Suppressed int
}

// Error formats the problem as "fdt: <class> at byte 0x<off> (<path>): <msg>".
func (e *Error) Error() string {
	where := ""
	if e.Offset >= 0 {
		where = fmt.Sprintf(" at byte 0x%x", e.Offset)
	}
	if e.Path != "" {
		where += " (" + e.Path + ")"
	}
	return "fdt: " + e.Code.String() + where + ": " + e.Msg
}

// Is lets errors.Is match an *Error against its Code.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

func errorf(code Code, off int, path, format string, args ...any) *Error {
	return &Error{Code: code, Offset: off, Path: path, Msg: fmt.Sprintf(format, args...)}
}
