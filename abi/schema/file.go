package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Read decodes a schema JSON document and checks its version.
func Read(r io.Reader) (*Snapshot, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if s.Schema != Version {
		return nil, fmt.Errorf("schema: version is %q, want %q", s.Schema, Version)
	}
	for i, c := range s.Components {
		if c == nil {
			return nil, fmt.Errorf("schema: component %d is null", i)
		}
		for j, st := range c.Structs {
			if st == nil {
				return nil, fmt.Errorf("schema: component %s struct %d is null", c.Name, j)
			}
		}
	}
	return &s, nil
}

// Write encodes s as indented JSON followed by a newline.
func Write(w io.Writer, s *Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// LooksLikeSchema reports whether data starts like a schema JSON document.
func LooksLikeSchema(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
