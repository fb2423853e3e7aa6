/*
 * answer_test.c - how the client library reads a node's verdict
 * (client/answer.h): a verdict of the client's root is taken; one that
 * contradicts itself, names no root, another root of the same serial (a
 * foreign federation or a forgery) or an older root, and anything that
 * is not a verdict, are refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/answer.h"

static const uint8_t H[32] = { 0xab, 0xcd, 0x01, [31] = 0xff };
#define HEX "abcd0100000000000000000000000000000000000000000000000000000000ff"

static bool
parse(const char *json, uint64_t serial, ig_client_answer *a, char *why)
{
	return ig_client_answer_parse(
	    json, strlen(json), serial, H, a, why, 200);
}

static void
test_good(void **state)
{
	ig_client_answer a;
	char why[200];
	(void) state;

	assert_int_equal(strlen(HEX), 64);
	assert_true(parse("{\"valid\":true,\"reason\":\"valid\",\"root\":"
	                  "{\"serial\":3,\"hash\":\"" HEX "\"},\"heads\":[]}",
	    3, &a, why));
	assert_true(a.valid);
	assert_string_equal(a.reason, "valid");
	assert_int_equal(a.root_serial, 3);
	/* A newer root than the client's: its hash cannot be compared. */
	assert_true(parse("{\"valid\":false,\"reason\":\"revoked\",\"root\":"
	                  "{\"serial\":4,\"hash\":\"" HEX "\"}}",
	    3, &a, why));
	assert_false(a.valid);
	assert_string_equal(a.reason, "revoked");
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"valid\":true,\"reason\":\"valid\"}",
		"{\"valid\":\"yes\",\"reason\":\"valid\",\"root\":{\"serial\":"
		"3,"
		"\"hash\":\"" HEX "\"}}",
		"{\"valid\":true,\"reason\":\"revoked\",\"root\":{\"serial\":"
		"3,"
		"\"hash\":\"" HEX "\"}}",
		"{\"valid\":false,\"reason\":\"valid\",\"root\":{\"serial\":3,"
		"\"hash\":\"" HEX "\"}}",
		"{\"valid\":false,\"reason\":\"Bad "
		"Reason\",\"root\":{\"serial\":"
		"3,\"hash\":\"" HEX "\"}}",
		"{\"valid\":false,\"reason\":\"\",\"root\":{\"serial\":3,"
		"\"hash\":\"" HEX "\"}}",
		"{\"valid\":false,\"reason\":"
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		"\"root\":{\"serial\":3,\"hash\":\"" HEX "\"}}",
		/* the same serial, another root */
		"{\"valid\":true,\"reason\":\"valid\",\"root\":{\"serial\":3,"
		"\"hash\":\"bbcd0100000000000000000000000000000000"
		"000000000000000000000000ff\"}}",
		/* an older root */
		"{\"valid\":true,\"reason\":\"valid\",\"root\":{\"serial\":2,"
		"\"hash\":\"" HEX "\"}}",
		"{\"valid\":true,\"reason\":\"valid\",\"root\":{\"serial\":0,"
		"\"hash\":\"" HEX "\"}}",
		"{\"valid\":true,\"reason\":\"valid\",\"root\":{\"serial\":3,"
		"\"hash\":\"abcd\"}}",
		"{\"valid\":true,\"reason\":\"valid\",\"root\":{\"serial\":3,"
		"\"hash\":\"zzcd0100000000000000000000000000000000"
		"000000000000000000000000ff\"}}",
		"{\"valid\":true,\"valid\":true,\"reason\":\"valid\",\"root\":"
		"{"
		"\"serial\":3,\"hash\":\"" HEX "\"}}",
	};
	ig_client_answer a;
	char why[200];
	(void) state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		memset(&a, 0x5a, sizeof(a));
		if (parse(bad[i], 3, &a, why))
			fail_msg("accepted: %s", bad[i]);
		assert_true(why[0] != '\0');
		assert_int_equal(a.root_serial, 0x5a5a5a5a5a5a5a5aULL);
	}
	assert_false(parse("{\"valid\":true,\"reason\":\"valid\",\"root\":{"
	                   "\"serial\":3,\"hash\":\"bbcd0100000000000000000000"
	                   "000000000000000000000000000000000000ff\"}}",
	    3, &a, why));
	assert_non_null(strstr(why, "another federation"));
}

static void
test_too_large(void **state)
{
	static char big[IG_CLIENT_ANSWER_MAX + 2];
	ig_client_answer a;
	char why[200];
	(void) state;

	memset(big, ' ', sizeof(big) - 1);
	assert_false(ig_client_answer_parse(
	    big, sizeof(big) - 1, 1, H, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "too large"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
