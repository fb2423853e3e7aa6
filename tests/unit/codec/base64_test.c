/*
 * base64_test.c - strict Base64 and base64url: RFC 4648 section 10
 * vectors, the EU gateway's kid form, and everything a lenient decoder
 * would let through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/codec/base64.h"

static const struct {
	const char *bytes;
	const char *std;
	const char *url;
} golden[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
	{ "\xfb\xff\xbf", "+/+/", "-_-_" },
};

static void
check_decode(const char *text, bool url, const char *want, size_t wlen)
{
	ig_buf b;
	ig_buf_init(&b, 1024);
	assert_int_equal(ig_base64_decode(text, strlen(text), url, &b), IG_OK);
	assert_int_equal(b.len, wlen);
	if (wlen > 0)
		assert_memory_equal(b.ptr, want, wlen);
	ig_buf_free(&b);
}

static void
test_golden(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		size_t bl = strlen(golden[i].bytes);
		ig_buf b;
		ig_buf_init(&b, 1024);
		assert_int_equal(
		    ig_base64_encode(
		        ig_slice_make(golden[i].bytes, bl), false, &b),
		    IG_OK);
		assert_int_equal(b.len, strlen(golden[i].std));
		assert_memory_equal(b.ptr, golden[i].std, b.len);
		ig_buf_reset(&b);
		assert_int_equal(
		    ig_base64_encode(
		        ig_slice_make(golden[i].bytes, bl), true, &b),
		    IG_OK);
		assert_int_equal(b.len, strlen(golden[i].url));
		if (b.len > 0)
			assert_memory_equal(b.ptr, golden[i].url, b.len);
		ig_buf_free(&b);
		check_decode(golden[i].std, false, golden[i].bytes, bl);
		check_decode(golden[i].url, true, golden[i].bytes, bl);
	}
	/* base64url may also carry exact padding. */
	check_decode("Zm9vYg==", true, "foob", 4);
	check_decode("Zm8=", true, "fo", 2);
	/* A DCC kid as the EU gateway writes it (12 characters). */
	check_decode(
	    "qroU+hDDovs=", false, "\xaa\xba\x14\xfa\x10\xc3\xa2\xfb", 8);
}

static void
test_invalid(void **state)
{
	(void) state;
	static const struct {
		const char *text;
		bool url;
	} bad[] = {
		{ "Zg", false }, /* standard needs padding */
		{ "Zg=", false }, /* short padding */
		{ "Zg===", false }, /* too much padding */
		{ "Z===", false },
		{ "====", false },
		{ "Zh==", false }, /* non-zero trailing bits */
		{ "Zm9=", false }, /* non-zero trailing bits */
		{ "Zm9v\n", false }, /* whitespace */
		{ "Zm 9v", false },
		{ "Zm9v Yg==", false },
		{ "Zg=a", false }, /* data after padding */
		{ "Z=g=", false },
		{ "-_-_", false }, /* url alphabet in standard */
		{ "+/+/", true }, /* standard alphabet in url */
		{ "Z", true }, /* one dangling character */
		{ "Zm9vY", true },
		{ "Zg=", true }, /* padding present but wrong */
		{ "Zh", true }, /* trailing bits */
		{ "Zm9vYg=", true },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ig_buf b;
		ig_buf_init(&b, 1024);
		assert_int_equal(ig_buf_append(&b, "k", 1), IG_OK);
		ig_err e = ig_base64_decode(
		    bad[i].text, strlen(bad[i].text), bad[i].url, &b);
		if (e != IG_EFORMAT)
			fail_msg("accepted \"%s\" (url %d)", bad[i].text,
			    (int) bad[i].url);
		assert_int_equal(b.len, 1);
		ig_buf_free(&b);
	}
}

static void
test_bounds(void **state)
{
	(void) state;
	ig_buf b;
	ig_buf_init(&b, 2);
	assert_int_equal(ig_base64_decode("Zm9v", 4, false, &b), IG_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(
	    ig_base64_encode(ig_slice_make("foo", 3), false, &b), IG_ETOOBIG);
	ig_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
