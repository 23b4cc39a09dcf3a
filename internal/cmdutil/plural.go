package cmdutil

import (
	"fmt"
	"strings"
)

// Plural writes a count with its noun in the right number: "1 folio",
// "2 folios", "0 problems". The plural adds an s, or es after s, x, ch and
// sh, and ies for a final consonant+y ("1 entry", "2 entries").
func Plural[N ~int | ~uint64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %s", n, pluralNoun(noun))
}

// pluralNoun is the plural form of an English noun, for the nouns
// luoinspect counts.
func pluralNoun(noun string) string {
	switch {
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	}
	return noun + "s"
}
