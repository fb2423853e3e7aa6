/*
 * base45_test.c - Base45 (RFC 9285): the RFC's examples, strictness and a
 * round trip over every byte value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/base45.h"

static const struct {
	const char *bytes;
	const char *text;
} golden[] = {
	{ "AB", "BB8" },
	{ "Hello!!", "%69 VD92EX0" },
	{ "base-45", "UJCLQE7W581" },
	{ "ietf!", "QED8WEX0" },
	{ "", "" },
};

static void
test_rfc_examples(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		ig_buf b;
		ig_buf_init(&b, 1024);
		size_t bl = strlen(golden[i].bytes);
		size_t tl = strlen(golden[i].text);
		assert_int_equal(ig_base45_encoded_len(bl), tl);
		assert_int_equal(
		    ig_base45_encode(ig_slice_make(golden[i].bytes, bl), &b),
		    IG_OK);
		assert_int_equal(b.len, tl);
		assert_memory_equal(b.ptr, golden[i].text, tl);
		ig_buf_reset(&b);
		assert_int_equal(
		    ig_base45_decode(golden[i].text, tl, &b), IG_OK);
		assert_int_equal(b.len, bl);
		if (bl > 0)
			assert_memory_equal(b.ptr, golden[i].bytes, bl);
		assert_true(ig_base45_decoded_max(tl) >= bl);
		ig_buf_free(&b);
	}
}

static void
test_invalid(void **state)
{
	(void) state;
	static const char *bad[] = {
		"A", /* dangling 1-char tail */
		"BB8A", /* dangling after a group */
		"GGW", /* 3-char group 65536 (> 65535) */
		"::: ", /* 3-char group far above 65535, then tail */
		":::", /* 91124 */
		"U5", /* 2-char group 5*45+30 = 255 ok? no: see below */
		"BB8a", /* lower case is outside the alphabet */
		"BB8\n", /* newline */
		"BB=", /* '=' is not Base45 */
		"%69 VD92EX0 ", /* trailing space makes a 1-char tail */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ig_buf b;
		ig_buf_init(&b, 1024);
		assert_int_equal(ig_buf_append(&b, "xy", 2), IG_OK);
		ig_err e = ig_base45_decode(bad[i], strlen(bad[i]), &b);
		if (strcmp(bad[i], "U5") == 0) {
			/* 'U' = 30, '5' = 5: 30 + 5 * 45 = 255, the largest
			 * valid 2-char group. */
			assert_int_equal(e, IG_OK);
			assert_int_equal(b.len, 3);
			assert_int_equal(b.ptr[2], 255);
		} else {
			assert_int_equal(e, IG_EBASE45);
			assert_int_equal(b.len, 2); /* unchanged */
			assert_memory_equal(b.ptr, "xy", 2);
		}
		ig_buf_free(&b);
	}
	/* 2-char group 256: 'V' = 31, '5': 31 + 225 = 256. */
	ig_buf b;
	ig_buf_init(&b, 16);
	assert_int_equal(ig_base45_decode("V5", 2, &b), IG_EBASE45);
	/* 3-char group 65535 = "FGW" (15 + 16*45 + 32*2025). */
	assert_int_equal(ig_base45_decode("FGW", 3, &b), IG_OK);
	assert_int_equal(b.len, 2);
	assert_int_equal(b.ptr[0], 0xff);
	assert_int_equal(b.ptr[1], 0xff);
	ig_buf_free(&b);
}

static void
test_roundtrip_all_bytes(void **state)
{
	(void) state;
	uint8_t in[257];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t) (i * 7 + 3);
	for (size_t n = 0; n <= sizeof(in); n++) {
		ig_buf t, b;
		ig_buf_init(&t, 4096);
		ig_buf_init(&b, 4096);
		assert_int_equal(
		    ig_base45_encode(ig_slice_make(in, n), &t), IG_OK);
		assert_int_equal(
		    ig_base45_decode((const char *) t.ptr, t.len, &b), IG_OK);
		assert_int_equal(b.len, n);
		if (n > 0)
			assert_memory_equal(b.ptr, in, n);
		ig_buf_free(&t);
		ig_buf_free(&b);
	}
}

static void
test_bounds(void **state)
{
	(void) state;
	ig_buf b;
	ig_buf_init(&b, 1);
	assert_int_equal(ig_base45_decode("BB8", 3, &b), IG_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(
	    ig_base45_encode(ig_slice_make("AB", 2), &b), IG_ETOOBIG);
	ig_buf_free(&b);

	/* An allocation failure leaves the buffer empty. */
	ig_buf_init(&b, 64);
	ig_alloc_fail_after(1, 0);
	assert_int_equal(ig_base45_decode("BB8", 3, &b), IG_ENOMEM);
	assert_int_equal(b.len, 0);
	assert_int_equal(ig_base45_decode("BB8", 3, &b), IG_OK);
	ig_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_roundtrip_all_bytes),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
