package render

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// JSONLHeader is the first line of a JSON Lines dump: what the records
// that follow belong to.
type JSONLHeader struct {
	Schema      string      `json:"schema"`
	ByteOrder   string      `json:"byte_order"`
	Generations Generations `json:"generations"`
	Stage       string      `json:"stage"`
	Notes       []string    `json:"notes,omitempty"`
}

// WriteJSONL writes the state as JSON Lines: a "state" line (JSONLHeader)
// and then one line per record in document order (see Records), each an
// object with "record" (its kind), "at" (a --path selector that finds the
// record in the full document) and the record's members. Every 64-bit value is a
// "0x…" string. With under set, only the records at or below that path
// (any --path selector) are written, after the header. Memory use does not
// grow with the number of folio records or preserved blocks.
func WriteJSONL(w io.Writer, s *handover.State, mem phys.Memory, under string) error {
	m := Model(s)
	prefix := ""
	if under != "" {
		var err error
		if prefix, err = Canonical(m, under); err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	head, err := json.Marshal(JSONLHeader{m.Schema, m.ByteOrder, m.Generations, m.Stage, m.Notes})
	if err != nil {
		return err
	}
	bw.WriteString(`{"record":"` + KindState + `",`)
	bw.Write(head[1:])
	bw.WriteByte('\n')
	var line []byte
	err = Records(s, mem, func(p Place, kind string, rec any) error {
		line = append(line[:0], `{"record":"`...)
		line = append(line, kind...)
		line = append(line, `","at":"`...)
		start := len(line)
		line = p.append(line)
		if prefix != "" && !within(string(line[start:]), prefix) {
			return nil
		}
		line = append(line, '"')
		if line, err = appendRecord(line, rec); err != nil {
			return err
		}
		line = append(line, '\n')
		_, err := bw.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// within reports whether selector path is prefix or lies below it.
func within(path, prefix string) bool {
	return strings.HasPrefix(path, prefix) && (len(path) == len(prefix) || path[len(prefix)] == '/')
}

// appendRecord appends ",member:value…}" for rec: by hand for the records
// that come by the million, through encoding/json for the others.
func appendRecord(b []byte, rec any) ([]byte, error) {
	switch r := rec.(type) {
	case *Folio:
		b = appendHexMember(b, "index", uint64(r.Index))
		b = appendHexMember(b, "pfn", uint64(r.PFN))
		if r.Order != nil {
			b = append(b, `,"order":`...)
			b = strconv.AppendInt(b, int64(*r.Order), 10)
		}
		b = appendHexMember(b, "flags", uint64(r.Flags))
		b = append(b, `,"flag_names":[`...)
		for i, n := range r.Named {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, n)
		}
		return append(b, "]}"...), nil
	case *PreservedBlock:
		b = appendHexMember(b, "addr", uint64(r.Addr))
		b = append(b, `,"order":`...)
		b = strconv.AppendInt(b, int64(r.Order), 10)
		b = appendHexMember(b, "size", uint64(r.Size))
		return append(b, '}'), nil
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return b, err
	}
	if len(raw) > 2 {
		b = append(b, ',')
	}
	return append(b, raw[1:]...), nil
}

// appendHexMember appends `,"name":"0x…"`.
func appendHexMember(b []byte, name string, v uint64) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":"0x`...)
	b = strconv.AppendUint(b, v, 16)
	return append(b, '"')
}

// appendUint appends v in decimal.
func appendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }
