package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"gopkg.in/yaml.v3"
)

// writeDoc writes a machine-readable document as JSON or YAML.
func writeDoc(w io.Writer, format string, doc any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return err
		}
		return enc.Close()
	}
	return fmt.Errorf("unknown format %q", format)
}

// checkFormat validates an -o value against the formats a command offers.
func checkFormat(format string, allowed ...string) error {
	return checkChoice("-o", format, allowed...)
}

// checkChoice refuses a flag value outside allowed as a usage error.
func checkChoice(flag, value string, allowed ...string) error {
	if !slices.Contains(allowed, value) {
		return usageError{fmt.Errorf("%s must be one of %v, not %q", flag, allowed, value)}
	}
	return nil
}
