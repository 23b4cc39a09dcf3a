package handover

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
)

//go:embed samples/*.yaml
var sampleFiles embed.FS

// SampleNames lists the embedded sample states, one per primary
// generation combination.
func SampleNames() []string {
	entries, _ := sampleFiles.ReadDir("samples")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Sample returns the spec of an embedded sample state.
func Sample(name string) (*Spec, error) {
	data, err := sampleFiles.ReadFile(path.Join("samples", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no sample %q (have %s)", name, strings.Join(SampleNames(), ", "))
	}
	return ParseSpec(data)
}
