package abi

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/luoinspect/luoinspect/abi/schema"
	"github.com/luoinspect/luoinspect/abi/schema/btfsrc"
	"github.com/luoinspect/luoinspect/internal/cmdutil"
	"github.com/luoinspect/luoinspect/internal/iostreams"
)

// loadSource resolves a SOURCE argument to a snapshot. A generation
// combination that does not hold together is a usage error; an argument
// that names no file, directory or generation is an input that cannot be
// read (exit 1), as a missing path is for every command.
func loadSource(arg string) (*schema.Snapshot, error) {
	st, statErr := os.Stat(arg)
	switch {
	case statErr == nil && st.IsDir():
		return schema.FromKernelTree(arg)
	case statErr == nil:
		f, err := os.Open(arg)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		head := make([]byte, 512)
		n, err := io.ReadFull(f, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, err
		}
		head = head[:n]
		switch {
		case schema.LooksLikeSchema(head):
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			s, err := schema.Read(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", arg, err)
			}
			return s, nil
		case btfsrc.IsBTF(head):
			return btfsrc.Load(arg)
		}
		return nil, fmt.Errorf("%s: not a schema JSON, vmlinux or BTF file", arg)
	case schema.IsRegistrySpec(arg) || strings.Contains(arg, "+"):
		snap, err := schema.FromRegistry(arg)
		if err != nil {
			return nil, cmdutil.UsageError{Err: err}
		}
		return snap, nil
	case !errors.Is(statErr, fs.ErrNotExist):
		return nil, statErr
	}
	return nil, fmt.Errorf("%q is not a file, a directory or a generation tag (see 'luoinspect abi list')", arg)
}

// warnSnapshot prints a snapshot's build warnings on stderr.
func warnSnapshot(ios *iostreams.IOStreams, snap *schema.Snapshot) {
	warn := cmdutil.WarnFunc(ios.ErrOut)
	for _, w := range snap.Warnings {
		warn(snap.Source + ": " + w)
	}
}
