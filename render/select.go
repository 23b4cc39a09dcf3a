package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Select returns the part of a rendered document that path names, as a
// generic value whose numbers are exact integers (never float64). Segments
// are object keys or, inside a list, one of:
//
//	#N           the element at position N (from 0)
//	token=V      the element whose token is V (decimal or 0x… hex)
//	name         the element whose name is name
//
// "luo/sessions/vm0/files/token=0x3" is the file with token 3 of session
// vm0, "luo/sessions/#0/files/#2" the third file of the first session.
func Select(doc any, path string) (any, error) {
	v, err := generic(doc)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, seg := range segments(path) {
		next, _, err := step(v, seg)
		if err != nil {
			return nil, fmt.Errorf("path %q: %v under /%s", path, err, strings.Join(done, "/"))
		}
		v = next
		done = append(done, seg)
	}
	return exactNumbers(v), nil
}

// Canonical rewrites a --path selector into the form records carry: list
// elements by position (#N), keys as the document spells them. Segments
// below what doc holds (the lists only --detail full shows, such as a
// memfd's folios) are kept as given.
func Canonical(doc any, path string) (string, error) {
	v, err := generic(doc)
	if err != nil {
		return "", err
	}
	segs := segments(path)
	var out []string
	for i, seg := range segs {
		next, canon, err := step(v, seg)
		if err != nil {
			if _, isObject := v.(map[string]any); isObject {
				return strings.Join(append(out, segs[i:]...), "/"), nil
			}
			return "", fmt.Errorf("path %q: %v under /%s", path, err, strings.Join(out, "/"))
		}
		v = next
		out = append(out, canon)
	}
	return strings.Join(out, "/"), nil
}

// generic converts doc into maps, lists and json.Numbers.
func generic(doc any) (any, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err = dec.Decode(&v)
	return v, err
}

// segments splits a path into its non-empty segments.
func segments(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

// step applies one path segment to v and returns the segment in
// canonical form.
func step(v any, seg string) (any, string, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if strings.EqualFold(k, seg) {
				return val, k, nil
			}
		}
	case []any:
		i, err := element(x, seg)
		if err != nil {
			return nil, "", err
		}
		return x[i], "#" + strconv.Itoa(i), nil
	}
	return nil, "", fmt.Errorf("nothing called %q", seg)
}

// element finds one element of a list by position, token or name.
func element(list []any, seg string) (int, error) {
	if pos, ok := strings.CutPrefix(seg, "#"); ok {
		i, err := strconv.ParseUint(pos, 10, 31)
		if err != nil {
			return 0, fmt.Errorf("position %q is not a number", seg)
		}
		if i >= uint64(len(list)) {
			return 0, fmt.Errorf("no position %s (the list has %s)", seg, plural(len(list), "element"))
		}
		return int(i), nil
	}
	if tok, ok := strings.CutPrefix(seg, "token="); ok {
		want, err := strconv.ParseUint(tok, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("token %q is not a decimal or 0x… number", tok)
		}
		for i, el := range list {
			if m, ok := el.(map[string]any); ok && m["token"] != nil && tokenOf(m) == want {
				return i, nil
			}
		}
		return 0, fmt.Errorf("no token 0x%x", want)
	}
	for i, el := range list {
		if m, ok := el.(map[string]any); ok && m["name"] == seg {
			return i, nil
		}
	}
	if _, err := strconv.ParseUint(seg, 0, 64); err == nil {
		return 0, fmt.Errorf("nothing called %q (a position is #%s, a token token=%s)", seg, seg, seg)
	}
	return 0, fmt.Errorf("nothing called %q", seg)
}

// tokenOf reads an element's token, a "0x…" string in the state document.
func tokenOf(m map[string]any) uint64 {
	var s string
	switch t := m["token"].(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		return 0
	}
	v, _ := strconv.ParseUint(s, 0, 64)
	return v
}

// exactNumbers replaces every json.Number in v by an int64 or uint64, so
// that YAML and JSON writers print it digit for digit.
func exactNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = exactNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = exactNumbers(e)
		}
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(x.String(), 10, 64); err == nil {
			return u
		}
		return x.String()
	}
	return v
}
