package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"

	"github.com/luoinspect/luoinspect/inspect"
)

// checkOutDir refuses an output directory that is a file, or a directory
// with something in it unless replace is set.
func checkOutDir(dir string, replace bool) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !st.IsDir():
		return usageError{fmt.Errorf("--out %s is a file, not a directory", dir)}
	}
	empty, err := isEmptyDir(dir)
	if err != nil {
		return err
	}
	if !empty && !replace {
		return usageError{fmt.Errorf("--out %s exists and is not empty (--force replaces it)", dir)}
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

// writeDirAtomic builds the directory dir: fill writes its contents into a
// temporary directory next to dir, which is renamed to dir at the end. An
// existing empty dir is replaced; a non-empty one only with replace, and
// only once the new one is complete. On an error, and when ctx is done
// (Ctrl-C), nothing is left behind: no temporary directory, no half dir,
// an old dir as it was, and no parent directory it had to create.
func writeDirAtomic(ctx context.Context, dir string, replace bool, fill func(tmp string) error) (err error) {
	if err := checkOutDir(dir, replace); err != nil {
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
	if err := inspect.Stopped(ctx); err != nil {
		return err
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

// renameDir is rename(2), which replaces an empty directory (os.Rename
// refuses any existing directory); a non-empty one gives an error that
// is fs.ErrExist.
func renameDir(from, to string) error {
	if err := syscall.Rename(from, to); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// mkdirFresh creates a new directory in parent named prefix plus a random
// suffix, with perm (less the umask).
func mkdirFresh(parent, prefix string, perm fs.FileMode) (string, error) {
	for range 100 {
		name := filepath.Join(parent, fmt.Sprintf("%s%08x", prefix, rand.Uint32()))
		err := os.Mkdir(name, perm)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name %s* in %s", prefix, parent)
}

// mkdirParents creates dir and its missing parents, and returns the
// topmost directory it created ("" when dir existed).
func mkdirParents(dir string) (created string, err error) {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = d
		if filepath.Dir(d) == d {
			break
		}
	}
	if created == "" {
		return "", nil
	}
	return created, os.MkdirAll(dir, 0o755)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
