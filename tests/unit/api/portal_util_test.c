/*
 * portal_util_test.c - the operator portal's parsers and escaping
 * (api/portal_util.c): HTML escaping of hostile text, the login form,
 * the Cookie header, the signed session and the drill report paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "api/portal.h"

static const char *
esc(const char *s, ig_buf *b)
{
	ig_buf_reset(b);
	assert_int_equal(ig_portal_esc(b, s, strlen(s)), IG_OK);
	assert_int_equal(ig_buf_terminate(b), IG_OK);
	return (const char *) b->ptr;
}

static void
test_esc(void **state)
{
	ig_buf b;
	(void) state;
	ig_buf_init(&b, 4096);
	assert_string_equal(esc("node1", &b), "node1");
	assert_string_equal(esc("<script>alert(1)</script>", &b),
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_string_equal(esc("\"><img src=x onerror='x'>&", &b),
	    "&quot;&gt;&lt;img src=x onerror=&#39;x&#39;&gt;&amp;");
	assert_string_equal(esc("a\nb\x01\x7f", &b), "a?b??");
	/* UTF-8 passes unchanged */
	assert_string_equal(esc("Sk\xc3\xa5ne", &b), "Sk\xc3\xa5ne");
	/* no markup character survives, whatever the input */
	{
		char all[256];
		for (int i = 1; i < 256; i++)
			all[i - 1] = (char) i;
		all[255] = '\0';
		esc(all, &b);
		assert_null(strpbrk((const char *) b.ptr, "<>\"'"));
	}
	ig_buf_free(&b);
	/* a buffer that is too small */
	ig_buf_init(&b, 8);
	assert_int_equal(ig_portal_esc(&b, "<<<", 3), IG_ETOOBIG);
	ig_buf_free(&b);
}

static ig_err
form(const char *body, const char *key, char *out, size_t cap)
{
	return ig_portal_form_get(
	    (const uint8_t *) body, strlen(body), key, out, cap);
}

static void
test_form(void **state)
{
	char v[64];
	(void) state;
	assert_int_equal(form("token=abc", "token", v, sizeof(v)), IG_OK);
	assert_string_equal(v, "abc");
	assert_int_equal(
	    form("x=1&token=a%2Bb+c%21&y=", "token", v, sizeof(v)), IG_OK);
	assert_string_equal(v, "a+b c!");
	assert_int_equal(form("token=", "token", v, sizeof(v)), IG_OK);
	assert_string_equal(v, "");
	snprintf(v, sizeof(v), "unchanged");
	assert_int_equal(
	    form("tokens=abc", "token", v, sizeof(v)), IG_ENOTFOUND);
	assert_int_equal(form("", "token", v, sizeof(v)), IG_ENOTFOUND);
	assert_int_equal(form("token=%4", "token", v, sizeof(v)), IG_EFORMAT);
	assert_int_equal(form("token=%zz", "token", v, sizeof(v)), IG_EFORMAT);
	assert_int_equal(
	    form("token=a%00b", "token", v, sizeof(v)), IG_EFORMAT);
	assert_int_equal(
	    form("token=a%0Ab", "token", v, sizeof(v)), IG_EFORMAT);
	assert_int_equal(
	    form("token=a&token=b", "token", v, sizeof(v)), IG_EFORMAT);
	assert_string_equal(v, "unchanged");
	assert_int_equal(form("token=abcdef", "token", v, 4), IG_ETOOBIG);
	{
		char big[IG_PORTAL_FORM_MAX + 16];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "token=", 6);
		assert_int_equal(form(big, "token", v, sizeof(v)), IG_ETOOBIG);
	}
}

static void
test_cookie(void **state)
{
	char v[IG_PORTAL_SESSION_LEN_MAX + 1];
	(void) state;
	assert_true(ig_portal_cookie_get("intyg_portal=1.ab", v, sizeof(v)));
	assert_string_equal(v, "1.ab");
	assert_true(ig_portal_cookie_get(
	    "a=b; intyg_portal=99.cd; c=d", v, sizeof(v)));
	assert_string_equal(v, "99.cd");
	assert_false(ig_portal_cookie_get(
	    "xintyg_portal=1.ab; intyg_portalx=2", v, sizeof(v)));
	assert_false(ig_portal_cookie_get(NULL, v, sizeof(v)));
	assert_false(ig_portal_cookie_get("intyg_portal", v, sizeof(v)));
	assert_false(ig_portal_cookie_get("intyg_portal=1.ab", v, 3));
}

static void
test_session(void **state)
{
	uint8_t key[32], other[32];
	char s[IG_PORTAL_SESSION_LEN_MAX + 1];
	int64_t now = 1800000000;
	(void) state;
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	assert_int_equal(
	    ig_portal_session_make(key, now + 3600, s, sizeof(s)), IG_OK);
	assert_true(ig_portal_session_ok(key, s, now));
	assert_false(ig_portal_session_ok(other, s, now));
	/* expired, and too far in the future */
	assert_false(ig_portal_session_ok(key, s, now + 3600));
	assert_false(ig_portal_session_ok(key, s, now - IG_PORTAL_SESSION_S));
	/* a changed expiry or signature */
	{
		char t[sizeof(s)];
		memcpy(t, s, sizeof(s));
		t[0] = t[0] == '1' ? '2' : '1';
		assert_false(ig_portal_session_ok(key, t, now));
		memcpy(t, s, sizeof(s));
		t[strlen(t) - 1] = t[strlen(t) - 1] == '0' ? '1' : '0';
		assert_false(ig_portal_session_ok(key, t, now));
		t[strlen(t) - 1] = '\0';
		assert_false(ig_portal_session_ok(key, t, now));
	}
	assert_false(ig_portal_session_ok(key, "", now));
	assert_false(ig_portal_session_ok(key, ".", now));
	assert_false(ig_portal_session_ok(key, "-5.00", now));
	assert_int_equal(ig_portal_session_make(key, now, s, 10), IG_EINVAL);
	assert_int_equal(
	    ig_portal_session_make(key, -1, s, sizeof(s)), IG_EINVAL);
}

static void
test_run_names(void **state)
{
	char run[IG_PORTAL_RUN_NAME_MAX + 1];
	bool json = false;
	(void) state;
	assert_true(ig_portal_run_name_ok("2026-12-08T01.00.00Z", 20));
	assert_true(ig_portal_run_name_ok("small_drill-1", 13));
	assert_false(ig_portal_run_name_ok("", 0));
	assert_false(ig_portal_run_name_ok(".", 1));
	assert_false(ig_portal_run_name_ok("..", 2));
	assert_false(ig_portal_run_name_ok(".hidden", 7));
	assert_false(ig_portal_run_name_ok("a/b", 3));
	assert_false(ig_portal_run_name_ok("a%2Fb", 5));
	assert_false(ig_portal_run_name_ok("a b", 3));
	{
		char big[IG_PORTAL_RUN_NAME_MAX + 2];
		memset(big, 'a', sizeof(big));
		assert_true(
		    ig_portal_run_name_ok(big, IG_PORTAL_RUN_NAME_MAX));
		assert_false(
		    ig_portal_run_name_ok(big, IG_PORTAL_RUN_NAME_MAX + 1));
	}
	assert_true(ig_portal_report_path("run1/report.html", run, &json));
	assert_string_equal(run, "run1");
	assert_false(json);
	assert_true(ig_portal_report_path("run1/report.json", run, &json));
	assert_true(json);
	assert_false(ig_portal_report_path("../report.html", run, &json));
	assert_false(ig_portal_report_path("run1/../x", run, &json));
	assert_false(ig_portal_report_path("run1/passwd", run, &json));
	assert_false(ig_portal_report_path("run1/report.html/x", run, &json));
	assert_false(ig_portal_report_path("run1", run, &json));
	assert_false(ig_portal_report_path("/report.html", run, &json));
	assert_false(ig_portal_report_path(
	    "run1%2F..%2F..%2Fetc/report.html", run, &json));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_run_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
