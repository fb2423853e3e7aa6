/*
 * zlib_bounded_test.c - bounded inflate: round trip, the zip bomb, trailing
 * garbage, truncation, corruption, the exact-fit edge, allocation
 * failures and a reused inflater.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/codec/zlib_bounded.h"

static void
make_text(uint8_t *p, size_t n)
{
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		/* Compressible but not trivial. */
		p[i] = (uint8_t) ('a' + (x >> 16) % 7);
	}
}

static void
deflate_or_die(const uint8_t *p, size_t n, ig_buf *z)
{
	ig_buf_init(z, n + n / 2 + 1024);
	assert_int_equal(ig_zlib_deflate(ig_slice_make(p, n), z), IG_OK);
}

static void
test_roundtrip(void **state)
{
	(void) state;
	static const size_t sizes[] = { 0, 1, 355, 4096, 60000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		uint8_t *p = malloc(n + 1);
		assert_non_null(p);
		make_text(p, n);
		ig_buf z, out;
		deflate_or_die(p, n, &z);
		assert_true(z.len >= 2);
		assert_int_equal(z.ptr[0], 0x78); /* a zlib header */
		ig_buf_init(&out, IG_HCERT_COSE_MAX);
		assert_int_equal(
		    ig_zlib_inflate(ig_buf_slice(&z), &out), IG_OK);
		assert_int_equal(out.len, n);
		if (n > 0)
			assert_memory_equal(out.ptr, p, n);
		ig_buf_free(&z);
		ig_buf_free(&out);
		free(p);
	}
}

static void
test_exact_fit(void **state)
{
	(void) state;
	uint8_t p[5000];
	make_text(p, sizeof(p));
	ig_buf z, out;
	deflate_or_die(p, sizeof(p), &z);
	/* Exactly the output size fits; one byte less does not. */
	ig_buf_init(&out, sizeof(p));
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_OK);
	assert_int_equal(out.len, sizeof(p));
	ig_buf_free(&out);
	ig_buf_init(&out, sizeof(p) - 1);
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_EZLIB);
	assert_int_equal(out.len, 0);
	ig_buf_free(&out);
	/* Appending keeps what was there, and counts it against max. */
	ig_buf_init(&out, sizeof(p) + 3);
	assert_int_equal(ig_buf_append(&out, "abc", 3), IG_OK);
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_OK);
	assert_int_equal(out.len, sizeof(p) + 3);
	assert_memory_equal(out.ptr, "abc", 3);
	ig_buf_free(&out);
	ig_buf_free(&z);
}

static void
test_bomb(void **state)
{
	(void) state;
	size_t n = (size_t) 64 * 1024 * 1024;
	uint8_t *zeros = calloc(n, 1);
	assert_non_null(zeros);
	ig_buf z, out;
	deflate_or_die(zeros, n, &z);
	free(zeros);
	assert_true(z.len < 200 * 1024);
	ig_buf_init(&out, IG_HCERT_COSE_MAX);
	clock_t t0 = clock();
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_EZLIB);
	double secs = (double) (clock() - t0) / CLOCKS_PER_SEC;
	assert_int_equal(out.len, 0);
	/* Bounded by the 64 KiB cap: far below a second even under ASan. */
	assert_true(secs < 1.0);
	assert_true(out.cap <= IG_HCERT_COSE_MAX + 1);
	ig_buf_free(&out);
	ig_buf_free(&z);
}

static void
test_trailing_truncated_corrupt(void **state)
{
	(void) state;
	uint8_t p[1000];
	make_text(p, sizeof(p));
	ig_buf z, out;
	deflate_or_die(p, sizeof(p), &z);
	ig_buf_init(&out, IG_HCERT_COSE_MAX);

	/* Trailing garbage after the stream. */
	ig_buf t;
	ig_buf_init(&t, z.len + 1);
	assert_int_equal(ig_buf_append(&t, z.ptr, z.len), IG_OK);
	assert_int_equal(ig_buf_append_u8(&t, 0), IG_OK);
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&t), &out), IG_EZLIB);
	assert_int_equal(out.len, 0);
	ig_buf_free(&t);

	/* Every truncation, including the lost adler32 trailer. */
	for (size_t cut = 0; cut < z.len; cut++) {
		assert_int_equal(
		    ig_zlib_inflate(ig_slice_make(z.ptr, cut), &out),
		    IG_EZLIB);
		assert_int_equal(out.len, 0);
	}

	/* A flipped checksum byte. */
	z.ptr[z.len - 1] ^= 1;
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_EZLIB);
	z.ptr[z.len - 1] ^= 1;
	/* A bad header. */
	z.ptr[0] ^= 0x0f;
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_EZLIB);
	z.ptr[0] ^= 0x0f;
	/* Raw COSE, not compressed (test case Z2): rejected. */
	static const uint8_t raw[] = { 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40 };
	assert_int_equal(
	    ig_zlib_inflate(ig_slice_make(raw, sizeof(raw)), &out), IG_EZLIB);
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &out), IG_OK);
	ig_buf_free(&out);
	ig_buf_free(&z);
}

static void
test_alloc_failures(void **state)
{
	(void) state;
	uint8_t p[3000];
	make_text(p, sizeof(p));
	ig_buf z;
	deflate_or_die(p, sizeof(p), &z);
	/* Fail the nth allocation until inflate no longer meets one. */
	for (unsigned long nth = 1;; nth++) {
		ig_buf out;
		ig_buf_init(&out, IG_HCERT_COSE_MAX);
		ig_alloc_fail_after(nth, 0);
		ig_err e = ig_zlib_inflate(ig_buf_slice(&z), &out);
		ig_alloc_fail_after(0, 0);
		if (e == IG_OK) {
			assert_int_equal(out.len, sizeof(p));
			ig_buf_free(&out);
			break;
		}
		assert_int_equal(e, IG_ENOMEM);
		assert_int_equal(out.len, 0);
		ig_buf_free(&out);
		assert_true(nth < 100);
	}
	for (unsigned long nth = 1;; nth++) {
		ig_buf out;
		ig_buf_init(&out, 8192);
		ig_alloc_fail_after(nth, 0);
		ig_err e = ig_zlib_deflate(ig_slice_make(p, sizeof(p)), &out);
		ig_alloc_fail_after(0, 0);
		ig_buf_free(&out);
		if (e == IG_OK)
			break;
		assert_int_equal(e, IG_ENOMEM);
		assert_true(nth < 100);
	}
	ig_buf_free(&z);
}

/* One inflater over a run of good, corrupt, truncated, oversized and
 * good again inputs gives, each time, what a fresh ig_zlib_inflate
 * gives: a reset stream carries nothing over from the input before. */
static void
test_inflater_reuse(void **state)
{
	(void) state;
	uint8_t p[5000], q[700];
	make_text(p, sizeof(p));
	make_text(q, sizeof(q));
	q[0] = 'z'; /* not a prefix of p */
	ig_buf zp, zq;
	deflate_or_die(p, sizeof(p), &zp);
	deflate_or_die(q, sizeof(q), &zq);
	ig_buf bad;
	ig_buf_init(&bad, zp.len);
	assert_int_equal(ig_buf_append(&bad, zp.ptr, zp.len), IG_OK);
	bad.ptr[bad.len / 2] ^= 0x55;
	const struct {
		ig_slice in;
		size_t max;
	} runs[] = {
		{ ig_buf_slice(&zp), IG_HCERT_COSE_MAX },
		{ ig_buf_slice(&zq), IG_HCERT_COSE_MAX },
		{ ig_buf_slice(&bad), IG_HCERT_COSE_MAX },
		{ ig_slice_make(zp.ptr, zp.len - 3), IG_HCERT_COSE_MAX },
		{ ig_buf_slice(&zq), IG_HCERT_COSE_MAX },
		{ ig_buf_slice(&zp), sizeof(p) - 1 }, /* one byte too small */
		{ ig_buf_slice(&zp), sizeof(p) }, /* exact fit */
		{ ig_slice_make(zq.ptr, 0), IG_HCERT_COSE_MAX },
		{ ig_buf_slice(&zq), IG_HCERT_COSE_MAX },
	};
	ig_zlib_inflater *z = ig_zlib_inflater_new();
	assert_non_null(z);
	int failed = 0;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		ig_buf a, b;
		ig_buf_init(&a, runs[i].max);
		ig_buf_init(&b, runs[i].max);
		ig_err ea = ig_zlib_inflate(runs[i].in, &a);
		ig_err eb = ig_zlib_inflater_run(z, runs[i].in, &b);
		if (ea != eb
		    || !ig_slice_eq(ig_buf_slice(&a), ig_buf_slice(&b)))
			fail_msg("run %zu: %s vs %s", i, ig_err_name(ea),
			    ig_err_name(eb));
		failed += ea != IG_OK;
		ig_buf_free(&a);
		ig_buf_free(&b);
	}
	assert_int_equal(failed, 4);
	ig_zlib_inflater_free(z);
	ig_zlib_inflater_free(NULL);
	ig_buf_free(&bad);
	ig_buf_free(&zp);
	ig_buf_free(&zq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_trailing_truncated_corrupt),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_inflater_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
