// Package gendocs is the hidden "luoinspect gen-docs" command, which
// writes the command reference (docs/cli.md) and the man pages.
package gendocs

import (
	"bytes"
	"os"

	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// GenDocsOptions is what the gen-docs command runs with.
type GenDocsOptions struct {
	// Root is the command tree to document.
	Root *cobra.Command
	// Markdown is the file to write the reference to, Man the directory
	// to write man pages into; either may be "".
	Markdown, Man string
}

// NewCmdGenDocs builds the gen-docs command; runF, when not nil, runs
// instead of the command's own run (for tests).
func NewCmdGenDocs(_ *cmdutil.Factory, runF func(*GenDocsOptions) error) *cobra.Command {
	opts := &GenDocsOptions{}
	c := &cobra.Command{
		Use:    "gen-docs",
		Short:  "Write the command reference (docs/cli.md) and man pages",
		Hidden: true,
		Args:   cmdutil.ExactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Root = c.Root()
			if runF != nil {
				return runF(opts)
			}
			return genDocsRun(opts)
		},
	}
	c.Flags().StringVar(&opts.Markdown, "markdown", "", "write the whole command reference to this Markdown file")
	c.Flags().StringVar(&opts.Man, "man", "", "write one man page per command into this directory")
	return c
}

// genDocsRun writes the reference and the man pages asked for.
func genDocsRun(opts *GenDocsOptions) error {
	if opts.Markdown != "" {
		var b bytes.Buffer
		if err := WriteCLIReference(&b, opts.Root); err != nil {
			return err
		}
		if err := os.WriteFile(opts.Markdown, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if opts.Man != "" {
		if err := os.MkdirAll(opts.Man, 0o755); err != nil {
			return err
		}
		hdr := &doc.GenManHeader{Title: "LUOINSPECT", Section: "1", Source: "luoinspect"}
		if err := doc.GenManTree(opts.Root, hdr, opts.Man); err != nil {
			return err
		}
	}
	if opts.Markdown == "" && opts.Man == "" {
		return cmdutil.UsageErrorf("give --markdown FILE and/or --man DIR")
	}
	return nil
}
