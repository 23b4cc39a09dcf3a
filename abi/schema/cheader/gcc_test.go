package cheader_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi/schema/cheader"
	"github.com/luoinspect/luoinspect/internal/testutil"
)

// gccPrelude gives gcc the kernel types and helpers the fixtures use.
const gccPrelude = `#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef uint32_t __u32; typedef uint64_t __u64; typedef uint64_t phys_addr_t;
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define ALIGN(x, a) ((((x) + (a) - 1) / (a)) * (a))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BITS_PER_LONG 64
#define BITS_TO_LONGS(nr) DIV_ROUND_UP(nr, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#define DECLARE_KHOSER_PTR(name, type) union { phys_addr_t phys; type ptr; } name
#define __NEW_UTS_LEN 64
#define BITS_PER_BYTE 8
#define const_ilog2(n) (63 - __builtin_clzll(n))
static void bitspan(const unsigned char *p, size_t n, const char *s, const char *f)
{
	int first = -1, count = 0;
	for (size_t i = 0; i < n * 8; i++)
		if (p[i / 8] >> (i % 8) & 1) { if (first < 0) first = (int)i; count++; }
	printf("B %s %s %d %d\n", s, f, first, count);
}
`

// gccLayouts compiles the fixtures with a generated main that prints
// sizeof, offsetof and bitfield positions for every struct r found, and
// returns gcc's lines keyed like "S name", "F name.field", "B name.field".
func gccLayouts(t *testing.T, gcc string, files []string, r *cheader.Result) map[string][2]int {
	t.Helper()
	var src strings.Builder
	src.WriteString(gccPrelude)
	for _, f := range files {
		abs, _ := filepath.Abs(filepath.Join("testdata", "headers", f))
		fmt.Fprintf(&src, "#include %q\n", abs)
	}
	src.WriteString("int main(void)\n{\n")
	for _, s := range r.Structs {
		fmt.Fprintf(&src, "\tprintf(\"S %s %%zu\\n\", sizeof(struct %s));\n", s.Name, s.Name)
		for _, f := range s.Fields {
			if f.BitSize > 0 {
				fmt.Fprintf(&src, "\t{ struct %s v; memset(&v, 0, sizeof(v)); v.%s = -1; bitspan((const unsigned char *)&v, sizeof(v), %q, %q); }\n",
					s.Name, f.Name, s.Name, f.Name)
				continue
			}
			fmt.Fprintf(&src, "\tprintf(\"F %s.%s %%zu %%zu\\n\", offsetof(struct %s, %s), sizeof(((struct %s *)0)->%s));\n",
				s.Name, f.Name, s.Name, f.Name, s.Name, f.Name)
		}
	}
	src.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	cfile, bin := filepath.Join(dir, "layout.c"), filepath.Join(dir, "layout")
	if err := os.WriteFile(cfile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-std=gnu11", "-O0", "-w", "-o", bin, cfile).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("running layout: %v", err)
	}
	res := map[string][2]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		nums := func(ss ...string) [2]int {
			var v [2]int
			for i, s := range ss {
				v[i], _ = strconv.Atoi(s)
			}
			return v
		}
		switch {
		case w[0] == "S" && len(w) == 3:
			res["S "+w[1]] = nums(w[2])
		case w[0] == "F" && len(w) == 4:
			res["F "+w[1]] = nums(w[2], w[3])
		case w[0] == "B" && len(w) == 5:
			res["B "+w[1]+"."+w[2]] = nums(w[3], w[4])
		}
	}
	return res
}

// TestGCCCrossCheck compares every layout the parser computes for the
// fixtures with gcc's. It is skipped without gcc unless
// LUOINSPECT_REQUIRE_ORACLES=1.
func TestGCCCrossCheck(t *testing.T) {
	gcc := testutil.OraclePath(t, "gcc")
	sets := [][]string{{"unions.h"}}
	for _, fs := range fixtureSets {
		sets = append(sets, fs.files)
	}
	for _, files := range sets {
		t.Run(strings.Join(files, "+"), func(t *testing.T) {
			r := parseFixtures(t, files)
			g := gccLayouts(t, gcc, files, r)
			for _, s := range r.Structs {
				if got, want := s.Size, g["S "+s.Name][0]; got != want {
					t.Errorf("sizeof(struct %s): parser %d, gcc %d", s.Name, got, want)
				}
				for _, f := range s.Fields {
					if f.BitSize > 0 {
						want := g["B "+s.Name+"."+f.Name]
						if got := [2]int{f.Offset*8 + f.BitOffset, f.BitSize}; got != want {
							t.Errorf("%s.%s bits: parser first %d width %d, gcc %d %d", s.Name, f.Name, got[0], got[1], want[0], want[1])
						}
						continue
					}
					want, ok := g["F "+s.Name+"."+f.Name]
					if got := [2]int{f.Offset, f.Size}; !ok || got != want {
						t.Errorf("%s.%s: parser offset %d size %d, gcc %v", s.Name, f.Name, got[0], got[1], want)
					}
				}
			}
		})
	}
}
