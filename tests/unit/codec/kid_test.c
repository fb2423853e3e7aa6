/*
 * kid_test.c - the one spelling of a kid (registry/codec/kid.h): every
 * input form of every byte pattern parses to the same 8 bytes, the
 * output is standard Base64, and near misses are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry/codec/base64.h"
#include "registry/codec/kid.h"

static void
parse_ok(const char *s, const uint8_t want[8])
{
	uint8_t got[8];
	memset(got, 0xee, sizeof(got));
	if (ig_kid_parse(s, strlen(s), got) != IG_OK)
		fail_msg("refused: '%s'", s);
	assert_memory_equal(got, want, 8);
}

static void
parse_bad(const char *s)
{
	uint8_t got[8], before[8];
	memset(got, 0xee, sizeof(got));
	memcpy(before, got, 8);
	if (ig_kid_parse(s, strlen(s), got) != IG_EFORMAT)
		fail_msg("accepted: '%s'", s);
	assert_memory_equal(got, before, 8); /* unchanged */
}

/* Every spelling of kid parses to kid, and the output is the padded
 * standard Base64 that ig_base64_encode writes. */
static void
all_forms(const uint8_t kid[8])
{
	char out[IG_KID_TEXT_LEN + 1], hex[17], s[64];
	ig_buf std, url;
	size_t k = 0;

	ig_buf_init(&std, 64);
	ig_buf_init(&url, 64);
	assert_int_equal(
	    ig_base64_encode(ig_slice_make(kid, 8), false, &std), IG_OK);
	assert_int_equal(
	    ig_base64_encode(ig_slice_make(kid, 8), true, &url), IG_OK);
	assert_int_equal(ig_buf_terminate(&std), IG_OK);
	assert_int_equal(ig_buf_terminate(&url), IG_OK);

	ig_kid_format(kid, out);
	assert_string_equal(out, (const char *) std.ptr);
	assert_int_equal(strlen(out), IG_KID_TEXT_LEN);

	parse_ok((const char *) std.ptr, kid); /* standard, padded */
	snprintf(s, sizeof(s), "%.11s", (const char *) std.ptr);
	parse_ok(s, kid); /* standard, unpadded */
	parse_ok((const char *) url.ptr, kid); /* base64url, unpadded */
	snprintf(s, sizeof(s), "%s=", (const char *) url.ptr);
	parse_ok(s, kid); /* base64url, padded */
	for (size_t i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", kid[i]);
	parse_ok(hex, kid); /* hex, lower case */
	for (size_t i = 0; i < 16; i++)
		if (hex[i] >= 'a')
			hex[i] = (char) (hex[i] - 'a' + 'A');
	parse_ok(hex, kid); /* hex, upper case */
	/* '/' percent-escaped, both cases of the escape */
	for (const char *p = (const char *) std.ptr; *p != '\0'; p++) {
		if (*p == '/') {
			memcpy(s + k,
			    (p - (const char *) std.ptr) % 2 ? "%2F" : "%2f",
			    3);
			k += 3;
		} else
			s[k++] = *p;
	}
	s[k] = '\0';
	parse_ok(s, kid);
	ig_buf_free(&std);
	ig_buf_free(&url);
}

static void
test_forms(void **state)
{
	static const uint8_t kids[][8] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb,
		    0xf0 }, /* + and / */
		{ 0xd9, 0x19, 0x37, 0x5f, 0xc1, 0xe7, 0xb6, 0xb2 },
	};
	(void) state;
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		all_forms(kids[i]);
	/* Two escaped '/' and the '=' make 16 characters, the length of
	 * hex: still Base64 (node_contract_test found it with a random
	 * kid). */
	{
		static const uint8_t k2[8]
		    = { 0x5e, 0xbf, 0xe3, 0x7f, 0xfe, 0xab, 0xc5, 0x17 };
		char out[IG_KID_TEXT_LEN + 1];
		ig_kid_format(k2, out);
		assert_string_equal(out, "Xr/jf/6rxRc=");
		parse_ok("Xr%2Fjf%2F6rxRc=", k2);
		parse_ok("Xr%2fjf%2F6rxRc=", k2);
		all_forms(k2);
	}
	/* A known kid of the EU test data: 2Rk3X8HntrI= */
	{
		char out[IG_KID_TEXT_LEN + 1];
		ig_kid_format(kids[3], out);
		assert_string_equal(out, "2Rk3X8HntrI=");
	}
}

static void
test_refused(void **state)
{
	(void) state;
	parse_bad("");
	parse_bad("2Rk3X8HntrI=="); /* two '=' */
	parse_bad("2Rk3X8Hntr"); /* 10 characters */
	parse_bad("2Rk3X8HntrII"); /* 9 bytes' worth */
	parse_bad("2Rk3X8HntrJ="); /* non-zero trailing bits */
	parse_bad("2Rk3X8Hn=trI"); /* data after padding */
	parse_bad("2Rk3X8Hn trI"); /* a space */
	parse_bad("+_k3X8HntrI="); /* two alphabets */
	parse_bad("d919375fc1e7b6b"); /* 15 hex digits */
	parse_bad("d919375fc1e7b6bg"); /* not hex */
	parse_bad("d919375fc1e7b6b2a1"); /* 9 bytes of hex */
	parse_bad("2Rk3X8Hn%2"); /* a cut escape */
	parse_bad("2Rk3X8Hn%41rI="); /* an escape other than %2F */
	parse_bad("2Rk3X8Hn%2Fr"); /* '/' escaped, too short */
	{
		uint8_t kid[8];
		assert_int_equal(ig_kid_parse(NULL, 0, kid), IG_EFORMAT);
		/* a NUL inside the given length */
		assert_int_equal(
		    ig_kid_parse("2Rk3X8H\0trI=", 12, kid), IG_EFORMAT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
