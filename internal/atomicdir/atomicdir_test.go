package atomicdir

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// names lists the entries of dir (dot files included), sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		paths[i] = filepath.Base(p)
	}
	return paths
}

var errInterrupted = errors.New("interrupted")

// TestWriteInterrupted cancels the context while the temporary directory
// is being filled: nothing may be left, and an old directory being
// replaced must stay as it was.
func TestWriteInterrupted(t *testing.T) {
	for _, existing := range []bool{false, true} {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		if existing {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "old"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		err := Write(ctx, dir, true, func(tmp string) error {
			if err := os.WriteFile(filepath.Join(tmp, "half"), []byte("x"), 0o644); err != nil {
				return err
			}
			cancel(errInterrupted)
			return nil
		})
		if !errors.Is(err, errInterrupted) {
			t.Fatalf("existing %v: err %v, want the cancel cause", existing, err)
		}
		want := []string(nil)
		if existing {
			want = []string{"out"}
			if got := names(t, dir); !slices.Equal(got, []string{"old"}) {
				t.Errorf("old directory now holds %v", got)
			}
		}
		if got := names(t, parent); !slices.Equal(got, want) {
			t.Errorf("existing %v: left %v, want %v", existing, got, want)
		}
	}
}

// TestWriteParents removes the parent directories it created when the
// fill fails, and keeps them when it succeeds.
func TestWriteParents(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "a", "b", "out")
	err := Write(context.Background(), dir, false, func(string) error { return errors.New("full disk") })
	if err == nil || len(names(t, top)) != 0 {
		t.Fatalf("failed fill: err %v, left %v", err, names(t, top))
	}
	err = Write(context.Background(), dir, false, func(tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "f"), nil, 0o644)
	})
	if err != nil || !slices.Equal(names(t, dir), []string{"f"}) || !slices.Equal(names(t, filepath.Dir(dir)), []string{"out"}) {
		t.Fatalf("err %v; %s holds %v", err, filepath.Dir(dir), names(t, filepath.Dir(dir)))
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir     string
		replace bool
		want    error
	}{
		{filepath.Join(dir, "new"), false, nil},
		{file, true, ErrNotDir},
		{dir, false, ErrNotEmpty},
		{dir, true, nil},
	} {
		if err := Check(tc.dir, tc.replace); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("Check(%s, %v) = %v, want %v", tc.dir, tc.replace, err, tc.want)
		}
	}
}
