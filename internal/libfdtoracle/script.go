package libfdtoracle

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Script builds an op script. Every method appends one op and returns the
// script, so calls chain:
//
//	var s libfdtoracle.Script
//	s.Create(4096).FinishRsv().Begin("").PropStr("compatible", "kho-v1").End().Finish()
//	res := o.Run(t, s.String())
//
// Names and paths are single words (no spaces or line breaks; an empty
// property name is fine); the methods panic on anything the line format
// cannot carry.
type Script struct {
	lines []string
}

// NewScript returns a script holding parts, as Lines flattens them.
func NewScript(parts ...any) *Script { return &Script{lines: Lines(parts...)} }

// Op appends raw op lines (or []string, []any, *Script; see Lines).
func (s *Script) Op(parts ...any) *Script {
	s.lines = append(s.lines, Lines(parts...)...)
	return s
}

// Create is fdt_create on a fresh zeroed buffer of size bytes.
func (s *Script) Create(size int) *Script { return s.Op(fmt.Sprintf("create %d", size)) }

// Rsv is fdt_add_reservemap_entry.
func (s *Script) Rsv(addr, size uint64) *Script { return s.Op(fmt.Sprintf("rsv %#x %#x", addr, size)) }

// FinishRsv is fdt_finish_reservemap.
func (s *Script) FinishRsv() *Script { return s.Op("finish_rsv") }

// Begin is fdt_begin_node; "" is the root.
func (s *Script) Begin(name string) *Script {
	if name == "" {
		name = "-"
	}
	return s.Op("begin " + word(name))
}

// Prop is fdt_property.
func (s *Script) Prop(name string, v []byte) *Script { return s.Op(PropOp(name, v)) }

// PropStr is fdt_property_string. The value may hold spaces but no line
// break.
func (s *Script) PropStr(name, v string) *Script { return s.Op(PropStrOp(name, v)) }

// PropU32 is fdt_property_u32 (a big-endian cell).
func (s *Script) PropU32(name string, v uint32) *Script {
	return s.Op(fmt.Sprintf("prop_u32 %s %#x", word(name), v))
}

// PropU64LE is fdt_property(fdt, name, &v, 8) on a little-endian CPU, as
// KHO, LUO and memfd write every u64.
func (s *Script) PropU64LE(name string, v uint64) *Script { return s.Op(PropU64Op(name, v)) }

// End is fdt_end_node.
func (s *Script) End() *Script { return s.Op("end") }

// Finish is fdt_finish.
func (s *Script) Finish() *Script { return s.Op("finish") }

// Load makes the buffer exactly blob.
func (s *Script) Load(blob []byte) *Script { return s.Op(LoadOp(blob)) }

// OpenInto is fdt_open_into(buf, buf, size) in place, growing the buffer
// with zeros first when size is larger.
func (s *Script) OpenInto(size int) *Script { return s.Op(fmt.Sprintf("open_into %d", size)) }

// Reopen is fdt_open_into with the current buffer size.
func (s *Script) Reopen() *Script { return s.Op("reopen") }

// AddSubnode is fdt_add_subnode(fdt, fdt_path_offset(parent), name).
func (s *Script) AddSubnode(parent, name string) *Script {
	return s.Op("add_subnode " + word(parent) + " " + word(name))
}

// SetProp is fdt_setprop on the node at path.
func (s *Script) SetProp(path, name string, v []byte) *Script { return s.Op(SetPropOp(path, name, v)) }

// SetPropU64LE is fdt_setprop(…, &v, 8) on a little-endian CPU.
func (s *Script) SetPropU64LE(path, name string, v uint64) *Script {
	return s.Op(SetPropU64Op(path, name, v))
}

// DelProp is fdt_delprop.
func (s *Script) DelProp(path, name string) *Script {
	return s.Op("delprop " + word(path) + " " + word(name))
}

// DelNode is fdt_del_node.
func (s *Script) DelNode(path string) *Script { return s.Op("del_node " + word(path)) }

// Pack is fdt_pack.
func (s *Script) Pack() *Script { return s.Op("pack") }

// Check prints fdt_check_full's verdict on the whole buffer.
func (s *Script) Check() *Script { return s.Op("check") }

// Walk prints the tree (Result.Log).
func (s *Script) Walk() *Script { return s.Op("walk") }

// Lines returns the script's op lines.
func (s *Script) Lines() []string { return s.lines }

// String returns the script text, one op per line.
func (s *Script) String() string { return Join(s.lines) }

// word refuses what the line format cannot carry in a name or path.
func word(s string) string {
	if strings.ContainsAny(s, " \t\r\n") {
		panic(fmt.Sprintf("libfdtoracle: %q cannot be a script word", s))
	}
	return s
}

// Lines flattens parts into op lines: a string is one line, []string and
// []any are flattened in order, a *Script contributes its lines.
func Lines(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		case []any:
			out = append(out, Lines(v...)...)
		case *Script:
			out = append(out, v.lines...)
		default:
			panic(fmt.Sprintf("libfdtoracle: cannot make script lines of %T", p))
		}
	}
	return out
}

// Join returns the script text of parts (see Lines), one op per line.
func Join(parts ...any) string {
	var b strings.Builder
	for _, l := range Lines(parts...) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// SeqOps wraps body in "create size", "finish_rsv" … "finish": the
// kernel's sequential-write frame.
func SeqOps(size int, body ...any) []string {
	return Lines(fmt.Sprintf("create %d", size), "finish_rsv", Lines(body...), "finish")
}

// NodeOps wraps body in begin/end; name "-" (or "") is the root.
func NodeOps(name string, body ...any) []string {
	if name == "" {
		name = "-"
	}
	return Lines("begin "+name, Lines(body...), "end")
}

// PropOp is the fdt_property op line.
func PropOp(name string, v []byte) string { return "prop " + word(name) + " " + Hex(v) }

// PropStrOp is the fdt_property_string op line.
func PropStrOp(name, v string) string {
	if strings.ContainsAny(v, "\r\n") {
		panic(fmt.Sprintf("libfdtoracle: string value %q holds a line break", v))
	}
	return "prop_str " + word(name) + " " + v
}

// PropU64Op is the op line of fdt_property(fdt, name, &v, 8) on a
// little-endian CPU.
func PropU64Op(name string, v uint64) string { return fmt.Sprintf("prop_u64le %s %#x", word(name), v) }

// SetPropOp is the fdt_setprop op line.
func SetPropOp(path, name string, v []byte) string {
	return "setprop " + word(path) + " " + word(name) + " " + Hex(v)
}

// SetPropU64Op is the op line of fdt_setprop(…, &v, 8) on a little-endian
// CPU.
func SetPropU64Op(path, name string, v uint64) string {
	return fmt.Sprintf("setprop_u64le %s %s %#x", word(path), word(name), v)
}

// LoadOp is the op line that makes the buffer exactly blob.
func LoadOp(blob []byte) string { return "load " + Hex(blob) }

// LE64 returns v as 8 little-endian bytes.
func LE64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// CountingBytes returns n bytes counting up from start.
func CountingBytes(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
