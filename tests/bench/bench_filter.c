/*
 * bench_filter.c - the compact revocation filter (registry/codec/
 * revfilter.h): size against its bound, build time, delta size, query
 * rate and the measured false-positive rate.
 *
 * Usage: bench_filter [HASHES]   (default 10000000; the "1m" figures use
 *                                 HASHES / 10)
 *
 * The hashes are random 16-byte values (a revocation hash is the first 16
 * bytes of a SHA-256). The bound of the issue is 1.10 * log2(1/eps) bits
 * per stored hash, eps = 2^-k; sizes are of the whole serialized form
 * (header, payload, SHA-256). Prints "name: value" lines:
 *   bundle_bits_per_hash_1m     k=32 filter of HASHES/10 hashes, bits/hash
 *   bundle_ratio_to_bound_1m    the same / 32 (must be <= 1.10)
 *   bundle_bits_per_hash_10m    k=32 filter of HASHES
 *   bundle_ratio_to_bound_10m   the same / 32 (must be <= 1.10)
 *   bundle_build_s_10m          seconds to build it (must be <= 60)
 *   bundle_delta_ratio_to_bound a delta of a 1% change of HASHES (1% of
 *                               the hashes removed, as many added), its
 *                               serialized bits / (32 * changed hashes);
 *                               the target is <= 1.2
 *   bundle_delta_ratio_to_bound_1m  the same for HASHES/10
 *   filter_query_per_s          ig_revfilter_contains on the k=32 filter
 *                               of HASHES, half members, half not
 *   measured_fp_rate_k16        positives among 10,000,000 random hashes
 *                               not in a k=16 filter of HASHES/10
 *   expected_fp_rate_k16        2^-16, and the ratio of the two
 *   exact_bits_per_hash         exact mode of HASHES/10 hashes
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/revfilter.h"

#define HL IG_REVFILTER_HASH_LEN

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
fill(uint8_t *h, size_t n, uint64_t *s)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t a = splitmix(s), b = splitmix(s);
		memcpy(h + i * HL, &a, 8);
		memcpy(h + i * HL + 8, &b, 8);
	}
}

static void
die(const char *what, ig_err err)
{
	fprintf(stderr, "bench_filter: %s: %s\n", what, ig_strerror(err));
	exit(1);
}

static ig_revfilter *
build(const uint8_t *h, size_t n, unsigned k, double *secs)
{
	ig_revfilter *f = NULL;
	double t0 = now_s();
	ig_err err = ig_revfilter_build(h, n, k, 1, &f);
	if (err != IG_OK)
		die("build", err);
	if (secs != NULL)
		*secs = now_s() - t0;
	return f;
}

static double
bits_per_hash(const ig_revfilter *f, size_t n)
{
	return 8.0 * (double) ig_revfilter_serialized_len(f) / (double) n;
}

/* A 1% change of the n hashes at h (which holds n + n/100): OLD is
 * h[0..n), NEW is h[n/100..n + n/100). Returns the delta's ratio to
 * 32 bits per changed hash. */
static double
delta_ratio(const uint8_t *h, size_t n)
{
	size_t ch = n / 100;
	ig_revfilter *base = build(h, n, 32, NULL);
	ig_revfilter_delta *d = NULL;
	ig_err err;
	double bits;

	err = ig_revfilter_delta_build(base, h, n, h + ch * HL, n, 2, &d);
	if (err != IG_OK)
		die("delta", err);
	bits = 8.0 * (double) ig_revfilter_delta_serialized_len(d);
	ig_revfilter_delta_free(d);
	ig_revfilter_free(base);
	return bits / (32.0 * (double) (2 * ch));
}

int
main(int argc, char **argv)
{
	size_t big = 10000000, small, m = 10000000, q = 10000000, hits = 0;
	uint64_t s = 12345;
	uint8_t *h, *neg;
	ig_revfilter *f;
	double secs, t0;

	if (argc > 1) {
		char *end;
		unsigned long long v = strtoull(argv[1], &end, 10);
		if (*end != '\0' || v < 1000
		    || v > IG_REVFILTER_HASHES_MAX / 2) {
			fprintf(stderr, "usage: bench_filter [HASHES]\n");
			return 2;
		}
		big = (size_t) v;
		m = q = big;
	}
	small = big / 10;
	h = malloc((big + big / 100) * HL);
	neg = malloc(q * HL);
	if (h == NULL || neg == NULL)
		die("malloc", IG_ENOMEM);
	fill(h, big + big / 100, &s);

	f = build(h, small, 32, NULL);
	printf("bundle_bits_per_hash_1m: %.4f\n", bits_per_hash(f, small));
	printf("bundle_ratio_to_bound_1m: %.4f\n",
	    bits_per_hash(f, small) / 32.0);
	ig_revfilter_free(f);

	f = build(h, big, 32, &secs);
	printf("bundle_bits_per_hash_10m: %.4f\n", bits_per_hash(f, big));
	printf(
	    "bundle_ratio_to_bound_10m: %.4f\n", bits_per_hash(f, big) / 32.0);
	printf("bundle_build_s_10m: %.2f\n", secs);

	/* queries: half members (every other one of the set), half fresh */
	fill(neg, q, &s);
	for (size_t i = 0; i < q; i += 2)
		memcpy(neg + i * HL, h + ((i * 7919) % big) * HL, HL);
	t0 = now_s();
	for (size_t i = 0; i < q; i++)
		hits += ig_revfilter_contains(f, neg + i * HL);
	secs = now_s() - t0;
	printf("filter_query_per_s: %.0f\n", (double) q / secs);
	if (hits < q / 2)
		die("query: a member tested negative", IG_EINTERNAL);
	ig_revfilter_free(f);

	printf("bundle_delta_ratio_to_bound: %.4f\n", delta_ratio(h, big));
	printf(
	    "bundle_delta_ratio_to_bound_1m: %.4f\n", delta_ratio(h, small));

	f = build(h, small, 16, NULL);
	hits = 0;
	fill(neg, m < q ? m : q, &s);
	for (size_t i = 0; i < (m < q ? m : q); i++)
		hits += ig_revfilter_contains(f, neg + i * HL);
	printf("measured_fp_rate_k16: %.3e\n", (double) hits / (double) m);
	printf("expected_fp_rate_k16: %.3e\n", ldexp(1.0, -16));
	printf("fp_rate_ratio_to_expected_k16: %.3f\n",
	    (double) hits / (double) m / ldexp(1.0, -16));
	ig_revfilter_free(f);

	f = build(h, small, IG_REVFILTER_EXACT, NULL);
	printf("exact_bits_per_hash: %.2f\n", bits_per_hash(f, small));
	ig_revfilter_free(f);
	free(neg);
	free(h);
	return 0;
}
