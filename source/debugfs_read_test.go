package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDebugfsReadErrorsNameFileOnce(t *testing.T) {
	root, _ := khoRoot(t, "K1a")
	for _, tc := range []struct {
		name  string
		setup func(side string)
		file  string // the file the message names, under the side
		want  string
		fatal bool // Blobs fails rather than warns
	}{
		{"fdt is a directory", func(side string) {
			os.MkdirAll(filepath.Join(side, "fdt"), 0o755)
		}, "fdt", "is a directory, not a blob file", true},
		{"client blob too large", func(side string) {
			writeFile(t, filepath.Join(side, "fdt"), root)
			p := filepath.Join(side, "sub_fdts", "big")
			writeFile(t, p, nil)
			if err := os.Truncate(p, MaxBlobSize+1); err != nil {
				t.Skip(err)
			}
		}, "sub_fdts/big", "the file is larger than 64 MiB", false},
		{"client blob unreadable", func(side string) {
			writeFile(t, filepath.Join(side, "fdt"), root)
			os.MkdirAll(filepath.Join(side, "sub_fdts"), 0o755)
			os.Symlink("/nonexistent/blob", filepath.Join(side, "sub_fdts", "gone"))
		}, "sub_fdts/gone", "no such file or directory", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			side := filepath.Join(t.TempDir(), "kho", "out")
			os.MkdirAll(side, 0o755)
			tc.setup(side)
			d, err := OpenDebugfs(filepath.Dir(side), "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := d.Blobs()
			path := filepath.Join(side, tc.file)
			msg := ""
			switch {
			case tc.fatal && err != nil:
				msg = err.Error()
			case !tc.fatal && err == nil:
				for _, w := range b.Warnings {
					if strings.Contains(w, tc.want) {
						msg = w
					}
				}
			}
			if !strings.Contains(msg, tc.want) || strings.Count(msg, path) != 1 || strings.Contains(msg, "sub_fdts/sub_fdts") {
				t.Errorf("message %q (err %v): want %q naming %s once", msg, err, tc.want, path)
			}
		})
	}
}
