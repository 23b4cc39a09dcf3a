// Package atomicdir builds a directory all at once: its contents are
// written into a temporary directory next to it, which takes its place
// only when complete. An error or a cancelled context leaves nothing
// behind, and a directory being replaced stays as it was.
package atomicdir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The errors of Check (and of Write, which checks first), wrapped with
// the directory's name.
var (
	ErrNotDir   = errors.New("is a file, not a directory")
	ErrNotEmpty = errors.New("exists and is not empty")
)

// Check refuses a dir that is a file, or a directory with something in
// it unless replace is set. A dir that does not exist passes.
func Check(dir string, replace bool) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s %w", dir, ErrNotDir)
	}
	empty, err := isEmptyDir(dir)
	if err != nil {
		return err
	}
	if !empty && !replace {
		return fmt.Errorf("%s %w", dir, ErrNotEmpty)
	}
	return nil
}

// isEmptyDir reports whether the directory dir holds nothing.
func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// Write builds the directory dir: fill writes its contents into a
// temporary directory next to dir, which is renamed to dir at the end. An
// existing empty dir is replaced; a non-empty one only with replace, and
// only once the new one is complete. On an error, and when ctx is done
// (Ctrl-C), nothing is left behind: no temporary directory, no half dir,
// an old dir as it was, and no parent directory it had to create.
func Write(ctx context.Context, dir string, replace bool, fill func(tmp string) error) (err error) {
	if err := Check(dir, replace); err != nil {
		return err
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	created, err := mkdirParents(parent)
	if err != nil {
		return err
	}
	tmp, err := mkdirFresh(parent, "."+base+".tmp-", 0o755)
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			if created != "" {
				os.RemoveAll(created)
			}
		}
	}()
	if err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err := swapDir(tmp, dir, parent, base, replace); err != nil {
		return err
	}
	return syncDir(parent)
}

// swapDir renames the complete directory tmp to dir, replacing an empty
// dir. A non-empty dir (with replace) is first moved aside, and removed
// once tmp took its place, or moved back if that fails.
func swapDir(tmp, dir, parent, base string, replace bool) error {
	err := renameDir(tmp, dir)
	if err == nil || !replace || !errors.Is(err, fs.ErrExist) {
		return err
	}
	old, err := mkdirFresh(parent, "."+base+".old-", 0o700)
	if err != nil {
		return err
	}
	if err := renameDir(dir, old); err != nil {
		os.Remove(old)
		return err
	}
	if err := renameDir(tmp, dir); err != nil {
		if rerr := renameDir(old, dir); rerr != nil {
			return fmt.Errorf("%w; the old %s is now %s", err, dir, old)
		}
		return err
	}
	return os.RemoveAll(old)
}
