/*
 * libfdt_walk: the libfdt side of scripts/bench.sh. For each blob file it
 * times fdt_check_full plus a walk over every node and property (the
 * same work as the Go BenchmarkParseWalk: sum of name and value lengths)
 * and prints one line per file:
 *
 *   NAME ITERATIONS WALL_NS_PER_OP CPU_NS_PER_OP
 *
 * Build: gcc -O2 -o libfdt_walk libfdt_walk.c -lfdt
 */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long walk(const void *fdt, size_t size)
{
	long n = 0;
	int node, prop, len;
	if (fdt_check_full(fdt, size) != 0)
		return -1;
	for (node = 0; node >= 0; node = fdt_next_node(fdt, node, NULL)) {
		fdt_for_each_property_offset(prop, fdt, node) {
			const char *name;
			if (!fdt_getprop_by_offset(fdt, prop, &name, &len))
				return -1;
			n += len + strlen(name);
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	double budget = 0.5e9; /* wall ns per file */
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		rewind(f);
		char *buf = malloc(size);
		if (fread(buf, 1, size, f) != (size_t)size) {
			fprintf(stderr, "%s: short read\n", argv[i]);
			return 1;
		}
		fclose(f);
		volatile long sink = walk(buf, size);
		if (sink <= 0) {
			fprintf(stderr, "%s: fdt_check_full or walk failed\n", argv[i]);
			return 1;
		}
		long iters = 0, batch = 1;
		double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID), w1;
		do {
			for (long k = 0; k < batch; k++)
				sink += walk(buf, size);
			iters += batch;
			batch *= 2;
			w1 = now(CLOCK_MONOTONIC);
		} while (w1 - w0 < budget);
		double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
		const char *name = strrchr(argv[i], '/');
		name = name ? name + 1 : argv[i];
		printf("%s %ld %.1f %.1f\n", name, iters, (w1 - w0) / iters, (c1 - c0) / iters);
		free(buf);
	}
	return 0;
}
