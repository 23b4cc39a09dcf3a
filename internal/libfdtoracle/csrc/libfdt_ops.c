/*
 * libfdt_ops.c - libfdt oracle for the tests of luoinspect.
 *
 * Reads an op script on stdin, one op per line, and runs every op with the
 * real libfdt, so that tests can compare fdt.SeqWriter, fdt.Editor and
 * fdt.Parse (fdt/oracle_test.go) and the KHO, LUO and memfd encoders
 * (kho, luo, memfd libfdt_test.go) with libfdt byte for byte. Package
 * internal/libfdtoracle embeds this file, builds it and runs it.
 *
 * Build: gcc -O2 -Wall -o libfdt_ops libfdt_ops.c -lfdt
 *
 * Ops. HEX is a hex byte string ("-" for no bytes), numbers use C syntax
 * (0x...), "begin -" (or a bare "begin") opens the root, whose name is
 * empty, and PATH goes through fdt_path_offset.
 *   create SIZE            fdt_create on a fresh SIZE-byte buffer
 *   rsv ADDR SIZE          fdt_add_reservemap_entry
 *   finish_rsv             fdt_finish_reservemap
 *   begin NAME             fdt_begin_node
 *   prop NAME HEX          fdt_property
 *   prop_str NAME STRING   fdt_property_string; STRING is the rest of line
 *   prop_strs NAME S...    fdt_property of the NUL-terminated words S...
 *   prop_u32 NAME N        fdt_property_u32 (big-endian cell)
 *   prop_u64le NAME N      fdt_property(fdt, NAME, &u64, 8) as KHO and LUO
 *                          do: CPU byte order, little-endian on the hosts
 *                          the tests run on (x86-64, arm64)
 *   end                    fdt_end_node
 *   finish                 fdt_finish
 *   load HEX               the buffer becomes exactly these bytes
 *   open_into SIZE         fdt_open_into(buf, buf, SIZE) in place, as the
 *                          kernel does; a larger SIZE first grows the
 *                          buffer with zeros
 *   reopen                 open_into with the current buffer size
 *   add_subnode PATH NAME  fdt_add_subnode
 *   setprop PATH NAME HEX  fdt_setprop
 *   setprop_u64le PATH NAME N  fdt_setprop(…, &u64, 8) as kho_add_subtree
 *   delprop PATH NAME      fdt_delprop
 *   del_node PATH          fdt_del_node
 *   pack                   fdt_pack
 *   nop_prop PATH NAME     fdt_nop_property (no Go counterpart: used to
 *   nop_node PATH          fdt_nop_node      make input blobs with NOPs)
 *   check                  prints "check OK" or "check <error>" for
 *                          fdt_check_full(buf, buffer size); never fails
 *   walk                   prints "node PATH" and "prop NAME LEN HEX" lines
 *                          in document order, then "walk OK"/"walk <error>"
 *   lookup PATH            prints "lookup PATH FOUND" where FOUND is the
 *                          fdt_get_path of fdt_path_offset(PATH) or the error
 *   dump                   prints "totalsize N" and "buffer HEX" (the whole
 *                          buffer); also done once after the last op
 * Blank lines and lines starting with '#' are ignored. A failing libfdt
 * call dumps the buffer, prints "error <FDT_ERR_...> line N: <op line>" and
 * exits with status 1.
 */
#define _GNU_SOURCE
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *buf;
static size_t bufsize;
static int lineno;
static char *opline;

static void dump(void);

/* die reports a failed op after dumping the buffer as the op left it. */
static void die(const char *what)
{
	if (buf)
		dump();
	printf("error %s line %d: %s\n", what, lineno, opline);
	exit(1);
}

static void try(int err)
{
	if (err < 0)
		die(fdt_strerror(err));
}

static void resize(size_t n)
{
	unsigned char *p = realloc(buf, n ? n : 1);

	if (!p)
		die("out of memory");
	if (n > bufsize)
		memset(p + bufsize, 0, n - bufsize);
	buf = p;
	bufsize = n;
}

/* hex decodes s into a malloc'ed buffer and stores its length in *n. */
static unsigned char *hex(const char *s, size_t *n)
{
	size_t len = (s && strcmp(s, "-")) ? strlen(s) : 0;
	unsigned char *b = malloc(len / 2 + 1);
	size_t i;

	if (!b || len % 2)
		die("bad hex");
	for (i = 0; i < len / 2; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			die("bad hex");
		b[i] = v;
	}
	*n = len / 2;
	return b;
}

static void put_hex(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	if (!n)
		putchar('-');
}

static int path(const char *p)
{
	int off = fdt_path_offset(buf, p);

	try(off);
	return off;
}

/*
 * walk builds paths from fdt_get_name itself: fdt_get_path goes wrong on
 * names that hold a '/', which fdt_check_full accepts.
 */
static void walk(void)
{
	static char p[1 << 16];
	static int plen[1 << 12];
	int depth = 0, off, poff;

	/* fdt_next_node leaves the tree with depth -1 after the root's end */
	for (off = 0; off >= 0 && depth >= 0;
	     off = fdt_next_node(buf, off, &depth)) {
		int len, at = depth ? plen[depth - 1] : 0;
		const char *name = fdt_get_name(buf, off, &len);

		if (!name) {
			off = len;
			break;
		}
		if (depth >= (int)(sizeof(plen) / sizeof(plen[0])) ||
		    at + len + 2 > (int)sizeof(p)) {
			off = -FDT_ERR_NOSPACE;
			break;
		}
		plen[depth] = at + (depth ? 1 + len : 0);
		if (depth)
			sprintf(p + at, "/%s", name);
		printf("node %s\n", depth ? p : "/");
		fdt_for_each_property_offset(poff, buf, off) {
			const void *v = fdt_getprop_by_offset(buf, poff, &name, &len);

			if (!v) {
				off = len;
				goto out;
			}
			printf("prop %s %d ", name, len);
			put_hex(v, len);
			putchar('\n');
		}
		if (poff != -FDT_ERR_NOTFOUND) {
			off = poff;
			break;
		}
	}
out:
	printf("walk %s\n", off >= 0 || off == -FDT_ERR_NOTFOUND ?
	       "OK" : fdt_strerror(off));
}

static void dump(void)
{
	printf("totalsize %u\nbuffer ", bufsize >= 8 ? fdt_totalsize(buf) : 0);
	put_hex(buf, bufsize);
	putchar('\n');
}

/*
 * split cuts s at its first n - 1 spaces into w[0..n-1]; the last word
 * keeps the rest of the line. Missing words become "".
 */
static void split(char *s, char **w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char *sp = (s && i < n - 1) ? strchr(s, ' ') : NULL;

		w[i] = s ? s : "";
		if (sp)
			*sp++ = 0;
		s = sp;
	}
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char *w[4] = { "", "", "", "" }, *op, *a, *b, *c;
		unsigned char *v;
		uint64_t u;
		size_t len;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!*line || *line == '#')
			continue;
		free(opline);
		opline = strdup(line);
		split(line, w, 2);
		op = w[0];
		if (!strcmp(op, "prop_str") || !strcmp(op, "prop_strs"))
			split(w[1], w + 1, 2);	/* NAME, then the rest */
		else
			split(w[1], w + 1, 3);
		a = w[1];
		b = w[2];
		c = w[3];

		if (!strcmp(op, "create")) {
			free(buf);
			buf = NULL;
			bufsize = 0;
			resize(strtoul(a, NULL, 0));
			try(fdt_create(buf, bufsize));
		} else if (!strcmp(op, "rsv")) {
			try(fdt_add_reservemap_entry(buf, strtoull(a, NULL, 0),
						     strtoull(b, NULL, 0)));
		} else if (!strcmp(op, "finish_rsv")) {
			try(fdt_finish_reservemap(buf));
		} else if (!strcmp(op, "begin")) {
			try(fdt_begin_node(buf, strcmp(a, "-") ? a : ""));
		} else if (!strcmp(op, "prop")) {
			v = hex(b, &len);
			try(fdt_property(buf, a, v, len));
			free(v);
		} else if (!strcmp(op, "prop_str")) {
			try(fdt_property_string(buf, a, b));
		} else if (!strcmp(op, "prop_strs")) {
			char *list = strdup(b), *p;

			/* the words with their NULs, back to back */
			len = strlen(b) + 1;
			for (p = list; *p; p++)
				if (*p == ' ')
					*p = 0;
			try(fdt_property(buf, a, list, len));
			free(list);
		} else if (!strcmp(op, "prop_u32")) {
			try(fdt_property_u32(buf, a, strtoul(b, NULL, 0)));
		} else if (!strcmp(op, "prop_u64le")) {
			u = strtoull(b, NULL, 0);
			try(fdt_property(buf, a, &u, sizeof(u)));
		} else if (!strcmp(op, "end")) {
			try(fdt_end_node(buf));
		} else if (!strcmp(op, "finish")) {
			try(fdt_finish(buf));
		} else if (!strcmp(op, "load")) {
			free(buf);
			buf = hex(a, &len);
			bufsize = len;
		} else if (!strcmp(op, "open_into")) {
			size_t size = strtoul(a, NULL, 0);

			if (size > bufsize)
				resize(size);
			bufsize = size;
			try(fdt_open_into(buf, buf, size));
		} else if (!strcmp(op, "reopen")) {
			try(fdt_open_into(buf, buf, bufsize));
		} else if (!strcmp(op, "add_subnode")) {
			try(fdt_add_subnode(buf, path(a), b));
		} else if (!strcmp(op, "setprop")) {
			v = hex(c, &len);
			try(fdt_setprop(buf, path(a), b, v, len));
			free(v);
		} else if (!strcmp(op, "setprop_u64le")) {
			u = strtoull(c, NULL, 0);
			try(fdt_setprop(buf, path(a), b, &u, sizeof(u)));
		} else if (!strcmp(op, "delprop")) {
			try(fdt_delprop(buf, path(a), b));
		} else if (!strcmp(op, "del_node")) {
			try(fdt_del_node(buf, path(a)));
		} else if (!strcmp(op, "nop_prop")) {
			try(fdt_nop_property(buf, path(a), b));
		} else if (!strcmp(op, "nop_node")) {
			try(fdt_nop_node(buf, path(a)));
		} else if (!strcmp(op, "pack")) {
			try(fdt_pack(buf));
		} else if (!strcmp(op, "check")) {
			int err = fdt_check_full(buf, bufsize);

			printf("check %s\n", err ? fdt_strerror(err) : "OK");
		} else if (!strcmp(op, "lookup")) {
			static char p[1 << 16];
			int off = fdt_path_offset(buf, a);

			if (off >= 0)
				off = fdt_get_path(buf, off, p, sizeof(p));
			printf("lookup %s %s\n", a, off < 0 ? fdt_strerror(off) : p);
		} else if (!strcmp(op, "walk")) {
			walk();
		} else if (!strcmp(op, "dump")) {
			dump();
		} else {
			die("unknown op");
		}
	}
	free(line);
	free(opline);
	if (buf)
		dump();
	return 0;
}
