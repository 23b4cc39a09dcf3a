package cmdutil

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// annEmptyOK is the flag annotation of string flags for which an empty
// value means something (--next-cmdline "" is a command line without
// parameters). Every other string flag given as "" is a usage error.
const annEmptyOK = "luoinspect-empty-ok"

// AllowEmpty marks a string flag of c whose empty value is meaningful.
func AllowEmpty(c *cobra.Command, name string) {
	_ = c.Flags().SetAnnotation(name, annEmptyOK, []string{"true"})
}

// CheckEmptyFlags refuses, as a usage error, a string flag of c given an
// empty value, unless AllowEmpty marked it.
func CheckEmptyFlags(c *cobra.Command) error {
	var err error
	c.Flags().Visit(func(f *pflag.Flag) {
		if err == nil && f.Value.Type() == "string" && f.Value.String() == "" && f.Annotations[annEmptyOK] == nil {
			err = UsageErrorf("--%s \"\": empty value; give a value or leave the flag out", f.Name)
		}
	})
	return err
}

// flagWants says what a flag's value must look like, by flag name, for
// the flags whose type alone does not say it.
var flagWants = map[string]string{
	"size": "a byte count such as 4096 or 0x1000",
}

// typeWants says what a value of a flag type must look like.
var typeWants = map[string]string{
	"bool":   "true or false",
	"int":    "a number such as 16 or 0x10",
	"uint":   "a number such as 16 or 0x10",
	"int64":  "a number such as 16 or 0x10",
	"uint64": "a number such as 16 or 0x10",
}

// FlagError turns a flag-parsing error into a usage error, with a value
// the flag's type cannot parse said in words instead of a strconv error:
// --size "-1": want a byte count such as 4096 or 0x1000. It is the
// command tree's cobra flag-error function.
func FlagError(_ *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) && bad.GetFlag() != nil {
		f := bad.GetFlag()
		want, ok := flagWants[f.Name]
		if !ok {
			want, ok = typeWants[f.Value.Type()]
		}
		if ok {
			return UsageErrorf("--%s %q: want %s", f.Name, bad.GetValue(), want)
		}
		return UsageErrorf("--%s %q: %v", f.Name, bad.GetValue(), bad.Unwrap())
	}
	return UsageError{err}
}
