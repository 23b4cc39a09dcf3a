package validate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// WriteJUnit writes the report as JUnit XML: one test case per catalogue
// rule, grouped in one suite per rule family (the ID's letters). A rule
// with error or warning findings fails, listing them all; info findings
// go to the case's system-out.
func WriteJUnit(w io.Writer, r *Report) error {
	byRule := map[string][]*Finding{}
	for i := range r.Findings {
		f := &r.Findings[i]
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	var suites []junitSuite
	idx := map[string]int{}
	for _, ru := range catalogue {
		fam := strings.TrimRight(ru.ID, "0123456789")
		i, ok := idx[fam]
		if !ok {
			i = len(suites)
			idx[fam] = i
			suites = append(suites, junitSuite{Name: "luoinspect.validate." + fam})
		}
		c := junitCase{Name: ru.ID + " " + ru.Name, ClassName: "luoinspect.validate." + fam}
		var lines []string
		for _, f := range byRule[ru.ID] {
			lines = append(lines, f.String()+"\n  consequence: "+f.Consequence)
		}
		if n := r.Suppressed[ru.ID]; n > 0 {
			lines = append(lines, fmt.Sprintf("%d more findings left out", n))
		}
		switch {
		case len(lines) == 0:
		case ru.Severity == SevInfo:
			c.SystemOut = strings.Join(lines, "\n")
		default:
			c.Failure = &junitFailure{Message: fmt.Sprintf("%d %s finding(s)", len(byRule[ru.ID])+r.Suppressed[ru.ID], ru.Severity),
				Type: string(ru.Severity), Text: strings.Join(lines, "\n")}
			suites[i].Failures++
		}
		suites[i].Tests++
		suites[i].Cases = append(suites[i].Cases, c)
	}
	doc := junitSuites{Name: "luoinspect validate " + r.Source, Suites: suites}
	for _, s := range suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
