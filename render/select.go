package render

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Select returns the part of a rendered document that path names, as a
// generic JSON value. Segments are object keys; inside a list a segment
// picks the element whose "name" or "token" equals it, or else the element
// at that index: "luo/sessions/vm0/files/3" is the file with token 3 of
// session vm0.
func Select(doc any, path string) (any, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	var done []string
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		next, ok := step(v, seg)
		if !ok {
			return nil, fmt.Errorf("path %q: nothing called %q under /%s", path, seg, strings.Join(done, "/"))
		}
		v = next
		done = append(done, seg)
	}
	return v, nil
}

func step(v any, seg string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if strings.EqualFold(k, seg) {
				return val, true
			}
		}
	case []any:
		for _, el := range x {
			if m, ok := el.(map[string]any); ok && (fmt.Sprint(m["name"]) == seg || fmt.Sprint(m["token"]) == seg) {
				return el, true
			}
		}
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(x) {
			return x[i], true
		}
	}
	return nil, false
}
