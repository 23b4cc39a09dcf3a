package validate

import (
	"regexp"
	"testing"

	"github.com/luoinspect/luoinspect/internal/testutil"
)

// TestDocUpToDate fails when docs/validation-rules.md differs from the
// catalogue; go test ./validate -update rewrites it.
func TestDocUpToDate(t *testing.T) {
	testutil.Golden(t, "../docs", "validation-rules.md", Markdown())
}

// TestCatalogueComplete checks every rule's fields and that IDs are
// unique, ordered within their group, and well formed.
func TestCatalogueComplete(t *testing.T) {
	id := regexp.MustCompile(`^[A-Z]{2,3}\d{3}$`)
	name := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, r := range catalogue {
		if !id.MatchString(r.ID) || !name.MatchString(r.Name) {
			t.Errorf("bad ID or name: %s %s", r.ID, r.Name)
		}
		if seen[r.ID] {
			t.Errorf("duplicate ID %s", r.ID)
		}
		seen[r.ID] = true
		if r.Check == "" || r.Source == "" || len(r.Consequences) == 0 || r.Generations == "" {
			t.Errorf("%s: incomplete rule", r.ID)
		}
		switch r.Severity {
		case SevError, SevWarning, SevUnverified, SevInfo:
		default:
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		if r.ConsequenceFor("no-such-generation") == "" {
			t.Errorf("%s: no default consequence", r.ID)
		}
	}
	for _, id := range []string{ruleGeneric, ruleUnresolved} {
		if !seen[id] {
			t.Errorf("rule %s is referenced by the code but not in the catalogue", id)
		}
	}
}
