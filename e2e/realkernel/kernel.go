package realkernel

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Kernel is a kernel built by scripts/kernel.sh.
type Kernel struct {
	// Series is "7.2" or "7.3".
	Series string
	// Dir holds bzImage, System.map, config, release and pkgversion.
	Dir string
	// Release is the kernel's uname -r; Package the Debian package version.
	Release, Package string
}

// BzImage is the path of the kernel image.
func (k *Kernel) BzImage() string { return filepath.Join(k.Dir, "bzImage") }

// BuildKernel returns the kernel of series, building it (or reusing the
// cached build) with repo's scripts/kernel.sh. The environment variable
// LUOINSPECT_KERNEL_<series with _ for .> names a ready directory instead.
func BuildKernel(ctx context.Context, repo, series string) (*Kernel, error) {
	dir := os.Getenv("LUOINSPECT_KERNEL_" + strings.ReplaceAll(series, ".", "_"))
	if dir == "" {
		cmd := exec.CommandContext(ctx, filepath.Join(repo, "scripts", "kernel.sh"), series)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("scripts/kernel.sh %s: %v\n%s", series, err, tail(errb.String(), 40))
		}
		dir = strings.TrimSpace(out.String())
	}
	k := &Kernel{Series: series, Dir: dir}
	for _, f := range []struct {
		name string
		to   *string
	}{{"release", &k.Release}, {"pkgversion", &k.Package}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return nil, err
		}
		*f.to = strings.TrimSpace(string(b))
	}
	return k, nil
}

// Symbol returns the address System.map gives for a text symbol.
func (k *Kernel) Symbol(name string) (uint64, error) {
	f, err := os.Open(filepath.Join(k.Dir, "System.map"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[2] == name && strings.ContainsAny(fields[1], "tT") {
			return strconv.ParseUint(fields[0], 16, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no text symbol %s in System.map", k.Dir, name)
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
