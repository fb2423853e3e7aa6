/*
 * select_test.c - the client library's decisions without a network
 * (client/select.h): the latency window and its percentile, the hedge
 * deadline with its floor, ceiling and cold start, the back-off of a
 * failed endpoint, the active set (nearest healthy first), probe
 * scheduling, and which candidate URLs are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/select.h"

static void
test_quantile_window(void **state)
{
	ig_client_latwin w;
	(void) state;

	ig_client_latwin_init(&w);
	assert_int_equal(ig_client_latwin_quantile(&w, 950), 0);
	/* 1..100 in order: the window keeps the last 64, 37..100. */
	for (uint32_t i = 1; i <= 100; i++)
		ig_client_latwin_add(&w, i);
	assert_int_equal(w.n, IG_CLIENT_LAT_WINDOW);
	assert_int_equal(ig_client_latwin_quantile(&w, 1), 37);
	assert_int_equal(ig_client_latwin_quantile(&w, 1000), 100);
	/* Nearest rank: ceil(64 * 0.95) = 61st smallest = 37 + 60. */
	assert_int_equal(ig_client_latwin_quantile(&w, 950), 97);
	/* ceil(64 * 0.5) = 32nd = 68. */
	assert_int_equal(ig_client_latwin_quantile(&w, 500), 68);
}

static void
test_quantile_unsorted(void **state)
{
	ig_client_latwin w;
	static const uint32_t v[] = { 9, 3, 7, 1, 5, 8, 2, 6, 4, 10 };
	(void) state;

	ig_client_latwin_init(&w);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ig_client_latwin_add(&w, v[i]);
	assert_int_equal(ig_client_latwin_quantile(&w, 950), 10);
	assert_int_equal(ig_client_latwin_quantile(&w, 900), 9);
	assert_int_equal(ig_client_latwin_quantile(&w, 100), 1);
	/* The window itself is not reordered. */
	assert_int_equal(w.ms[0], 9);
	assert_int_equal(w.ms[9], 10);
}

static void
test_deadline_cold_floor_ceiling(void **state)
{
	ig_client_latwin w;
	(void) state;

	ig_client_latwin_init(&w);
	/* No answers yet: the cold deadline, within floor and ceiling. */
	assert_int_equal(
	    ig_client_hedge_deadline(&w, 20, 1000), IG_CLIENT_HEDGE_COLD_MS);
	assert_int_equal(ig_client_hedge_deadline(&w, 200, 1000), 200);
	assert_int_equal(ig_client_hedge_deadline(&w, 5, 50), 50);
	/* Seven answers are still too few to trust a percentile. */
	for (int i = 0; i < IG_CLIENT_LAT_MIN_SAMPLES - 1; i++)
		ig_client_latwin_add(&w, 3);
	assert_int_equal(
	    ig_client_hedge_deadline(&w, 1, 1000), IG_CLIENT_HEDGE_COLD_MS);
	ig_client_latwin_add(&w, 3);
	/* Eight: the percentile, 3 ms, raised to the floor. */
	assert_int_equal(ig_client_hedge_deadline(&w, 1, 1000), 3);
	assert_int_equal(ig_client_hedge_deadline(&w, 20, 1000), 20);
}

static void
test_deadline_p95_ignores_rare_outliers(void **state)
{
	ig_client_latwin w;
	(void) state;

	ig_client_latwin_init(&w);
	/* 61 fast answers and 3 slow ones (under 5%): p95 is fast. */
	for (int i = 0; i < 61; i++)
		ig_client_latwin_add(&w, 40);
	for (int i = 0; i < 3; i++)
		ig_client_latwin_add(&w, 900);
	assert_int_equal(ig_client_hedge_deadline(&w, 20, 1000), 40);
	/* A fourth slow one (over 5%): the deadline follows, clamped to
	 * the ceiling. */
	ig_client_latwin_add(&w, 2000);
	assert_int_equal(ig_client_hedge_deadline(&w, 20, 1000), 900);
	for (int i = 0; i < 8; i++)
		ig_client_latwin_add(&w, 5000);
	assert_int_equal(ig_client_hedge_deadline(&w, 20, 1000), 1000);
	/* Old answers leave the window: 64 fast ones bring it back. */
	for (int i = 0; i < IG_CLIENT_LAT_WINDOW; i++)
		ig_client_latwin_add(&w, 30);
	assert_int_equal(ig_client_hedge_deadline(&w, 20, 1000), 30);
}

static void
test_backoff(void **state)
{
	ig_client_ep ep;
	(void) state;

	assert_int_equal(ig_client_retry_ms(1), 250);
	assert_int_equal(ig_client_retry_ms(2), 500);
	assert_int_equal(ig_client_retry_ms(3), 1000);
	assert_int_equal(ig_client_retry_ms(5), 4000);
	assert_int_equal(ig_client_retry_ms(6), IG_CLIENT_RETRY_MAX_MS);
	assert_int_equal(ig_client_retry_ms(1000), IG_CLIENT_RETRY_MAX_MS);
	assert_int_equal(
	    ig_client_retry_ms(UINT32_MAX), IG_CLIENT_RETRY_MAX_MS);

	ig_client_ep_init(&ep, "http://a:1", 1);
	ig_client_ep_probe_ok(&ep, 10, 1000, 5000);
	ig_client_ep_fail(&ep, 2000, "refused");
	assert_int_equal(ep.state, IG_CLIENT_STATE_DOWN);
	assert_int_equal(ep.next_probe_ms, 2250);
	assert_string_equal(ep.why, "refused");
	ig_client_ep_fail(&ep, 2250, NULL);
	assert_int_equal(ep.next_probe_ms, 2750);
	assert_string_equal(ep.why, "refused");
	/* A success resets the count. */
	ig_client_ep_probe_ok(&ep, 10, 3000, 5000);
	assert_int_equal(ep.state, IG_CLIENT_STATE_UP);
	assert_int_equal(ep.fails, 0);
	assert_int_equal(ep.next_probe_ms, 8000);
	assert_string_equal(ep.why, "");
	ig_client_ep_fail(&ep, 9000, "reset");
	assert_int_equal(ep.next_probe_ms, 9250);
	/* A failed checkpoint: refused for a minute. */
	ig_client_ep_refuse(&ep, 10000, "bad checkpoint");
	assert_int_equal(ep.state, IG_CLIENT_STATE_REFUSED);
	assert_int_equal(ep.next_probe_ms, 10000 + IG_CLIENT_REFUSED_RETRY_MS);
}

static void
test_rtt_smoothing(void **state)
{
	ig_client_ep ep;
	(void) state;

	ig_client_ep_init(&ep, "http://a:1", 1);
	ig_client_ep_probe_ok(&ep, 100, 0, 1000);
	assert_int_equal(ep.rtt_ms, 100); /* the first sample as it is */
	ig_client_ep_probe_ok(&ep, 20, 0, 1000);
	assert_int_equal(ep.rtt_ms, 80); /* (3 * 100 + 20 + 2) / 4 */
	ig_client_ep_probe_ok(&ep, 0, 0, 1000);
	assert_int_equal(ep.rtt_ms, 60);
	/* After a failure the next sample is taken as it is again. */
	ig_client_ep_fail(&ep, 0, "x");
	ig_client_ep_probe_ok(&ep, 7, 0, 1000);
	assert_int_equal(ep.rtt_ms, 7);
	/* 0 ms (a fast loopback) is stored as 1: 0 means unmeasured. */
	ig_client_ep_fail(&ep, 0, "x");
	ig_client_ep_probe_ok(&ep, 0, 0, 1000);
	assert_int_equal(ep.rtt_ms, 1);
}

static void
eps_make(ig_client_ep *eps, const uint32_t *rtt, const ig_client_state *st,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char url[32];
		snprintf(url, sizeof(url), "http://n%zu:80", i);
		ig_client_ep_init(&eps[i], url, 1);
		eps[i].state = st[i];
		eps[i].rtt_ms = rtt[i];
	}
}

static void
test_pick_nearest_healthy(void **state)
{
	ig_client_ep eps[6];
	static const uint32_t rtt[6] = { 30, 5, 20, 1, 10, 5 };
	static const ig_client_state st[6] = { IG_CLIENT_STATE_UP,
		IG_CLIENT_STATE_UP, IG_CLIENT_STATE_UP, IG_CLIENT_STATE_DOWN,
		IG_CLIENT_STATE_REFUSED, IG_CLIENT_STATE_UP };
	size_t idx[IG_CLIENT_ACTIVE_MAX];
	(void) state;

	eps_make(eps, rtt, st, 6);
	/* Up: 0 (30), 1 (5), 2 (20), 5 (5). The nearest three, a tie kept
	 * in the candidates' order; the down and refused ones never. */
	assert_int_equal(ig_client_pick(eps, 6, 3, idx), 3);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 5);
	assert_int_equal(idx[2], 2);
	assert_int_equal(ig_client_pick(eps, 6, 8, idx), 4);
	assert_int_equal(idx[3], 0);
	assert_int_equal(ig_client_pick(eps, 6, 1, idx), 1);
	assert_int_equal(idx[0], 1);
	/* The nearest dies: the next takes its place. */
	ig_client_ep_fail(&eps[1], 0, "killed");
	assert_int_equal(ig_client_pick(eps, 6, 3, idx), 3);
	assert_int_equal(idx[0], 5);
	assert_int_equal(idx[1], 2);
	assert_int_equal(idx[2], 0);
	/* None up. */
	for (size_t i = 0; i < 6; i++)
		ig_client_ep_fail(&eps[i], 0, "x");
	assert_int_equal(ig_client_pick(eps, 6, 3, idx), 0);
}

static void
test_due(void **state)
{
	ig_client_ep eps[4];
	static const uint32_t rtt[4] = { 1, 1, 1, 1 };
	static const ig_client_state st[4]
	    = { IG_CLIENT_STATE_UNKNOWN, IG_CLIENT_STATE_UP,
		      IG_CLIENT_STATE_DOWN, IG_CLIENT_STATE_UNKNOWN };
	size_t idx[4];
	(void) state;

	eps_make(eps, rtt, st, 4);
	eps[1].next_probe_ms = 5000;
	eps[2].next_probe_ms = 250;
	eps[3].probing = true;
	assert_int_equal(ig_client_next_due(eps, 4), 0);
	assert_int_equal(ig_client_due(eps, 4, 0, 4, idx), 1);
	assert_int_equal(idx[0], 0);
	assert_int_equal(ig_client_due(eps, 4, 250, 4, idx), 2);
	assert_int_equal(idx[1], 2);
	assert_int_equal(ig_client_due(eps, 4, 5000, 4, idx), 3);
	assert_int_equal(ig_client_due(eps, 4, 5000, 2, idx), 2);
	eps[0].state = IG_CLIENT_STATE_UP;
	eps[0].next_probe_ms = 7000;
	assert_int_equal(ig_client_next_due(eps, 4), 250);
}

static void
test_url_check(void **state)
{
	static const char *const good[][2] = {
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "HTTP://node.example/", "http://node.example" },
		{ "https://node.example:443/intyg//",
		    "https://node.example:443/intyg" },
		{ "http://[::1]:80", "http://[::1]:80" },
		{ "Https://a", "https://a" },
	};
	static const char *const bad[] = {
		"ftp://node.example",
		"file:///etc/passwd",
		"gopher://x:70",
		"javascript:alert(1)",
		"node.example:80",
		"http://",
		"http:///path",
		"http://:80",
		"http://a b",
		"http://a\tb",
		"http://user@node",
		"http://node/?q=1",
		"http://node/#f",
		"http://node:0",
		"http://node:65536",
		"http://node:8x",
		"http://node:",
		"http://a:1:2",
		"http://nöde",
		"",
	};
	char out[IG_CLIENT_URL_MAX + 1], why[256], longurl[600];
	(void) state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(
		    ig_client_url_check(good[i][0], out, why, sizeof(why)));
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (ig_client_url_check(bad[i], out, why, sizeof(why)))
			fail_msg("accepted: %s", bad[i]);
		assert_true(why[0] != '\0');
	}
	assert_false(ig_client_url_check(NULL, out, why, sizeof(why)));
	assert_false(ig_client_url_check("ftp://x", out, why, sizeof(why)));
	assert_non_null(strstr(why, "not an http:// or https:// URL"));
	memcpy(longurl, "http://", 7);
	memset(longurl + 7, 'a', sizeof(longurl) - 8);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_false(ig_client_url_check(longurl, out, why, sizeof(why)));
	longurl[IG_CLIENT_URL_MAX] = '\0';
	assert_true(ig_client_url_check(longurl, out, why, sizeof(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile_window),
		cmocka_unit_test(test_quantile_unsorted),
		cmocka_unit_test(test_deadline_cold_floor_ceiling),
		cmocka_unit_test(test_deadline_p95_ignores_rare_outliers),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_rtt_smoothing),
		cmocka_unit_test(test_pick_nearest_healthy),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_url_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
