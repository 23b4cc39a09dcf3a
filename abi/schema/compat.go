package schema

import (
	"regexp"
	"strings"
)

// compatRE matches the compatible strings of every known family, with
// optional ';' sub-components or "-kho-block-vN" suffixes.
var compatRE = regexp.MustCompile(`^(kho|luo|luo-session|luo-flb|memfd|memblock|reserve-mem|kho-test|subsystems|file-descriptors)-v[0-9]+([-;][a-z0-9;-]*)?$`)

// IsCompatible reports whether s looks like a compatible string of a
// known family ("kho-v4;radix-v1;vmalloc-v1", "luo-session-v2", ...).
func IsCompatible(s string) bool { return len(s) < 64 && compatRE.MatchString(s) }

// ScanPrefixes are the prefixes ScanCompatibles looks for.
var ScanPrefixes = []string{"kho-v", "luo-v", "luo-session-v", "luo-flb-v", "memfd-v"}

// ScanCompatibles returns the distinct compatible strings found as
// NUL-terminated strings in data (typically a kernel image's .rodata),
// in order of first appearance. Strings that are only the start of a
// longer one found (the base "luo-v3" of "luo-v3-kho-block-v1") are kept:
// the image may write either.
func ScanCompatibles(data []byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range ScanPrefixes {
		pb := []byte(p)
		for off := 0; off < len(data); {
			i := indexFrom(data, pb, off)
			if i < 0 {
				break
			}
			off = i + 1
			if i > 0 && data[i-1] != 0 {
				continue // inside another string
			}
			end := i
			for end < len(data) && data[end] != 0 && end-i < 64 {
				end++
			}
			if end >= len(data) || data[end] != 0 {
				continue
			}
			s := string(data[i:end])
			if IsCompatible(s) && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func indexFrom(data, sep []byte, off int) int {
	i := strings.Index(string(data[off:]), string(sep))
	if i < 0 {
		return -1
	}
	return off + i
}

// dropPrefixes removes strings that are a proper prefix of another one
// in list: header macros build "luo-v3-kho-block-v1" from "luo-v3", and
// only the full string is written.
func dropPrefixes(list []string) []string {
	var out []string
	for _, s := range list {
		prefix := false
		for _, t := range list {
			if t != s && strings.HasPrefix(t, s) {
				prefix = true
				break
			}
		}
		if !prefix {
			out = append(out, s)
		}
	}
	return out
}
