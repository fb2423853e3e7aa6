/*
 * request_test.c - the request target and media types (api/request.c):
 * percent-decoding of the path (an escaped '/' or '%' stays escaped, so
 * nothing is decoded twice), query parameters, every limit, and hostile
 * targets: each either decodes to what is expected or is refused with
 * its error, and a refused target leaves the request as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"

static ig_err
parse(const char *t, ig_http_req *req)
{
	return ig_http_target_parse(t, strlen(t), req);
}

static void
test_paths(void **state)
{
	static const struct {
		const char *target, *path;
	} ok[] = {
		{ "/", "/" },
		{ "/v1/verify", "/v1/verify" },
		{ "/v1/issuers/abc%41", "/v1/issuers/abcA" },
		/* an escaped '/' or '%' stays escaped, in upper case */
		{ "/v1/issuers/a%2Fb", "/v1/issuers/a%2Fb" },
		{ "/v1/issuers/a%2fb", "/v1/issuers/a%2Fb" },
		{ "/a%25b", "/a%25b" },
		{ "/a%252F", "/a%252F" },
		/* '+' is a '+' in the path; bytes above 0x7f pass */
		{ "/a+b", "/a+b" },
		{ "/%C3%A5", "/\xc3\xa5" },
		{ "/x?", "/x" },
	};
	ig_http_req req;
	(void) state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&req, 0, sizeof(req));
		if (parse(ok[i].target, &req) != IG_OK)
			fail_msg("%s refused", ok[i].target);
		assert_string_equal(req.path, ok[i].path);
		assert_int_equal(req.n_params, 0);
	}
}

static void
test_hostile(void **state)
{
	static const struct {
		const char *target;
		ig_err e;
	} bad[] = {
		{ "", IG_EFORMAT },
		{ "v1/verify", IG_EFORMAT },
		{ "*", IG_EFORMAT },
		{ "http://example.org/", IG_EFORMAT },
		{ "/a#frag", IG_EFORMAT },
		{ "/a?b=1#frag", IG_EFORMAT },
		/* escapes: two hex digits, never a control character */
		{ "/%", IG_EFORMAT },
		{ "/%4", IG_EFORMAT },
		{ "/a%", IG_EFORMAT },
		{ "/%%41", IG_EFORMAT },
		{ "/%G1", IG_EFORMAT },
		{ "/%4g", IG_EFORMAT },
		{ "/%00", IG_EFORMAT },
		{ "/a%0Ab", IG_EFORMAT },
		{ "/a%0d%0aSet-Cookie:x", IG_EFORMAT },
		{ "/%7F", IG_EFORMAT },
		{ "/%1f", IG_EFORMAT },
		{ "/a\tb", IG_EFORMAT },
		{ "/a\x7f", IG_EFORMAT },
		/* query keys: [A-Za-z0-9_.-], 1..31 bytes */
		{ "/x?=1", IG_EFORMAT },
		{ "/x?a b=1", IG_EFORMAT },
		{ "/x?a%41=1", IG_EFORMAT },
		{ "/x?a;b=1", IG_EFORMAT },
		{ "/x?0123456789012345678901234567890a=1", IG_EFORMAT },
		/* query values: escapes and no control characters */
		{ "/x?a=%", IG_EFORMAT },
		{ "/x?a=%0A", IG_EFORMAT },
		{ "/x?a=%00", IG_EFORMAT },
		{ "/x?a=%zz", IG_EFORMAT },
	};
	ig_http_req req;
	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ig_err e;
		memset(&req, 0x5a, sizeof(req));
		e = parse(bad[i].target, &req);
		if (e != bad[i].e)
			fail_msg("'%s': %d, expected %d", bad[i].target,
			    (int) e, (int) bad[i].e);
		/* nothing written on failure */
		for (size_t b = 0; b < sizeof(req); b++)
			assert_int_equal(((unsigned char *) &req)[b], 0x5a);
	}
	/* the length given counts, not a NUL inside it */
	assert_int_equal(ig_http_target_parse("/a\0b", 4, &req), IG_EFORMAT);
	assert_int_equal(ig_http_target_parse("/ab", 2, &req), IG_OK);
	assert_string_equal(req.path, "/a");
}

static void
test_query(void **state)
{
	ig_http_req req;
	(void) state;
	assert_int_equal(
	    parse("/v1/stats?country=SE&by=type+outcome&empty&x=%2F%26%3D",
	        &req),
	    IG_OK);
	assert_string_equal(req.path, "/v1/stats");
	assert_int_equal(req.n_params, 4);
	assert_string_equal(ig_http_param_get(&req, "country"), "SE");
	/* '+' is a space in a query, "%2B" a '+' */
	assert_string_equal(ig_http_param_get(&req, "by"), "type outcome");
	assert_string_equal(ig_http_param_get(&req, "empty"), "");
	assert_int_equal(req.params[2].val_len, 0);
	/* a value is decoded once, and '/' is plain there */
	assert_string_equal(ig_http_param_get(&req, "x"), "/&=");
	assert_int_equal(req.params[3].val_len, 3);
	assert_null(ig_http_param_get(&req, "Country"));
	assert_null(ig_http_param_get(&req, "missing"));

	/* empty pairs are skipped; the first of a repeated key wins */
	assert_int_equal(parse("/x?&&a=1&&a=2&", &req), IG_OK);
	assert_int_equal(req.n_params, 2);
	assert_string_equal(ig_http_param_get(&req, "a"), "1");
	assert_int_equal(parse("/x?a=%2B1=2", &req), IG_OK);
	assert_string_equal(ig_http_param_get(&req, "a"), "+1=2");
	/* a value may hold bytes of UTF-8 */
	assert_int_equal(parse("/x?n=%C3%A5", &req), IG_OK);
	assert_string_equal(ig_http_param_get(&req, "n"), "\xc3\xa5");
}

static void
test_limits(void **state)
{
	char t[IG_HTTP_URI_MAX + 64];
	char *big;
	size_t n;
	ig_http_req req;
	(void) state;

	/* the target: IG_HTTP_URI_MAX bytes, not one more */
	memset(t, 'a', sizeof(t));
	t[0] = '/';
	assert_int_equal(
	    ig_http_target_parse(t, IG_HTTP_URI_MAX, &req), IG_OK);
	assert_int_equal(strlen(req.path), IG_HTTP_URI_MAX);
	assert_int_equal(
	    ig_http_target_parse(t, IG_HTTP_URI_MAX + 1, &req), IG_ETOOBIG);
	/* a path of escaped slashes stays within its buffer */
	for (n = 1; n + 3 <= IG_HTTP_URI_MAX; n += 3)
		memcpy(t + n, "%2F", 3);
	assert_int_equal(ig_http_target_parse(t, n, &req), IG_OK);
	assert_int_equal(strlen(req.path), n);

	/* IG_HTTP_QUERY_PARAMS_MAX parameters, not one more */
	n = (size_t) snprintf(t, sizeof(t), "/x?");
	for (int i = 0; i < IG_HTTP_QUERY_PARAMS_MAX; i++)
		n += (size_t) snprintf(t + n, sizeof(t) - n, "k%d=%d&", i, i);
	assert_int_equal(ig_http_target_parse(t, n, &req), IG_OK);
	assert_int_equal(req.n_params, IG_HTTP_QUERY_PARAMS_MAX);
	assert_string_equal(ig_http_param_get(&req, "k15"), "15");
	n += (size_t) snprintf(t + n, sizeof(t) - n, "one=more");
	assert_int_equal(ig_http_target_parse(t, n, &req), IG_ETOOBIG);

	/* a value of IG_HTTP_QUERY_VALUE_MAX bytes, not one more (also
	 * when the escapes decode it to fewer bytes than it has) */
	big = malloc(IG_HTTP_URI_MAX + 1);
	assert_non_null(big);
	memcpy(big, "/x?v=", 5);
	memset(big + 5, 'v', IG_HTTP_QUERY_VALUE_MAX + 1);
	assert_int_equal(
	    ig_http_target_parse(big, 5 + IG_HTTP_QUERY_VALUE_MAX, &req),
	    IG_OK);
	assert_int_equal(req.params[0].val_len, IG_HTTP_QUERY_VALUE_MAX);
	assert_int_equal(
	    ig_http_target_parse(big, 5 + IG_HTTP_QUERY_VALUE_MAX + 1, &req),
	    IG_ETOOBIG);
	for (n = 5; n + 3 <= 5 + 3 * (IG_HTTP_QUERY_VALUE_MAX + 1); n += 3)
		memcpy(big + n, "%41", 3);
	assert_int_equal(ig_http_target_parse(big, n, &req), IG_ETOOBIG);
	assert_int_equal(ig_http_target_parse(big, n - 3, &req), IG_OK);
	assert_int_equal(req.params[0].val_len, IG_HTTP_QUERY_VALUE_MAX);
	free(big);
}

static void
test_media(void **state)
{
	(void) state;
	assert_true(ig_http_media_is("application/json", "application/json"));
	assert_true(ig_http_media_is("Application/JSON", "application/json"));
	assert_true(ig_http_media_is(
	    "application/json; charset=utf-8", "application/json"));
	assert_true(ig_http_media_is("  text/plain", "text/plain"));
	assert_true(ig_http_media_is("text/plain ;q=1", "text/plain"));
	assert_false(ig_http_media_is(NULL, "text/plain"));
	assert_false(ig_http_media_is("", "text/plain"));
	assert_false(ig_http_media_is("text/plai", "text/plain"));
	assert_false(ig_http_media_is("text/plainx", "text/plain"));
	assert_false(ig_http_media_is("text/html", "text/plain"));
	assert_false(ig_http_media_is("xtext/plain", "text/plain"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_media),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
