package gendocs

import (
	"bytes"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// WriteCLIReference writes one Markdown document describing every visible
// command of the tree root, in command-tree order: the root's help holds
// the exit-code table and every command's help the codes it gives.
func WriteCLIReference(b *bytes.Buffer, root *cobra.Command) error {
	b.WriteString("# luoinspect command reference\n\n")
	b.WriteString("Generated from the command tree by `luoinspect gen-docs --markdown docs/cli.md`; do not edit.\n\n")
	b.WriteString("The exit codes are under [luoinspect](#luoinspect); each command lists the ones it gives.\n\n")
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if c.Hidden || c.Name() == "help" {
			return nil
		}
		var one bytes.Buffer
		if err := doc.GenMarkdownCustom(c, &one, func(name string) string {
			return "#" + strings.ReplaceAll(strings.TrimSuffix(name, ".md"), "_", "-")
		}); err != nil {
			return err
		}
		b.WriteString(strings.TrimSpace(one.String()) + "\n\n")
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}
