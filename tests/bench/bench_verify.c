/*
 * bench_verify.c - the verification benchmark as a program of
 * tests/bench (the same code as `intyg bench verify`, cli/bench.c).
 *
 * Usage: bench_verify [N]   (verifications of each kind; default 20000)
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/bench.h"

int
main(int argc, char **argv)
{
	char *end = NULL;
	unsigned long n = argc > 1 ? strtoul(argv[1], &end, 10) : 20000;
	if (argc > 2 || (argc > 1 && (*end != '\0' || n == 0))) {
		fprintf(stderr, "usage: bench_verify [N]\n");
		return 2;
	}
	ig_err e = ig_bench_verify_run(n, stdout);
	if (e != IG_OK) {
		fprintf(stderr, "bench_verify: %s\n", ig_strerror(e));
		return 1;
	}
	return 0;
}
