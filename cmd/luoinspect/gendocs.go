package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newGenDocsCmd(s *streams) *cobra.Command {
	var markdown, man string
	c := &cobra.Command{
		Use:    "gen-docs",
		Short:  "Write the command reference (docs/cli.md) and man pages",
		Hidden: true,
		Args:   exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error {
			root := c.Root()
			if markdown != "" {
				var b bytes.Buffer
				if err := writeCLIReference(&b, root); err != nil {
					return err
				}
				if err := os.WriteFile(markdown, b.Bytes(), 0o644); err != nil {
					return err
				}
			}
			if man != "" {
				if err := os.MkdirAll(man, 0o755); err != nil {
					return err
				}
				hdr := &doc.GenManHeader{Title: "LUOINSPECT", Section: "1", Source: "luoinspect"}
				if err := doc.GenManTree(root, hdr, man); err != nil {
					return err
				}
			}
			if markdown == "" && man == "" {
				return usageError{fmt.Errorf("give --markdown FILE and/or --man DIR")}
			}
			return nil
		},
	}
	c.Flags().StringVar(&markdown, "markdown", "", "write the whole command reference to this Markdown file")
	c.Flags().StringVar(&man, "man", "", "write one man page per command into this directory")
	return c
}

// writeCLIReference writes one Markdown document describing every visible
// command, in command-tree order: the root's help holds the exit-code
// table and every command's help the codes it gives.
func writeCLIReference(b *bytes.Buffer, root *cobra.Command) error {
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
