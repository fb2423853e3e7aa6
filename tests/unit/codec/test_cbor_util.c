/*
 * test_cbor_util.c - the CBOR pre-validation walker, the bounded loader,
 * map lookups and the head encoders; the bombs of notes/libs.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/cbor_util.h"

#define S(...)                                                                \
	ig_slice_make((const uint8_t[]) { __VA_ARGS__ },                      \
	    sizeof((const uint8_t[]) { __VA_ARGS__ }))

static void
test_accepts(void **state)
{
	(void) state;
	/* Scalars, containers, tags in every head form, floats, simple
	 * values. */
	assert_int_equal(ig_cbor_prevalidate(S(0x00), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0x39, 0x01, 0x03), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0x80), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xa0), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0x40), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x63, 'a', 'b', 'c'), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x82, 0x01, 0x82, 0x02, 0x03), 3), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xa1, 0x01, 0xa1, 0x02, 0x03), 3), IG_OK);
	/* d2 (tag 18, the byte libcbor 0.8 cannot read), d8 12, c0..c5,
	 * d5..d7, 2-, 4- and 8-byte tag heads. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40), 3),
	    IG_OK);
	assert_int_equal(ig_cbor_prevalidate(
	                     S(0xd8, 0x12, 0x84, 0x40, 0xa0, 0x40, 0x40), 3),
	    IG_OK);
	for (uint8_t t = 0xc0; t <= 0xd7; t++) {
		uint8_t in[] = { t, 0x01 };
		assert_int_equal(
		    ig_cbor_prevalidate(ig_slice_make(in, 2), 2), IG_OK);
	}
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xd9, 0x01, 0x00, 0x01), 2), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xda, 0x00, 0x01, 0x00, 0x00, 0x01), 2),
	    IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xdb, 0, 0, 0, 0, 0, 0, 0, 61, 0x01), 2),
	    IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(
	        S(0xd8, 0x3d, 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40), 4),
	    IG_OK);
	/* half, single, double floats; false, true, null, undefined, simple
	 * values 0..19 and 32..255. */
	assert_int_equal(ig_cbor_prevalidate(S(0xf9, 0x3c, 0x00), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xfa, 0x47, 0xc3, 0x50, 0x00), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(
	        S(0xfb, 0x41, 0xda, 0x7a, 0xfe, 0x1b, 0x40, 0x00, 0x00), 1),
	    IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xf4), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xf7), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xe0), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xf8, 0x20), 1), IG_OK);
}

static void
test_rejects(void **state)
{
	(void) state;
	/* The 5-byte libcbor bomb: array of 10M. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x9a, 0x00, 0x98, 0x96, 0x80), 32),
	    IG_ECBOR);
	/* array of 2^32-1, map of 2^31, bstr of 2^63. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x9a, 0xff, 0xff, 0xff, 0xff), 32),
	    IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xba, 0x80, 0x00, 0x00, 0x00), 32),
	    IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0), 32),
	    IG_ECBOR);
	/* A map whose pairs cannot fit: 2 pairs need 4 bytes. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xa2, 0x01, 0x02, 0x03), 32), IG_ECBOR);
	/* 15 arrays each claiming 1M (76-byte amplification). */
	uint8_t many[1 + 15 * 5];
	many[0] = 0x8f;
	for (size_t i = 0; i < 15; i++) {
		uint8_t *p = many + 1 + i * 5;
		p[0] = 0x9a;
		p[1] = 0x00;
		p[2] = 0x0f;
		p[3] = 0x42;
		p[4] = 0x40;
	}
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(many, sizeof(many)), 32),
	    IG_ECBOR);
	/* Indefinite-length arrays and maps are well-formed (real DCC
	 * encoders emit them); a break must close one, after whole pairs. */
	assert_int_equal(ig_cbor_prevalidate(S(0x9f, 0xff), 32), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xbf, 0xff), 32), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xbf, 0x01, 0x9f, 0x02, 0xff, 0xff), 32),
	    IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x82, 0x9f, 0xff, 0x01), 32), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xbf, 0x01, 0xff), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x9f, 0x01), 32), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x81, 0x01, 0xff), 32), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x9f, 0x9f, 0x9f, 0xff, 0xff, 0xff), 2),
	    IG_EDEPTH);
	/* Indefinite strings are not, and neither is a stray break. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x5f, 0x41, 0x00, 0xff), 32), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x7f, 0x61, 0x61, 0xff), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xff), 32), IG_ECBOR);
	/* Reserved additional info, two-byte simple below 32. */
	assert_int_equal(ig_cbor_prevalidate(S(0x1c), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xfc), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xf8, 0x10), 32), IG_ECBOR);
	/* Truncated heads and bodies. */
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(NULL, 0), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x19, 0x01), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x62, 'a'), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x82, 0x01), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xd2), 32), IG_ECBOR);
	/* Trailing bytes, two top-level items. */
	assert_int_equal(ig_cbor_prevalidate(S(0x01, 0x02), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x80, 0x00), 32), IG_ECBOR);
}

static void
test_depth(void **state)
{
	(void) state;
	uint8_t deep[40];
	memset(deep, 0x81, sizeof(deep));
	/* 32 nested arrays (the innermost holding 0) are depth 33: the
	 * integer is the 33rd level. */
	deep[32] = 0x00;
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 33), 33), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 33), 32), IG_EDEPTH);
	/* 32 nested arrays ending in an empty one: depth 32. */
	memset(deep, 0x81, sizeof(deep));
	deep[31] = 0x80;
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 32), 32), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 32), 31), IG_EDEPTH);
	/* Tags count as a level. */
	assert_int_equal(ig_cbor_prevalidate(S(0xc0, 0x60), 1), IG_EDEPTH);
	assert_int_equal(ig_cbor_prevalidate(S(0xc0, 0x60), 2), IG_OK);
	/* Far deeper than the walker's stack: clamped, no overflow. */
	uint8_t very[300];
	memset(very, 0x81, sizeof(very));
	very[299] = 0x00;
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(very, sizeof(very)), 100000),
	    IG_EDEPTH);
	assert_int_equal(ig_cbor_prevalidate(S(0x00), 0), IG_EDEPTH);
}

static void
test_load(void **state)
{
	(void) state;
	cbor_item_t *it = NULL;
	/* {1: "DE", -260: {1: {}}, "k": [1, -7]} */
	assert_int_equal(
	    ig_cbor_load(S(0xa3, 0x01, 0x62, 'D', 'E', 0x39, 0x01, 0x03, 0xa1,
	                     0x01, 0xa0, 0x61, 'k', 0x82, 0x01, 0x26),
	        &it),
	    IG_OK);
	assert_non_null(it);
	const cbor_item_t *iss = ig_cbor_map_get_int(it, 1);
	assert_non_null(iss);
	assert_true(cbor_isa_string(iss));
	assert_non_null(ig_cbor_map_get_int(it, -260));
	assert_null(ig_cbor_map_get_int(it, 4));
	const cbor_item_t *k = ig_cbor_map_get_str(it, "k");
	assert_non_null(k);
	assert_null(ig_cbor_map_get_str(it, "kk"));
	assert_null(ig_cbor_map_get_str(it, ""));
	int64_t v = 0;
	assert_true(ig_cbor_get_int64(cbor_array_handle(k)[1], &v));
	assert_int_equal(v, -7);
	assert_false(ig_cbor_get_int64(iss, &v));
	assert_null(ig_cbor_map_get_int(iss, 1)); /* not a map */
	cbor_decref(&it);

	/* int64 edges. */
	assert_int_equal(
	    ig_cbor_load(
	        S(0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), &it),
	    IG_OK);
	assert_true(ig_cbor_get_int64(it, &v));
	assert_true(v == INT64_MIN);
	cbor_decref(&it);
	assert_int_equal(
	    ig_cbor_load(S(0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0), &it), IG_OK);
	assert_false(ig_cbor_get_int64(it, &v));
	cbor_decref(&it);

	/* Errors: bombs, trailing bytes, the one-byte tag libcbor cannot
	 * read, and the size cap. */
	it = NULL;
	assert_int_equal(
	    ig_cbor_load(S(0x9a, 0x00, 0x98, 0x96, 0x80), &it), IG_ECBOR);
	assert_int_equal(ig_cbor_load(S(0x01, 0x01), &it), IG_ECBOR);
	assert_int_equal(ig_cbor_load(S(0xd2, 0x80), &it), IG_ECBOR);
	assert_null(it);
	static uint8_t big[IG_HCERT_COSE_MAX + 1];
	assert_int_equal(
	    ig_cbor_load(ig_slice_make(big, sizeof(big)), &it), IG_ETOOBIG);
	uint8_t deep[IG_CBOR_DEPTH_MAX + 1];
	memset(deep, 0x81, sizeof(deep));
	deep[IG_CBOR_DEPTH_MAX] = 0x00;
	assert_int_equal(
	    ig_cbor_load(ig_slice_make(deep, sizeof(deep)), &it), IG_EDEPTH);
}

static void
test_encode(void **state)
{
	(void) state;
	ig_buf b;
	ig_buf_init(&b, 256);
	static const int64_t ints[]
	    = { 0, 23, 24, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL,
		      INT64_MAX, -1, -24, -25, -260, INT64_MIN };
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		ig_buf_reset(&b);
		assert_int_equal(ig_cbor_int_append(&b, ints[i]), IG_OK);
		cbor_item_t *it = NULL;
		assert_int_equal(ig_cbor_load(ig_buf_slice(&b), &it), IG_OK);
		int64_t v;
		assert_true(ig_cbor_get_int64(it, &v));
		assert_true(v == ints[i]);
		/* Shortest form: re-serializing gives the same bytes. */
		ig_buf c;
		ig_buf_init(&c, 64);
		assert_int_equal(ig_cbor_item_append(it, &c), IG_OK);
		assert_true(ig_slice_eq(ig_buf_slice(&b), ig_buf_slice(&c)));
		ig_buf_free(&c);
		cbor_decref(&it);
	}
	ig_buf_reset(&b);
	assert_int_equal(ig_cbor_int_append(&b, -260), IG_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "\x39\x01\x03", 3);
	ig_buf_reset(&b);
	assert_int_equal(
	    ig_cbor_bytes_append(&b, 3, ig_slice_make("DE", 2)), IG_OK);
	assert_memory_equal(b.ptr,
	    "\x62"
	    "DE",
	    3);
	ig_buf_free(&b);
	/* Too small: out unchanged. */
	ig_buf_init(&b, 2);
	assert_int_equal(
	    ig_cbor_bytes_append(&b, 2, ig_slice_make("abc", 3)), IG_ETOOBIG);
	assert_int_equal(b.len, 0);
	ig_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
