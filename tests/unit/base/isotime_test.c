/*
 * isotime_test.c - ISO 8601 parsing in the syntaxes real DCC data uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/base/isotime.h"

static int64_t
parse(const char *s)
{
	int64_t t = -1;
	assert_int_equal(ig_isotime_parse(s, strlen(s), &t), IG_OK);
	return t;
}

static void
test_forms(void **state)
{
	(void) state;
	/* 2021-05-03T18:00:00Z = 1620064800 (date -u -d ... +%s) */
	assert_int_equal(parse("2021-05-03T18:00:00Z"), 1620064800);
	assert_int_equal(parse("2021-05-03T18:00:00"), 1620064800);
	assert_int_equal(parse("2021-05-03T20:00:00+02:00"), 1620064800);
	assert_int_equal(parse("2021-05-03T20:00:00+0200"), 1620064800);
	assert_int_equal(parse("2021-05-03T16:30:00-01:30"), 1620064800);
	assert_int_equal(parse("2021-05-03T18:00:00.123456789Z"), 1620064800);
	assert_int_equal(parse("2021-05-03T18:00Z"), 1620064800);
	assert_int_equal(parse("2021-05-03"), 1620000000);
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400);
}

static void
test_rejects(void **state)
{
	(void) state;
	const char *bad[] = { "", "2021", "2021-13-01", "2021-02-29",
		"2021-05-03T24:00:00Z", "2021-05-03T18:00:00ZZ",
		"2021-05-03T18:00:00+2", "2021-05-03X18:00:00",
		"2021-05-03T18:00:00.Z", "2021-05-03T18:00:00.1234567890Z",
		" 2021-05-03", "2021-5-3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		assert_int_equal(
		    ig_isotime_parse(bad[i], strlen(bad[i]), &t), IG_EFORMAT);
		assert_int_equal(t, 42);
	}
}

static void
test_format(void **state)
{
	(void) state;
	char buf[32];
	assert_int_equal(
	    ig_isotime_format(1620064800, buf, sizeof(buf)), IG_OK);
	assert_string_equal(buf, "2021-05-03T18:00:00Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
