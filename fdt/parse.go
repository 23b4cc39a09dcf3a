package fdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Parse checks data strictly and returns its tree. It makes every check of
// libfdt's fdt_check_full and, in addition, requires a single root node,
// properties before subnodes, FDT_END as the last structure token (version
// 17), an 8-byte aligned reserve map, a 4-byte aligned structure block and
// blocks that do not overlap. The first problem is returned as an *Error.
// Bytes past the header's totalsize are ignored.
func Parse(data []byte) (*Tree, error) {
	p := parser{strict: true}
	t := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.errs[0]
	}
	return t, nil
}

// ParseLenient reads as much of data as it can and returns every problem it
// met, in blob order of discovery. The returned tree is never nil; after a
// problem it holds what could be read (nodes cut short have EndOffset -1).
// A bad magic or version does not stop it. A totalsize larger than data,
// or unusable, is taken as len(data); a block that lies past a totalsize
// smaller than data is read as far as data holds it, and Tree.Data then
// extends to the end of that block. Every read stays inside data.
func ParseLenient(data []byte) (*Tree, []*Error) {
	p := parser{}
	t := p.parse(data)
	return t, p.errs
}

type parser struct {
	strict   bool
	t        *Tree
	errs     []*Error
	unsorted bool // a lenient parse met properties after subnodes
}

// maxListed caps the problems and notices a parse lists one by one, so that
// hostile input cannot make it spend time or memory on reports; the rest
// are counted in one final entry.
const maxListed = 100

// fail records a problem and reports whether parsing may go on.
func (p *parser) fail(code Code, off int, node int32, format string, args ...any) bool {
	p.errs = p.record(p.errs, code, off, node, format, args)
	return !p.strict
}

func (p *parser) notice(code Code, off int, node int32, format string, args ...any) {
	p.t.Notices = p.record(p.t.Notices, code, off, node, format, args)
}

func (p *parser) record(list []*Error, code Code, off int, node int32, format string, args []any) []*Error {
	switch {
	case len(list) < maxListed:
		return append(list, errorf(code, off, p.path(node), format, args...))
	case len(list) == maxListed:
		return append(list, &Error{Code: code, Offset: off, Msg: "1 more problem not listed"})
	default:
		last := list[maxListed]
		last.Suppressed++
		last.Msg = fmt.Sprintf("%d more problems not listed", last.Suppressed+1)
		return list
	}
}

func (p *parser) path(node int32) string {
	if node < 0 || int(node) >= len(p.t.nodes) {
		return ""
	}
	n := Node{p.t, node}
	if n.rec().depth <= maxErrorDepth {
		return n.Path()
	}
	// A problem deep in a hostile tree names the last levels only: the
	// whole path of a million nested nodes is a megabyte.
	names := make([]string, maxErrorDepth/2)
	c := n
	for i := len(names) - 1; i >= 0; i-- {
		names[i] = c.Name()
		c = c.Parent()
	}
	return fmt.Sprintf("/...(%d levels)/%s", int(c.rec().depth)+1, strings.Join(names, "/"))
}

// maxErrorDepth is the depth up to which problems carry their node's
// whole path.
const maxErrorDepth = 64

func align4(n int) int { return (n + 3) &^ 3 }

func be32(b []byte, off int) uint32 { return binary.BigEndian.Uint32(b[off : off+4]) }

// region is a half-open byte range of the blob.
type region struct {
	name       string
	start, end int
}

// parse reads data and then gives the tree its node names: they are
// collected in one buffer while the structure block is walked and become
// one string at the end, so that a tree of a million nodes costs one
// allocation for its names, not a million.
func (p *parser) parse(data []byte) *Tree {
	t := p.parseBlob(data)
	t.names, t.nameBuf = string(t.nameBuf), nil
	return t
}

func (p *parser) parseBlob(data []byte) *Tree {
	t := &Tree{Data: data, ReserveEnd: -1, EndOffset: -1}
	p.t = t
	h, err := ParseHeader(data)
	t.Header = h
	if he, ok := err.(*Error); ok {
		// A header too short to decode stops even a lenient parse.
		if !p.fail(he.Code, he.Offset, -1, "%s", he.Msg) || he.Code == ErrTruncated {
			return t
		}
	}
	if !p.checkVersion(&h) {
		return t
	}
	hs := h.Size()
	if len(data) < hs {
		p.fail(ErrTruncated, 0, -1, "blob is %d bytes; a version %d header is %d", len(data), h.Version, hs)
		return t
	}
	total := int(h.TotalSize)
	switch {
	case h.TotalSize > math.MaxInt32 || total < hs:
		if !p.fail(ErrTruncated, 0x04, -1, "totalsize %d is outside [%d, 2^31)", h.TotalSize, hs) {
			return t
		}
		total = len(data)
	case total > len(data):
		if !p.fail(ErrTruncated, 0x04, -1, "totalsize is %d but the blob has only %d bytes", total, len(data)) {
			return t
		}
		total = len(data)
	}
	// A lenient parse reads blocks that lie past totalsize as far as the
	// blob holds them: avail is where reading must stop.
	avail := total
	if !p.strict {
		avail = len(data)
	}
	full := data
	data = data[:total]
	t.Data = data

	rsv, ok := p.block("memory reservation map", 0x10, int(h.OffMemRsvmap), -1, 8, hs, total, avail)
	if !ok {
		return t
	}
	structSize := -1
	if h.Version >= 17 {
		structSize = int(h.SizeDtStruct)
	}
	st, ok := p.block("structure block", 0x08, int(h.OffDtStruct), structSize, 4, hs, total, avail)
	if !ok {
		return t
	}
	str, ok := p.block("strings block", 0x0c, int(h.OffDtStrings), int(h.SizeDtStrings), 1, hs, total, avail)
	if !ok {
		return t
	}
	if end := max(rsv.end, st.end, str.end); end > total {
		// Only a lenient parse gets here, after block recorded why.
		data = full[:end]
		t.Data = data
	}
	if !p.parseReserve(rsv) {
		return t
	}
	rsv.end = t.ReserveEnd
	t.Strings = data[str.start:str.end]
	names := t.Strings
	if h.Version < 17 {
		// Without size_dt_strings libfdt bounds names by totalsize only.
		names = data[str.start:]
	}
	ok = p.parseStruct(st, string(names))
	p.finishProps()
	if !ok {
		return t
	}
	if structSize < 0 && t.EndOffset >= 0 {
		st.end = t.EndOffset + 4
	}
	if p.checkOverlap(rsv, st, str) {
		p.checkGaps(hs, rsv, st, str)
	}
	return t
}

// checkGaps records non-zero bytes inside totalsize that lie in no block.
func (p *parser) checkGaps(hs int, blocks ...region) {
	sort.Slice(blocks, func(a, b int) bool { return blocks[a].start < blocks[b].start })
	pos := hs
	for _, b := range append(blocks, region{name: "end of the blob", start: len(p.t.Data), end: len(p.t.Data)}) {
		for i := pos; i < b.start; i++ {
			if p.t.Data[i] != 0 {
				p.notice(NoticeGap, i, -1, "byte 0x%02x before the %s lies in no block", p.t.Data[i], b.name)
				return
			}
		}
		pos = max(pos, b.end)
	}
}

// checkVersion applies libfdt's version rules.
func (p *parser) checkVersion(h *Header) bool {
	switch {
	case h.Version < FirstVersion:
		return p.fail(ErrBadVersion, 0x14, -1, "version %d is older than %d", h.Version, FirstVersion)
	case h.LastCompVersion > LastVersion:
		return p.fail(ErrBadVersion, 0x18, -1, "last_comp_version %d is newer than %d", h.LastCompVersion, LastVersion)
	case h.Version < h.LastCompVersion:
		return p.fail(ErrBadVersion, 0x14, -1, "version %d is older than last_comp_version %d", h.Version, h.LastCompVersion)
	}
	return true
}

// block checks that a block announced by the header word at field lies
// within [hs, total] and starts on an align-byte boundary; size < 0 means
// the header gives no size. In lenient mode a bad block is clamped so that
// reading can go on: to the bytes the blob holds up to avail (>= total),
// so that a block past a totalsize smaller than the blob is still read.
func (p *parser) block(name string, field, off, size, align, hs, total, avail int) (region, bool) {
	if off < hs || off > total {
		if !p.fail(ErrBadLayout, field, -1, "%s offset 0x%x is outside [0x%x, 0x%x]", name, off, hs, total) {
			return region{}, false
		}
		if off < hs || off > avail {
			return region{name, total, total}, true
		}
	}
	limit := total
	if off > total {
		limit = avail // lenient: the block starts past totalsize, inside the blob
	}
	end := limit
	if size >= 0 {
		end = off + size
	}
	if off%align != 0 && !p.fail(ErrBadLayout, field, -1, "%s at 0x%x is not %d-byte aligned", name, off, align) {
		return region{}, false
	}
	if end > limit || end < off {
		if !p.fail(ErrBadLayout, field, -1, "%s [0x%x, 0x%x) ends past totalsize 0x%x", name, off, end, total) {
			return region{}, false
		}
		if end < off || end > avail {
			end = avail
		}
	}
	return region{name, off, end}, true
}

func (p *parser) parseReserve(rsv region) bool {
	t := p.t
	for off := rsv.start; ; off += ReserveEntrySize {
		if off+ReserveEntrySize > len(t.Data) {
			return p.fail(ErrTruncated, off, -1, "memory reservation map has no terminating entry")
		}
		addr := binary.BigEndian.Uint64(t.Data[off:])
		size := binary.BigEndian.Uint64(t.Data[off+8:])
		if size == 0 {
			if addr != 0 {
				p.notice(NoticeReserveTerminator, off, -1, "terminating entry has address 0x%x", addr)
			}
			t.ReserveEnd = off + ReserveEntrySize
			return true
		}
		t.Reserve = append(t.Reserve, ReserveEntry{Address: addr, Size: size, Offset: off})
	}
}

// checkOverlap reports whether the blocks are disjoint.
func (p *parser) checkOverlap(blocks ...region) bool {
	for i := range blocks {
		for j := i + 1; j < len(blocks); j++ {
			a, b := blocks[i], blocks[j]
			if a.start < b.end && b.start < a.end && a.end > a.start && b.end > b.start {
				p.fail(ErrBadLayout, max(a.start, b.start), -1, "%s [0x%x, 0x%x) overlaps %s [0x%x, 0x%x)",
					a.name, a.start, a.end, b.name, b.start, b.end)
				return false
			}
		}
	}
	return true
}

// checkPadding records non-zero alignment bytes in data[from:to].
func (p *parser) checkPadding(from, to int, node int32) {
	for i := from; i < to; i++ {
		if p.t.Data[i] != 0 {
			p.notice(NoticePadding, i, node, "padding byte is 0x%02x", p.t.Data[i])
			return
		}
	}
}

// countTokens counts the FDT_BEGIN_NODE, FDT_PROP and FDT_NOP tokens of
// the structure block data[start:end], stopping at FDT_END or at anything
// the parser would refuse, so that parseStruct allocates its tables once:
// growing them by append allocates about five times their final size,
// which for a blob of a million empty nodes is some 45 times the blob.
// The counts are capacity hints; each is at most (end-start)/4.
func countTokens(data []byte, start, end int) (nodes, props, nops int) {
	for pos := start; pos+4 <= end; {
		switch be32(data, pos) {
		case TokenBeginNode:
			n := bytes.IndexByte(data[pos+4:end], 0)
			if n < 0 {
				return
			}
			nodes++
			pos = align4(pos + 4 + n + 1)
		case TokenProp:
			if pos+propHeaderSize > end {
				return
			}
			length := int(be32(data, pos+4))
			if length < 0 || length > end-pos-propHeaderSize {
				return
			}
			props++
			pos = align4(pos + propHeaderSize + length)
		case TokenNOP:
			nops++
			pos += 4
		case TokenEndNode:
			pos += 4
		default:
			return
		}
	}
	return
}

// parseStruct walks the token stream without recursion.
func (p *parser) parseStruct(st region, strs string) bool {
	t := p.t
	data := t.Data
	end := st.end
	nodes, props, nops := countTokens(data, st.start, end)
	t.nodes = make([]nodeRec, 0, nodes)
	t.nameBuf = make([]byte, 0, 8*nodes)
	t.props = make([]Property, 0, props)
	if nops > 0 {
		t.NOPs = make([]int, 0, nops)
	}
	cur := int32(-1)
	for pos := st.start; ; {
		if pos+4 > end {
			return p.fail(ErrTruncated, pos, cur, "structure block ends without FDT_END")
		}
		switch tag := be32(data, pos); tag {
		case TokenBeginNode:
			nameStart := pos + 4
			n := bytes.IndexByte(data[nameStart:end], 0)
			if n < 0 {
				return p.fail(ErrTruncated, nameStart, cur, "node name runs past the structure block without a NUL")
			}
			next := align4(nameStart + n + 1)
			p.checkPadding(nameStart+n+1, min(next, end), cur)
			raw := data[nameStart : nameStart+n]
			name, ok := p.nodeName(raw, pos, cur)
			if !ok {
				return false
			}
			if cur < 0 {
				if len(t.nodes) > 0 && !p.fail(ErrBadStructure, pos, -1, "second root node") {
					return false
				}
				if len(name) != 0 && !p.fail(ErrBadStructure, pos, -1, "root node name %q is not empty", raw) {
					return false
				}
			}
			cur = p.addNode(name, pos, cur)
			if len(name) != len(raw) {
				t.nodes[cur].fullName = string(raw)
			}
			pos = next
		case TokenEndNode:
			if cur < 0 {
				if !p.fail(ErrBadStructure, pos, -1, "FDT_END_NODE outside any node") {
					return false
				}
			} else {
				t.nodes[cur].endOffset = pos
				cur = t.nodes[cur].parent
			}
			pos += 4
		case TokenProp:
			next, ok := p.parseProp(pos, end, cur, strs)
			if !ok {
				return false
			}
			pos = next
		case TokenNOP:
			t.NOPs = append(t.NOPs, pos)
			pos += 4
		case TokenEnd:
			t.EndOffset = pos
			return p.checkEnd(pos, end, cur)
		default:
			return p.fail(ErrBadStructure, pos, cur, "unknown token 0x%08x", tag)
		}
	}
}

// nodeName returns the name of a node from its FDT_BEGIN_NODE bytes.
// Before version 16 those hold the node's full path ("/", "/cpus/cpu@0")
// and the name is the part after the last '/', as libfdt's fdt_get_name
// reads it.
func (p *parser) nodeName(raw []byte, pos int, cur int32) ([]byte, bool) {
	if p.t.Header.Version >= 16 {
		return raw, true
	}
	i := bytes.LastIndexByte(raw, '/')
	if i < 0 {
		return raw, p.fail(ErrBadStructure, pos, cur, "version %d node name %q is not a full path", p.t.Header.Version, raw)
	}
	return raw[i+1:], true
}

func (p *parser) addNode(name []byte, off int, parent int32) int32 {
	t := p.t
	nameOff := int32(len(t.nameBuf))
	t.nameBuf = append(t.nameBuf, name...)
	i := int32(len(t.nodes))
	depth := int32(0)
	if parent >= 0 {
		par := &t.nodes[parent]
		depth = par.depth + 1
		if par.lastChild >= 0 {
			t.nodes[par.lastChild].nextSibling = i
		} else {
			par.firstChild = i
		}
		par.lastChild = i
	}
	t.nodes = append(t.nodes, nodeRec{
		nameOff: nameOff, nameLen: int32(len(name)), offset: off, endOffset: -1, parent: parent,
		firstChild: -1, lastChild: -1, nextSibling: -1,
		firstProp: int32(len(t.props)), depth: depth,
	})
	return i
}

// parseProp reads the FDT_PROP token at pos and returns the next offset.
func (p *parser) parseProp(pos, end int, cur int32, strs string) (int, bool) {
	t := p.t
	data := t.Data
	if pos+propHeaderSize > end {
		// Nothing past a cut can be parsed: a lenient walk ends here.
		return end, p.fail(ErrTruncated, pos, cur, "property header runs past the structure block")
	}
	length := int(be32(data, pos+4))
	nameoff := be32(data, pos+8)
	voff := pos + propHeaderSize
	pad := 0
	if t.Header.Version < 16 && length >= 8 && (voff-int(t.Header.OffDtStruct))%8 != 0 {
		pad = 4
	}
	vend := voff + pad + length
	if length < 0 || vend > end || vend < voff {
		return end, p.fail(ErrTruncated, pos+4, cur, "property value of %d bytes runs past the structure block", be32(data, pos+4))
	}
	next := align4(vend)
	p.checkPadding(vend, min(next, end), cur)
	if cur < 0 {
		return next, p.fail(ErrBadStructure, pos, -1, "property outside any node")
	}
	if t.nodes[cur].firstChild >= 0 {
		if !p.fail(ErrBadStructure, pos, cur, "property after a subnode") {
			return 0, false
		}
		p.unsorted = true
	}
	name, ok := p.propName(pos, cur, nameoff, strs)
	if !ok {
		return 0, false
	}
	t.props = append(t.props, Property{
		Name: name, Value: data[voff+pad : vend : vend], Offset: pos,
		NameOffset: nameoff, node: cur, pad8: uint8(pad),
	})
	t.nodes[cur].numProps++
	return next, true
}

// propName resolves nameoff inside the strings block.
func (p *parser) propName(pos int, cur int32, nameoff uint32, strs string) (string, bool) {
	if uint64(nameoff) >= uint64(len(strs)) {
		return "", p.fail(ErrBadString, pos+8, cur, "name offset 0x%x is outside the %d-byte strings block", nameoff, len(strs))
	}
	rest := strs[nameoff:]
	n := indexNUL(rest)
	if n < 0 {
		return "", p.fail(ErrBadString, pos+8, cur, "name at strings offset 0x%x is not NUL-terminated", nameoff)
	}
	return rest[:n], true
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// checkEnd checks the state at FDT_END. From version 17 the structure block
// size is known, so FDT_END must be its last word.
func (p *parser) checkEnd(pos, end int, cur int32) bool {
	t := p.t
	ok := true
	if cur >= 0 {
		ok = p.fail(ErrBadStructure, pos, cur, "FDT_END inside an open node")
	}
	if ok && len(t.nodes) == 0 {
		ok = p.fail(ErrBadStructure, pos, -1, "no root node")
	}
	if ok && t.Header.Version >= 17 && pos+4 != end {
		ok = p.fail(ErrBadStructure, pos, -1, "%d bytes follow FDT_END inside the structure block", end-pos-4)
	}
	return ok
}

// finishProps makes each node's properties contiguous when a lenient parse
// met properties after subnodes.
func (p *parser) finishProps() {
	t := p.t
	if !p.unsorted {
		return
	}
	sort.SliceStable(t.props, func(a, b int) bool { return t.props[a].node < t.props[b].node })
	for i := range t.nodes {
		t.nodes[i].firstProp, t.nodes[i].numProps = 0, 0
	}
	for i := len(t.props) - 1; i >= 0; i-- {
		r := &t.nodes[t.props[i].node]
		r.firstProp = int32(i)
		r.numProps++
	}
}
