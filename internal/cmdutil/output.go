package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"gopkg.in/yaml.v3"
)

// WriteDoc writes a machine-readable document as JSON or YAML.
func WriteDoc(w io.Writer, format string, doc any) error {
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

// CheckFormat validates an -o value against the formats a command offers.
func CheckFormat(format string, allowed ...string) error {
	return CheckChoice("-o", format, allowed...)
}

// CheckChoice refuses a flag value outside allowed as a usage error.
func CheckChoice(flag, value string, allowed ...string) error {
	if !slices.Contains(allowed, value) {
		return UsageErrorf("%s must be one of %v, not %q", flag, allowed, value)
	}
	return nil
}
