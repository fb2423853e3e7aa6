/*
 * directory_test.c - how the client library reads a node's directory
 * (client/directory.h): the mirror URLs of every member of the client's
 * federation are handed out; a directory of another federation, or one
 * that is malformed anywhere, hands out nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/directory.h"

typedef struct seen {
	char urls[8][128];
	size_t n;
} seen;

static void
collect(void *arg, const char *url)
{
	seen *s = arg;
	if (s->n < 8)
		snprintf(s->urls[s->n++], sizeof(s->urls[0]), "%s", url);
}

static bool
parse(const char *json, seen *s, char *why)
{
	memset(s, 0, sizeof(*s));
	return ig_client_directory_parse(
	    json, strlen(json), "fed", 3, collect, s, why, 128);
}

static void
test_mirrors(void **state)
{
	seen s;
	char why[128];
	(void) state;

	assert_true(
	    parse("{\"federation\":\"fed\",\"root_serial\":1,"
	          "\"members\":[{\"id\":\"a\",\"api_url\":\"http://a\","
	          "\"mirrors\":[{\"name\":\"m1\",\"url\":\"http://m1:80\","
	          "\"seq\":3},{\"name\":\"m2\",\"url\":\"https://m2\"}]},"
	          "{\"id\":\"b\",\"mirrors\":[]},{\"id\":\"c\","
	          "\"mirrors\":[{\"url\":\"ftp://m3\"}]}]}",
	        &s, why));
	/* Every URL is handed out as it is: the caller checks it (ftp://
	 * is refused there, as every candidate's URL is). */
	assert_int_equal(s.n, 3);
	assert_string_equal(s.urls[0], "http://m1:80");
	assert_string_equal(s.urls[1], "https://m2");
	assert_string_equal(s.urls[2], "ftp://m3");
	assert_true(parse("{\"federation\":\"fed\",\"members\":[]}", &s, why));
	assert_int_equal(s.n, 0);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"members\":[]}",
		"{\"federation\":\"other\",\"members\":[{\"mirrors\":[{"
		"\"url\":"
		"\"http://m\"}]}]}",
		"{\"federation\":\"fe\",\"members\":[]}",
		"{\"federation\":\"fedx\",\"members\":[]}",
		"{\"federation\":\"fed\",\"members\":{}}",
		/* malformed after a good member: nothing is handed out */
		"{\"federation\":\"fed\",\"members\":[{\"mirrors\":[{\"url\":"
		"\"http://m\"}]},{\"id\":\"b\"}]}",
		"{\"federation\":\"fed\",\"members\":[{\"mirrors\":[{\"url\":"
		"\"http://m\"},{\"url\":7}]}]}",
		"{\"federation\":\"fed\",\"federation\":\"fed\",\"members\":[]"
		"}",
	};
	seen s;
	char why[128];
	(void) state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (parse(bad[i], &s, why))
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(s.n, 0);
		assert_true(why[0] != '\0');
	}
	assert_false(
	    parse("{\"federation\":\"other\",\"members\":[]}", &s, why));
	assert_non_null(strstr(why, "another federation"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mirrors),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
