/*
 * gwpull_test.c - node/gwpull: the pull thread of a gateway-bridge node
 * and its counters, against a small gateway in the test process (nng's
 * HTTP server on 127.0.0.1:7874) whose answers the test switches.
 *
 * The gateway answers every request 500 (failing), 204 (nothing new:
 * a pull that succeeds without publishing) or, stalling, after
 * STALL_MS. The puller pulls at start and then every interval:
 *
 *   refused: no [gateway] url, or an anchor that is not a certificate,
 *     starts nothing;
 *   failing then healing: each failed pull counts (pulls, failures,
 *     failures in a row, no success); the first pull that succeeds
 *     resets the run of failures and sets the time of the last success;
 *     nothing is published (the registry stays empty);
 *   unreachable: a gateway nobody listens for fails like one that
 *     answers 500;
 *   stop: stopping during a pull that stalls returns within a second
 *     (the pull is abandoned), and so does stopping between pulls with
 *     an interval of an hour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/util/platform.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node/config.h"
#include "node/gwpull.h"
#include "node/publish.h"
#include "registry/registry.h"
#include "testkit.h"

#define PORT      7874
#define GW_URL    "http://127.0.0.1:7874/gw"
#define GW_NOBODY "http://127.0.0.1:7875"
#define STALL_MS  3000
#define WAIT_MS   10000

enum { GW_FAIL, GW_EMPTY, GW_STALL };

static tk_fed fed;
static char dir[64];
static char anchor[128], state[128], junk[128];
static ig_registry *reg;
static ig_publisher *pub;
static nng_http_server *srv;
static atomic_int mode;
static atomic_int requests;

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
gw_handle(nng_aio *aio)
{
	nng_http_res *res;
	int m = atomic_load(&mode);
	atomic_fetch_add(&requests, 1);
	if (m == GW_STALL)
		nng_msleep(STALL_MS);
	if (nng_http_res_alloc(&res) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_status(res, m == GW_FAIL ? 500 : 204);
	if (m == GW_FAIL
	    && nng_http_res_copy_data(res, "gateway down\n", 13) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
gw_start(void)
{
	nng_url *u;
	nng_http_handler *h;
	assert_int_equal(nng_url_parse(&u, "http://127.0.0.1:7874"), 0);
	assert_int_equal(nng_http_server_hold(&srv, u), 0);
	nng_url_free(u);
	assert_int_equal(nng_http_handler_alloc(&h, "/gw", gw_handle), 0);
	assert_int_equal(nng_http_handler_set_tree(h), 0);
	assert_int_equal(nng_http_handler_set_method(h, NULL), 0);
	assert_int_equal(nng_http_server_add_handler(srv, h), 0);
	assert_int_equal(nng_http_server_start(srv), 0);
}

static void
cfg_make(ig_config *c, const char *url, uint32_t interval_s)
{
	ig_config_default(c);
	snprintf(c->gw_url, sizeof(c->gw_url), "%s", url);
	snprintf(c->gw_anchor, sizeof(c->gw_anchor), "%s", anchor);
	snprintf(c->gw_state_file, sizeof(c->gw_state_file), "%s", state);
	c->gw_interval_s = interval_s;
	c->gw_timeout_ms = 2000;
}

/* Waits until the puller's counters satisfy ok; false on time-out. */
static bool
wait_status(ig_gwpull *g, bool (*ok)(const ig_metrics_gateway *),
    ig_metrics_gateway *out)
{
	int64_t end = now_ms() + WAIT_MS;
	while (now_ms() < end) {
		ig_gwpull_status(g, out);
		if (ok(out))
			return true;
		nng_msleep(20);
	}
	return false;
}

static bool
two_failures(const ig_metrics_gateway *s)
{
	return s->failures_in_a_row >= 2;
}

static bool
healed(const ig_metrics_gateway *s)
{
	return s->failures_in_a_row == 0 && s->last_success_ms > 0;
}

static void
test_refused(void **state_)
{
	ig_config c;
	ig_gwpull *g = NULL;
	char why[256] = "";
	ig_metrics_gateway s;
	(void) state_;

	cfg_make(&c, "", 1);
	assert_int_equal(
	    ig_gwpull_start(&c, pub, &g, why, sizeof(why)), IG_EINVAL);
	assert_null(g);
	assert_non_null(strstr(why, "url"));
	cfg_make(&c, GW_URL, 1);
	snprintf(c.gw_anchor, sizeof(c.gw_anchor), "%s", junk);
	assert_int_not_equal(
	    ig_gwpull_start(&c, pub, &g, why, sizeof(why)), IG_OK);
	assert_null(g);
	assert_non_null(strstr(why, "anchor"));
	/* No puller: zeros, not configured. */
	memset(&s, 0xff, sizeof(s));
	ig_gwpull_status(NULL, &s);
	assert_false(s.configured);
	assert_int_equal(s.pulls, 0);
	assert_int_equal(s.failures, 0);
	ig_gwpull_stop(NULL);
}

static void
test_failing_then_healing(void **state_)
{
	ig_config c;
	ig_gwpull *g = NULL;
	char why[256] = "";
	ig_metrics_gateway s;
	ig_registry_head h;
	uint64_t failures;
	(void) state_;

	atomic_store(&mode, GW_FAIL);
	atomic_store(&requests, 0);
	cfg_make(&c, GW_URL, 1);
	assert_int_equal(
	    ig_gwpull_start(&c, pub, &g, why, sizeof(why)), IG_OK);
	assert_true(wait_status(g, two_failures, &s));
	assert_true(s.configured);
	assert_true(s.pulls >= 2);
	assert_true(s.failures >= 2);
	assert_int_equal(s.last_success_ms, 0);
	assert_true(atomic_load(&requests) >= 2);

	atomic_store(&mode, GW_EMPTY);
	assert_true(wait_status(g, healed, &s));
	failures = s.failures;
	assert_true(s.pulls > failures);
	ig_gwpull_stop(g);
	/* Nothing new at the gateway: nothing published. */
	assert_int_equal(ig_registry_head_get(reg, tk_id(TK_GW), &h), IG_OK);
	assert_int_equal(h.seq, 0);
}

static void
test_unreachable(void **state_)
{
	ig_config c;
	ig_gwpull *g = NULL;
	char why[256] = "";
	ig_metrics_gateway s;
	(void) state_;

	cfg_make(&c, GW_NOBODY, 1);
	assert_int_equal(
	    ig_gwpull_start(&c, pub, &g, why, sizeof(why)), IG_OK);
	assert_true(wait_status(g, two_failures, &s));
	assert_int_equal(s.last_success_ms, 0);
	assert_int_equal(s.failures, s.pulls);
	ig_gwpull_stop(g);
}

static void
test_stop(void **state_)
{
	ig_config c;
	ig_gwpull *g = NULL;
	char why[256] = "";
	ig_metrics_gateway s;
	int64_t t0;
	(void) state_;

	/* Between pulls, an hour apart. */
	atomic_store(&mode, GW_EMPTY);
	cfg_make(&c, GW_URL, 3600);
	assert_int_equal(
	    ig_gwpull_start(&c, pub, &g, why, sizeof(why)), IG_OK);
	assert_true(wait_status(g, healed, &s));
	assert_int_equal(s.pulls, 1);
	t0 = now_ms();
	ig_gwpull_stop(g);
	assert_true(now_ms() - t0 < 1000);

	/* In the middle of a pull that stalls. */
	atomic_store(&mode, GW_STALL);
	atomic_store(&requests, 0);
	assert_int_equal(
	    ig_gwpull_start(&c, pub, &g, why, sizeof(why)), IG_OK);
	t0 = now_ms();
	while (atomic_load(&requests) == 0 && now_ms() - t0 < WAIT_MS)
		nng_msleep(10);
	assert_int_equal(atomic_load(&requests), 1);
	/* The stalled pull has not ended: not counted yet. */
	ig_gwpull_status(g, &s);
	assert_int_equal(s.pulls, 0);
	t0 = now_ms();
	ig_gwpull_stop(g);
	assert_true(now_ms() - t0 < 1000);
	/* Let the stalled handler finish before the next test. */
	nng_msleep(STALL_MS);
}

static void
file_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static int
group_setup(void **state_)
{
	ig_buf pem;
	(void) state_;
	tk_fed_init(&fed);
	tk_dir_make(dir);
	snprintf(anchor, sizeof(anchor), "%s/anchor.pem", dir);
	snprintf(state, sizeof(state), "%s/gw-state.json", dir);
	snprintf(junk, sizeof(junk), "%s/junk.pem", dir);
	ig_buf_init(&pem, 1 << 16);
	assert_int_equal(ig_x509_to_pem(fed.csca_se, &pem), IG_OK);
	file_write(anchor, pem.ptr, pem.len);
	ig_buf_free(&pem);
	file_write(junk, "not a certificate\n", 18);
	{
		char rdir[80];
		snprintf(rdir, sizeof(rdir), "%s/reg", dir);
		assert_int_equal(ig_registry_open(rdir,
		                     ig_buf_slice(&fed.signed_root), &reg),
		    IG_OK);
	}
	assert_int_equal(
	    ig_publisher_new(reg, NULL, tk_id(TK_GW), fed.priv[TK_GW], &pub),
	    IG_OK);
	gw_start();
	return 0;
}

static int
group_teardown(void **state_)
{
	(void) state_;
	nng_http_server_stop(srv);
	nng_http_server_release(srv);
	ig_publisher_free(pub);
	ig_registry_close(reg);
	tk_dir_remove(dir);
	tk_fed_free(&fed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_failing_then_healing),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
