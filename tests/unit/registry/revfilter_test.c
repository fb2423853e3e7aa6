/*
 * revfilter_test.c - the compact revocation filter (registry/
 * revfilter.h): no false negative, false-positive rates within
 * statistical bounds of 2^-k, the size bound, the serialized form (round
 * trip, every truncation and every bit flip refused, hand-made malformed
 * headers refused), gcs and exact modes, the empty set, duplicates and order
 * of the input, deltas and their client rule, and injected allocation
 * failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/revfilter.h"
#include "registry/crypto/crypto.h"

#define HL IG_REVFILTER_HASH_LEN

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* n random 16-byte hashes from the stream s (owned, free with free). */
static uint8_t *
random_hashes(size_t n, uint64_t s)
{
	uint8_t *h = malloc(n * HL + 1);
	assert_non_null(h);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = splitmix(&s), b = splitmix(&s);
		memcpy(h + i * HL, &a, 8);
		memcpy(h + i * HL + 8, &b, 8);
	}
	return h;
}

static ig_revfilter *
build(const uint8_t *h, size_t n, unsigned k, uint64_t seed)
{
	ig_revfilter *f = NULL;
	assert_int_equal(ig_revfilter_build(h, n, k, seed, &f), IG_OK);
	assert_non_null(f);
	return f;
}

static ig_buf
serialize(const ig_revfilter *f)
{
	ig_buf b;
	ig_buf_init(&b, IG_REVFILTER_SERIAL_MAX);
	assert_int_equal(ig_revfilter_serialize(f, &b), IG_OK);
	assert_int_equal(b.len, ig_revfilter_serialized_len(f));
	return b;
}

/* Positives among n fresh random hashes (stream s) that are not in the
 * set: with 128-bit random hashes, none of them is. */
static size_t
count_fp(const ig_revfilter *f, size_t n, uint64_t s)
{
	size_t fp = 0;
	uint8_t h[HL];
	for (size_t i = 0; i < n; i++) {
		uint64_t a = splitmix(&s), b = splitmix(&s);
		memcpy(h, &a, 8);
		memcpy(h + 8, &b, 8);
		fp += ig_revfilter_contains(f, h);
	}
	return fp;
}

static void
test_no_false_negative_1m(void **state)
{
	(void) state;
	size_t n = 1000000;
	uint8_t *h = random_hashes(n, 1);
	ig_revfilter *f = build(h, n, 32, 7);
	size_t missing = 0;

	assert_int_equal(ig_revfilter_mode_of(f), IG_REVFILTER_MODE_FUSE);
	assert_int_equal(ig_revfilter_count(f), n);
	assert_int_equal(ig_revfilter_k(f), 32);
	for (size_t i = 0; i < n; i++)
		missing += !ig_revfilter_contains(f, h + i * HL);
	assert_int_equal(missing, 0);
	ig_revfilter_free(f);
	free(h);
}

/* The size bound: at most 1.10 k bits per stored hash, the whole
 * serialized form counted. */
static void
test_size_bound_1m(void **state)
{
	(void) state;
	size_t n = 1000000;
	uint8_t *h = random_hashes(n, 2);
	unsigned ks[] = { 8, 16, 32 };

	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		ig_revfilter *f = build(h, n, ks[i], 1);
		double bits = 8.0 * (double) ig_revfilter_serialized_len(f);
		double ratio = bits / (double) n / ks[i];
		if (ratio > 1.10)
			fail_msg("k=%u: %.4f x the bound", ks[i], ratio);
		/* and not suspiciously small: a fuse filter needs > k bits */
		if (ratio < 1.0)
			fail_msg("k=%u: %.4f x: too small", ks[i], ratio);
		ig_revfilter_free(f);
	}
	free(h);
}

/* The measured rate over m negatives is within 6 standard deviations of
 * m * 2^-k (a binomial count), on both sides. */
static void
fp_rate(unsigned k, size_t n, size_t m)
{
	uint8_t *h = random_hashes(n, 3 + k);
	ig_revfilter *f = build(h, n, k, 11);
	size_t fp = count_fp(f, m, 1000 + k);
	double p = ldexp(1.0, -(int) k);
	double mean = (double) m * p, sd = sqrt((double) m * p * (1 - p));

	if (fabs((double) fp - mean) > 6 * sd)
		fail_msg("k=%u: %zu false positives in %zu, expected %.1f "
		         "+- %.1f",
		    k, fp, m, mean, 6 * sd);
	ig_revfilter_free(f);
	free(h);
}

static void
test_fp_rate_k8(void **state)
{
	(void) state;
	fp_rate(8, 100000, 2000000);
}

static void
test_fp_rate_k16(void **state)
{
	(void) state;
	fp_rate(16, 100000, 16000000);
}

/* Odd widths work too, and a k=32 filter gives no positive in 4M. */
static void
test_fp_rate_other_k(void **state)
{
	(void) state;
	fp_rate(1, 5000, 200000);
	fp_rate(12, 50000, 4000000);
	uint8_t *h = random_hashes(50000, 5);
	ig_revfilter *f = build(h, 50000, 32, 3);
	assert_int_equal(count_fp(f, 4000000, 77), 0);
	ig_revfilter_free(f);
	free(h);
}

static void
check_round_trip(const ig_revfilter *f, const uint8_t *h, size_t n)
{
	ig_buf a = serialize(f), b;
	ig_revfilter *g = NULL;
	const char *why = NULL;
	uint8_t d1[32], d2[32], d3[32];

	assert_int_equal(
	    ig_revfilter_parse(ig_slice_make(a.ptr, a.len), &g, &why), IG_OK);
	assert_int_equal(ig_revfilter_mode_of(g), ig_revfilter_mode_of(f));
	assert_int_equal(ig_revfilter_k(g), ig_revfilter_k(f));
	assert_int_equal(ig_revfilter_count(g), ig_revfilter_count(f));
	assert_true(ig_revfilter_seed(g) == ig_revfilter_seed(f));
	b = serialize(g);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	/* the digest is the closing SHA-256, as OpenSSL computes it */
	ig_revfilter_digest(f, d1);
	ig_revfilter_digest(g, d2);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(
	    ig_sha256(ig_slice_make(a.ptr, a.len - 32), d3), IG_OK);
	assert_memory_equal(d1, d3, 32);
	assert_memory_equal(a.ptr + a.len - 32, d3, 32);
	for (size_t i = 0; i < n; i++)
		assert_true(ig_revfilter_contains(g, h + i * HL));
	assert_int_equal(count_fp(g, 100000, 9), count_fp(f, 100000, 9));
	ig_revfilter_free(g);
	ig_buf_free(&a);
	ig_buf_free(&b);
}

static void
test_round_trip(void **state)
{
	(void) state;
	size_t ns[] = { 0, 1, 2, 3, 10, 100, 1000, 65537 };
	unsigned ks[] = { IG_REVFILTER_EXACT, 1, 8, 13, 16, 32 };
	uint8_t *h = random_hashes(65537, 4);

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
			ig_revfilter *f = build(h, ns[i], ks[j], i * 7 + j);
			check_round_trip(f, h, ns[i]);
			ig_revfilter_free(f);
		}
	free(h);
}

/* The output of a refused parse stays as it was. */
static void
parse_bad(const uint8_t *p, size_t len, ig_err want)
{
	ig_revfilter *g = (ig_revfilter *) (uintptr_t) 0x1;
	const char *why = NULL;
	ig_err err = ig_revfilter_parse(ig_slice_make(p, len), &g, &why);
	if (err == IG_OK)
		fail_msg("accepted %zu bytes", len);
	if (want != IG_OK && err != want)
		fail_msg("%zu bytes: %s (%s), wanted %s", len,
		    ig_err_name(err), why ? why : "-", ig_err_name(want));
	assert_non_null(why);
	assert_true(strlen(why) > 0);
	assert_ptr_equal(g, (ig_revfilter *) (uintptr_t) 0x1);
}

static void
test_truncations_and_flips(void **state)
{
	(void) state;
	uint8_t *h = random_hashes(300, 5);
	unsigned ks[] = { IG_REVFILTER_EXACT, 8, 32 };

	for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
		ig_revfilter *f = build(h, ks[j] == 0 ? 30 : 300, ks[j], 1);
		ig_buf a = serialize(f);
		uint8_t *c = malloc(a.len + 1);
		assert_non_null(c);
		for (size_t len = 0; len < a.len; len++)
			parse_bad(a.ptr, len, IG_OK);
		/* one byte more */
		memcpy(c, a.ptr, a.len);
		c[a.len] = 0;
		parse_bad(c, a.len + 1, IG_OK);
		/* every single bit flipped */
		for (size_t bit = 0; bit < a.len * 8; bit++) {
			memcpy(c, a.ptr, a.len);
			c[bit / 8] ^= (uint8_t) (1u << (bit % 8));
			parse_bad(c, a.len, IG_OK);
		}
		free(c);
		ig_buf_free(&a);
		ig_revfilter_free(f);
	}
	free(h);
}

/* Big-endian helpers to edit a header, and re-sealing with OpenSSL's
 * SHA-256 so that a malformed field, not the checksum, is what the
 * parser must catch. */
static void
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t) v;
		v >>= 8;
	}
}

static void
reseal(uint8_t *p, size_t len)
{
	assert_int_equal(
	    ig_sha256(ig_slice_make(p, len - 32), p + len - 32), IG_OK);
}

static void
edit_bad(const ig_buf *a, size_t off, uint64_t v, int width, ig_err want)
{
	uint8_t *c = malloc(a->len);
	assert_non_null(c);
	memcpy(c, a->ptr, a->len);
	put_be(c + off, v, width);
	reseal(c, a->len);
	parse_bad(c, a->len, want);
	free(c);
}

static void
test_malformed_headers(void **state)
{
	(void) state;
	uint8_t *h = random_hashes(2000, 6);
	ig_revfilter *f = build(h, 2000, 16, 1);
	ig_revfilter *e = build(h, 50, IG_REVFILTER_EXACT, 1);
	ig_buf a = serialize(f), x = serialize(e);

	/* header: magic 0, version 4, mode 5, k 6, arity 7, n 8, seed 16,
	 * segment length 24, segment count 28, array length 32, payload
	 * length 36 */
	edit_bad(&a, 0, 0x49475246 ^ 1, 4, IG_EFORMAT); /* magic */
	edit_bad(&a, 4, 2, 1, IG_EUNSUPPORTED); /* version */
	edit_bad(&a, 5, 4, 1, IG_EUNSUPPORTED); /* mode */
	edit_bad(&a, 5, 0, 1, IG_EUNSUPPORTED);
	edit_bad(
	    &a, 5, IG_REVFILTER_MODE_GCS, 1, IG_EFORMAT); /* fuse fields */
	edit_bad(&a, 6, 0, 1, IG_EFORMAT); /* k 0 in fuse mode */
	edit_bad(&a, 6, 33, 1, IG_EFORMAT); /* k 33 */
	edit_bad(&a, 7, 3, 1, IG_EFORMAT); /* arity */
	edit_bad(&a, 8, IG_REVFILTER_HASHES_MAX + 1ull, 8, IG_ETOOBIG);
	edit_bad(&a, 8, UINT64_MAX, 8, IG_ETOOBIG);
	edit_bad(&a, 8, 100, 8, IG_EFORMAT); /* n vs geometry */
	edit_bad(&a, 24, 96, 4, IG_EFORMAT); /* not a power of two */
	edit_bad(&a, 24, 1u << 20, 4, IG_EFORMAT); /* too long a segment */
	edit_bad(&a, 28, 0xffffffffu, 4, IG_EFORMAT); /* overflow */
	edit_bad(&a, 32, 0xffffffffu, 4, IG_EFORMAT);
	edit_bad(&a, 36, UINT64_MAX, 8, IG_ETOOBIG);
	edit_bad(&a, 36, 1, 8, IG_EFORMAT);
	/* padding bits of the last payload byte are zero: k=16 has none;
	 * exact mode: the hashes must be strictly ascending */
	{
		uint8_t *c = malloc(x.len);
		assert_non_null(c);
		memcpy(c, x.ptr, x.len);
		/* swap hash 3 and 4 */
		uint8_t t[HL];
		uint8_t *p = c + IG_REVFILTER_HEADER_LEN;
		memcpy(t, p + 3 * HL, HL);
		memcpy(p + 3 * HL, p + 4 * HL, HL);
		memcpy(p + 4 * HL, t, HL);
		reseal(c, x.len);
		parse_bad(c, x.len, IG_EFORMAT);
		/* a duplicate */
		memcpy(c, x.ptr, x.len);
		memcpy(p + 4 * HL, p + 3 * HL, HL);
		reseal(c, x.len);
		parse_bad(c, x.len, IG_EFORMAT);
		free(c);
	}
	edit_bad(&x, 6, 8, 1, IG_EFORMAT); /* k in exact mode */
	edit_bad(&x, 8, 49, 8, IG_EFORMAT); /* n vs payload */
	/* an odd k can leave padding bits in the last payload byte; they
	 * must be zero. Find such a filter among small ones. */
	{
		int found = 0;
		for (size_t n = 1; n < 200 && !found; n++) {
			ig_revfilter *o = build(h, n, 3, 1);
			ig_buf b = serialize(o);
			uint64_t al = ((uint64_t) b.ptr[32] << 24)
			    | ((uint64_t) b.ptr[33] << 16)
			    | ((uint64_t) b.ptr[34] << 8) | b.ptr[35];
			if ((al * 3) % 8 != 0) {
				uint8_t *c = malloc(b.len);
				assert_non_null(c);
				memcpy(c, b.ptr, b.len);
				c[b.len - 33] |= 0x80;
				reseal(c, b.len);
				parse_bad(c, b.len, IG_EFORMAT);
				free(c);
				found = 1;
			}
			ig_buf_free(&b);
			ig_revfilter_free(o);
		}
		assert_true(found);
	}
	ig_buf_free(&a);
	ig_buf_free(&x);
	ig_revfilter_free(f);
	ig_revfilter_free(e);
	free(h);
}

static ig_revfilter *
build_gcs(const uint8_t *h, size_t n, unsigned k, uint64_t seed)
{
	ig_revfilter *f = NULL;
	assert_int_equal(
	    ig_revfilter_build_mode(h, n, IG_REVFILTER_MODE_GCS, k, seed, &f),
	    IG_OK);
	assert_int_equal(ig_revfilter_mode_of(f), IG_REVFILTER_MODE_GCS);
	return f;
}

/* Gcs mode: no false negative, the rate within bounds at k = 8 and 16,
 * about k + 1.6 bits per hash, and its form refused when truncated, when
 * a bit flips, or (re-sealed) when its codes are malformed. */
static void
test_gcs_mode(void **state)
{
	(void) state;
	size_t n = 100000;
	uint8_t *h = random_hashes(n, 40);
	unsigned ks[] = { 8, 16, 32 };
	ig_revfilter *f;

	for (size_t j = 0; j < 3; j++) {
		f = build_gcs(h, n, ks[j], 3);
		for (size_t i = 0; i < n; i++)
			assert_true(ig_revfilter_contains(f, h + i * HL));
		double ratio = 8.0 * (double) ig_revfilter_serialized_len(f)
		    / (double) n / ks[j];
		double want = (ks[j] + 1.6) / ks[j];
		if (fabs(ratio - want) > 0.05)
			fail_msg("gcs k=%u: %.4f x k bits", ks[j], ratio);
		if (ks[j] <= 16) {
			size_t m = ks[j] == 8 ? 2000000 : 16000000;
			size_t fp = count_fp(f, m, 50 + ks[j]);
			double p = ldexp(1.0, -(int) ks[j]),
			       mean = (double) m * p;
			double sd = sqrt(mean * (1 - p));
			if (fabs((double) fp - mean) > 6 * sd)
				fail_msg("gcs k=%u: %zu false positives, "
				         "expected %.1f",
				    ks[j], fp, mean);
		} else
			assert_int_equal(count_fp(f, 1000000, 51), 0);
		check_round_trip(f, h, n);
		ig_revfilter_free(f);
	}
	/* a small one: every truncation and bit flip */
	f = build_gcs(h, 40, 8, 1);
	ig_buf a = serialize(f);
	uint8_t *c = malloc(a.len + 1);
	assert_non_null(c);
	for (size_t len = 0; len < a.len; len++)
		parse_bad(a.ptr, len, IG_OK);
	for (size_t bit = 0; bit < a.len * 8; bit++) {
		memcpy(c, a.ptr, a.len);
		c[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		parse_bad(c, a.len, IG_OK);
	}
	/* re-sealed: every flip of a payload bit changes the codes, which
	 * either no longer decode or decode to other values; those that
	 * parse must stay canonical (serialize to the same bytes) */
	for (size_t bit = IG_REVFILTER_HEADER_LEN * 8; bit < (a.len - 32) * 8;
	     bit++) {
		ig_revfilter *g = NULL;
		memcpy(c, a.ptr, a.len);
		c[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		reseal(c, a.len);
		if (ig_revfilter_parse(ig_slice_make(c, a.len), &g, NULL)
		    == IG_OK) {
			ig_buf b = serialize(g);
			assert_int_equal(b.len, a.len);
			assert_memory_equal(b.ptr, c, a.len);
			ig_buf_free(&b);
			ig_revfilter_free(g);
		}
	}
	/* header fields of gcs mode */
	edit_bad(&a, 7, 4, 1, IG_EFORMAT); /* arity */
	edit_bad(&a, 24, 4, 4, IG_EFORMAT); /* segment length */
	edit_bad(&a, 32, 41, 4, IG_EFORMAT); /* more values than n */
	edit_bad(&a, 32, 0, 4, IG_EFORMAT); /* no value for n > 0 */
	edit_bad(&a, 32, 39, 4, IG_EFORMAT); /* one value fewer */
	edit_bad(&a, 6, 0, 1, IG_EFORMAT); /* k */
	/* bad mode/k combinations at build time */
	{
		ig_revfilter *z = NULL;
		assert_int_equal(ig_revfilter_build_mode(
		                     h, 4, IG_REVFILTER_MODE_GCS, 0, 1, &z),
		    IG_EINVAL);
		assert_int_equal(ig_revfilter_build_mode(
		                     h, 4, IG_REVFILTER_MODE_EXACT, 8, 1, &z),
		    IG_EINVAL);
		assert_int_equal(ig_revfilter_build_mode(
		                     h, 4, (ig_revfilter_mode) 9, 8, 1, &z),
		    IG_EINVAL);
		assert_null(z);
	}
	free(c);
	ig_buf_free(&a);
	ig_revfilter_free(f);
	free(h);
}

static void
test_exact_mode(void **state)
{
	(void) state;
	size_t n = 100000;
	uint8_t *h = random_hashes(n, 8);
	ig_revfilter *f = build(h, n, IG_REVFILTER_EXACT, 0);

	assert_int_equal(ig_revfilter_mode_of(f), IG_REVFILTER_MODE_EXACT);
	assert_int_equal(ig_revfilter_k(f), 0);
	assert_int_equal(ig_revfilter_count(f), n);
	for (size_t i = 0; i < n; i++)
		assert_true(ig_revfilter_contains(f, h + i * HL));
	assert_int_equal(count_fp(f, 1000000, 10), 0);
	/* a hash that differs from a stored one in its last bit only */
	uint8_t near[HL];
	memcpy(near, h + 5 * HL, HL);
	near[HL - 1] ^= 1;
	assert_false(ig_revfilter_contains(f, near));
	assert_int_equal(ig_revfilter_serialized_len(f),
	    IG_REVFILTER_HEADER_LEN + n * HL + 32);
	ig_revfilter_free(f);
	free(h);
}

static void
test_empty_set(void **state)
{
	(void) state;
	unsigned ks[] = { IG_REVFILTER_EXACT, 8, 32 };
	uint8_t h[HL] = { 1, 2, 3 };

	for (size_t j = 0; j < 3; j++) {
		ig_revfilter *f = build(NULL, 0, ks[j], 5);
		assert_int_equal(ig_revfilter_count(f), 0);
		assert_false(ig_revfilter_contains(f, h));
		assert_int_equal(count_fp(f, 10000, 3), 0);
		check_round_trip(f, NULL, 0);
		ig_revfilter_free(f);
	}
}

/* Duplicates are stored once and the order of the input does not
 * matter: the bytes are those of the distinct set in any order. */
static void
test_duplicates_and_order(void **state)
{
	(void) state;
	size_t n = 20000;
	uint8_t *h = random_hashes(n, 12);
	uint8_t *d = malloc(3 * n * HL);
	unsigned ks[] = { IG_REVFILTER_EXACT, 8, 32 };
	uint64_t s = 99;

	assert_non_null(d);
	for (size_t r = 0; r < 3; r++)
		memcpy(d + r * n * HL, h, n * HL);
	for (size_t i = 3 * n - 1; i > 0; i--) { /* shuffle */
		size_t j = splitmix(&s) % (i + 1);
		uint8_t t[HL];
		memcpy(t, d + i * HL, HL);
		memcpy(d + i * HL, d + j * HL, HL);
		memcpy(d + j * HL, t, HL);
	}
	for (size_t j = 0; j < 3; j++) {
		ig_revfilter *f = build(h, n, ks[j], 42);
		ig_revfilter *g = build(d, 3 * n, ks[j], 42);
		ig_buf a = serialize(f), b = serialize(g);
		assert_int_equal(ig_revfilter_count(g), n);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.ptr, b.ptr, a.len);
		ig_buf_free(&a);
		ig_buf_free(&b);
		ig_revfilter_free(f);
		ig_revfilter_free(g);
	}
	/* another seed gives another filter of the same set */
	{
		ig_revfilter *f = build(h, n, 16, 1), *g = build(h, n, 16, 2);
		ig_buf a = serialize(f), b = serialize(g);
		assert_true(
		    a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0);
		ig_buf_free(&a);
		ig_buf_free(&b);
		ig_revfilter_free(f);
		ig_revfilter_free(g);
	}
	free(d);
	free(h);
}

static void
test_bad_arguments(void **state)
{
	(void) state;
	ig_revfilter *f = (ig_revfilter *) (uintptr_t) 0x1;
	uint8_t h[HL] = { 0 };

	assert_int_equal(ig_revfilter_build(h, 1, 33, 0, &f), IG_EINVAL);
	assert_int_equal(ig_revfilter_build(NULL, 1, 8, 0, &f), IG_EINVAL);
	/* refused before the hashes are read */
	assert_int_equal(
	    ig_revfilter_build(h, IG_REVFILTER_HASHES_MAX + 1ul, 8, 0, &f),
	    IG_ETOOBIG);
	assert_int_equal(
	    ig_revfilter_build(h, SIZE_MAX / 4, 8, 0, &f), IG_ETOOBIG);
	assert_ptr_equal(f, (ig_revfilter *) (uintptr_t) 0x1);
	ig_revfilter_free(NULL);
	ig_revfilter_delta_free(NULL);
}

/* Deltas: a 1% change of 100,000 hashes. */
static void
delta_case(unsigned k)
{
	size_t n = 100000, ch = 1000;
	uint8_t *h = random_hashes(n + ch, 20 + k);
	/* OLD = h[0..n), NEW = h[ch..n+ch) */
	const uint8_t *old = h, *new = h + ch *HL;
	ig_revfilter *base = build(old, n, k, 3);
	ig_revfilter_delta *d = NULL, *d2 = NULL;
	ig_buf a, b;
	const char *why = NULL;
	size_t fn = 0, fp = 0;

	assert_int_equal(
	    ig_revfilter_delta_build(base, old, n, new, n, 5, &d), IG_OK);
	assert_int_equal(ig_revfilter_delta_check_base(d, base), IG_OK);
	assert_int_equal(ig_revfilter_count(ig_revfilter_delta_added(d)), ch);
	assert_int_equal(
	    ig_revfilter_count(ig_revfilter_delta_removed(d)), ch);
	assert_int_equal(ig_revfilter_k(ig_revfilter_delta_added(d)), k);
	for (size_t i = 0; i < n; i++)
		fn += !ig_revfilter_delta_contains(base, d, new + i *HL);
	for (size_t i = 0; i < ch; i++) /* the removed ones */
		fp += ig_revfilter_delta_contains(base, d, old + i * HL);
	if (k == IG_REVFILTER_EXACT) {
		assert_int_equal(fn, 0);
		assert_int_equal(fp, 0);
	} else {
		/* each still-revoked hash is lost with probability <= 2^-k:
		 * expected n 2^-k; 6 sd above */
		double p = ldexp(1.0, -(int) k), m = (double) n * p;
		assert_true((double) fn <= m + 6 * sqrt(m) + 1);
		assert_true((double) fp <= 2 * (double) ch * p
		        + 6 * sqrt(2 * (double) ch * p) + 1);
	}
	/* the delta's size at the default k: at most 1.2 k bits per changed
	 * hash, headers included (at k = 8 the two headers alone add 0.12) */
	if (k == IG_REVFILTER_K_DEFAULT) {
		double ratio = 8.0
		    * (double) ig_revfilter_delta_serialized_len(d)
		    / (2.0 * (double) ch * k);
		if (ratio > 1.2)
			fail_msg("delta k=%u: %.4f x the bound", k, ratio);
	}
	/* serialized round trip */
	ig_buf_init(&a, 2 * IG_REVFILTER_SERIAL_MAX);
	assert_int_equal(ig_revfilter_delta_serialize(d, &a), IG_OK);
	assert_int_equal(a.len, ig_revfilter_delta_serialized_len(d));
	assert_int_equal(
	    ig_revfilter_delta_parse(ig_slice_make(a.ptr, a.len), &d2, &why),
	    IG_OK);
	ig_buf_init(&b, 2 * IG_REVFILTER_SERIAL_MAX);
	assert_int_equal(ig_revfilter_delta_serialize(d2, &b), IG_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	assert_int_equal(ig_revfilter_delta_check_base(d2, base), IG_OK);
	for (size_t i = 0; i < n; i += 97)
		assert_int_equal(
		    ig_revfilter_delta_contains(base, d, h + i * HL),
		    ig_revfilter_delta_contains(base, d2, h + i * HL));
	/* truncations and flips of the delta */
	for (size_t len = 0; len < a.len; len += 1 + len / 64) {
		ig_revfilter_delta *z = NULL;
		assert_int_not_equal(ig_revfilter_delta_parse(
		                         ig_slice_make(a.ptr, len), &z, &why),
		    IG_OK);
		assert_null(z);
	}
	for (size_t off = 0; off < a.len; off += 1 + off / 32) {
		ig_revfilter_delta *z = NULL;
		a.ptr[off] ^= 0x10;
		assert_int_not_equal(
		    ig_revfilter_delta_parse(
		        ig_slice_make(a.ptr, a.len), &z, &why),
		    IG_OK);
		assert_null(z);
		a.ptr[off] ^= 0x10;
	}
	/* a delta refuses a base it was not made for */
	{
		ig_revfilter *other = build(new, n, k, 3);
		assert_int_equal(
		    ig_revfilter_delta_check_base(d, other), IG_EINVAL);
		ig_revfilter_free(other);
	}
	/* a base that is not a filter of old is refused */
	{
		ig_revfilter_delta *z = NULL;
		assert_int_equal(
		    ig_revfilter_delta_build(base, old, n - 1, new, n, 5, &z),
		    IG_EINVAL);
		assert_null(z);
	}
	ig_buf_free(&a);
	ig_buf_free(&b);
	ig_revfilter_delta_free(d);
	ig_revfilter_delta_free(d2);
	ig_revfilter_free(base);
	free(h);
}

static void
test_delta(void **state)
{
	(void) state;
	delta_case(8);
	delta_case(16);
	delta_case(32);
	delta_case(IG_REVFILTER_EXACT);
}

/* Every allocation of a build and of a parse may fail: an error comes
 * back, nothing leaks (ASan), nothing is half-published. */
static void
test_alloc_failures(void **state)
{
	(void) state;
	uint8_t *h = random_hashes(500, 30);
	ig_revfilter_mode modes[] = { IG_REVFILTER_MODE_EXACT,
		IG_REVFILTER_MODE_FUSE, IG_REVFILTER_MODE_GCS };
	unsigned ks[] = { IG_REVFILTER_EXACT, 16, 16 };

	for (size_t j = 0; j < 3; j++) {
		ig_revfilter *f = NULL;
		assert_int_equal(
		    ig_revfilter_build_mode(h, 500, modes[j], ks[j], 1, &f),
		    IG_OK);
		ig_buf a = serialize(f);
		int ok = 0;
		for (unsigned long nth = 1; nth < 100 && !ok; nth++) {
			ig_revfilter *g = NULL, *p = NULL;
			ig_revfilter_delta *d = NULL;
			ig_alloc_fail_after(nth, 1);
			ig_err e1 = ig_revfilter_build_mode(
			    h, 500, modes[j], ks[j], 1, &g);
			ig_alloc_fail_after(0, 0);
			ig_alloc_fail_after(nth, 1);
			ig_err e2 = ig_revfilter_parse(
			    ig_slice_make(a.ptr, a.len), &p, NULL);
			ig_alloc_fail_after(0, 0);
			ig_alloc_fail_after(nth, 1);
			ig_err e3 = ig_revfilter_delta_build(
			    f, h, 500, h + 20 * HL, 480, 1, &d);
			ig_alloc_fail_after(0, 0);
			if (e1 == IG_OK && e2 == IG_OK && e3 == IG_OK)
				ok = 1;
			else {
				assert_true(e1 == IG_OK || e1 == IG_ENOMEM);
				assert_true(e2 == IG_OK || e2 == IG_ENOMEM);
				assert_true(e3 == IG_OK || e3 == IG_ENOMEM);
			}
			assert_true((e1 == IG_OK) == (g != NULL));
			assert_true((e2 == IG_OK) == (p != NULL));
			assert_true((e3 == IG_OK) == (d != NULL));
			ig_revfilter_free(g);
			ig_revfilter_free(p);
			ig_revfilter_delta_free(d);
		}
		assert_true(ok);
		ig_buf_free(&a);
		ig_revfilter_free(f);
	}
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_false_negative_1m),
		cmocka_unit_test(test_size_bound_1m),
		cmocka_unit_test(test_fp_rate_k8),
		cmocka_unit_test(test_fp_rate_k16),
		cmocka_unit_test(test_fp_rate_other_k),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_gcs_mode),
		cmocka_unit_test(test_exact_mode),
		cmocka_unit_test(test_empty_set),
		cmocka_unit_test(test_duplicates_and_order),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
