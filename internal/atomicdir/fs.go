package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
)

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
