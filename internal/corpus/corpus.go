// Package corpus reads and writes the index of the malformed corpus
// (testdata/malformed/index.json), shared by the tests that write the
// corpus (package validate) and the tests that drive it through the CLI.
package corpus

import (
	"encoding/json"
	"os"
)

// Entry is one file of the corpus.
type Entry struct {
	File  string `json:"file"`
	Class string `json:"class"`
	// Rule is the validate rule a snapshot must raise, or "" for an FDT
	// blob and a broken state.
	Rule string `json:"rule,omitempty"`
	// FDTCode is the fdt error code of a blob ("truncated", …): fdt
	// check exits 4.
	FDTCode string `json:"fdt_code,omitempty"`
	// Error is a substring of the error that opening a broken snapshot
	// gives (luoinspect validate exits 1).
	Error string `json:"error,omitempty"`
	// Exit is luoinspect validate's exit status for a snapshot or broken
	// state, or fdt check's for a blob (4).
	Exit int    `json:"exit"`
	Note string `json:"note"`
	// Broken holds what the CLI must report on a broken state.
	Broken *Broken `json:"broken,omitempty"`
}

// Broken is what the CLI must report on a broken state: the full tree of
// what is still readable and the findings that name the damage.
type Broken struct {
	// Spec is the source the CLI opens, "{}" standing for the file's
	// path; empty for the path itself.
	Spec string `json:"spec,omitempty"`
	// Args are extra flags (a generation override).
	Args []string `json:"args,omitempty"`
	// Findings is the full, sorted set of rules validate reports.
	Findings []string `json:"findings"`
	// Outcome is the validate report's outcome.
	Outcome string `json:"outcome"`
	// Sessions, Files and Memfds count what dump still shows.
	Sessions int `json:"sessions"`
	Files    int `json:"files"`
	Memfds   int `json:"memfds"`
}

// Read reads an index.
func Read(path string) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var index []Entry
	return index, json.Unmarshal(b, &index)
}

// Write writes an index.
func Write(path string, index []Entry) error {
	b, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
