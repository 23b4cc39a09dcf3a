package validate

import (
	"encoding/json"
	"fmt"
	"io"
)

// SARIF 2.1.0 documents, reduced to what the report fills.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string            `json:"id"`
		Name             string            `json:"name"`
		ShortDescription sarifText         `json:"shortDescription"`
		FullDescription  sarifText         `json:"fullDescription"`
		Help             sarifText         `json:"help"`
		Default          sarifConfig       `json:"defaultConfiguration"`
		Properties       map[string]string `json:"properties"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID     string            `json:"ruleId"`
		RuleIndex  int               `json:"ruleIndex"`
		Level      string            `json:"level"`
		Message    sarifText         `json:"message"`
		Locations  []sarifLocation   `json:"locations"`
		Properties map[string]string `json:"properties,omitempty"`
	}
	sarifLocation struct {
		Physical *sarifPhysical `json:"physicalLocation,omitempty"`
		Logical  []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		Artifact sarifArtifact `json:"artifactLocation"`
		Region   sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		ByteOffset uint64 `json:"byteOffset"`
	}
	sarifLogical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s Severity) string {
	switch s {
	case SevError:
		return "error"
	case SevWarning, SevUnverified:
		return "warning"
	}
	return "note"
}

// PhysMemURI is the artifact a SARIF physical location names: physical
// memory, with the byte offset being the physical address.
const PhysMemURI = "physmem:"

// WriteSARIF writes the report as a SARIF 2.1.0 log: every catalogue rule
// as a reportingDescriptor, every finding as a result with its path as a
// logical location and its physical address as a byte offset into
// physical memory.
func WriteSARIF(w io.Writer, r *Report) error {
	d := sarifDriver{Name: "luoinspect", InformationURI: "https://github.com/luoinspect/luoinspect/blob/main/docs/validation-rules.md"}
	index := map[string]int{}
	for i, ru := range catalogue {
		index[ru.ID] = i
		d.Rules = append(d.Rules, sarifRule{
			ID: ru.ID, Name: ru.Name,
			ShortDescription: sarifText{ru.Check}, FullDescription: sarifText{ru.Check + " Consequence: " + ru.ConsequenceFor("")},
			Help:       sarifText{"Source: " + ru.Source},
			Default:    sarifConfig{sarifLevel(ru.Severity)},
			Properties: map[string]string{"origin": string(ru.Origin), "generations": ru.Generations, "source": ru.Source},
		})
	}
	results := []sarifResult{}
	for i := range r.Findings {
		f := &r.Findings[i]
		res := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
			Message:    sarifText{f.Message + " Consequence: " + f.Consequence},
			Locations:  []sarifLocation{{Logical: []sarifLogical{{FullyQualifiedName: f.Path, Kind: "member"}}}},
			Properties: map[string]string{"consequence": f.Consequence, "source": f.Source}}
		if f.Generation != "" {
			res.Properties["generation"] = f.Generation
		}
		if f.Addr != NoAddr {
			res.Locations[0].Physical = &sarifPhysical{Artifact: sarifArtifact{PhysMemURI}, Region: sarifRegion{f.Addr}}
			res.Properties["address"] = fmt.Sprintf("0x%x", f.Addr)
		}
		if f.Offset >= 0 {
			res.Properties["offset"] = fmt.Sprintf("0x%x", f.Offset)
		}
		results = append(results, res)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0",
		Runs: []sarifRun{{Tool: sarifTool{d}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
