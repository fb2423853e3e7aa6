/*
 * metrics_node_test.c - the rows the alert rules read (metrics.h,
 * ig_metrics_node): every one rendered, with its value, label values
 * escaped, the peer rows only with peers and the gateway rows only on a
 * node that pulls. tests/alerts/alerts_metrics_test.sh checks a live
 * node's page with promtool; a live node has no gateway rows unless it
 * pulls, so they are checked here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "api/metrics.h"

static void
render(const ig_metrics_node *x, ig_buf *out)
{
	ig_buf_init(out, 1 << 20);
	assert_int_equal(ig_metrics_render_node(x, out), IG_OK);
	assert_int_equal(ig_buf_append_u8(out, 0), IG_OK);
}

static void
has(const ig_buf *b, const char *line)
{
	if (strstr((const char *) b->ptr, line) == NULL)
		fail_msg("no line %s in:\n%s", line, (const char *) b->ptr);
}

static void
lacks(const ig_buf *b, const char *text)
{
	if (strstr((const char *) b->ptr, text) != NULL)
		fail_msg(
		    "%s should not be in:\n%s", text, (const char *) b->ptr);
}

static void
test_every_row(void **state)
{
	ig_metrics_peer peers[2];
	ig_metrics_node x;
	ig_buf b;
	(void) state;

	memset(&x, 0, sizeof(x));
	memset(peers, 0, sizeof(peers));
	memcpy(peers[0].id, "dk-ehm", 7);
	peers[0].up = true;
	peers[0].lag = 12;
	peers[0].last_contact_ms = 1800000000123;
	memcpy(peers[1].id, "a\"b\\c", 6);
	x.version = "1.2.3";
	x.root_expires_in_s = -5;
	x.evidence = 2;
	x.disk_free_bytes = 1000;
	x.disk_size_bytes = 4000;
	x.peers = peers;
	x.n_peers = 2;
	x.gateway.configured = true;
	x.gateway.pulls = 7;
	x.gateway.failures = 3;
	x.gateway.failures_in_a_row = 2;
	x.gateway.last_success_ms = 1700000000999;
	render(&x, &b);
	has(&b, "\nintyg_build_info{version=\"1.2.3\"} 1\n");
	has(&b, "\nintyg_root_expires_in_seconds -5\n");
	has(&b, "\nintyg_equivocation_proofs 2\n");
	has(&b, "\nintyg_store_disk_free_bytes 1000\n");
	has(&b, "\nintyg_store_disk_size_bytes 4000\n");
	has(&b, "\nintyg_peer_up{peer=\"dk-ehm\"} 1\n");
	has(&b, "\nintyg_peer_up{peer=\"a\\\"b\\\\c\"} 0\n");
	has(&b, "\nintyg_peer_lag_entries{peer=\"dk-ehm\"} 12\n");
	has(&b,
	    "\nintyg_peer_last_contact_timestamp_seconds{peer=\"dk-ehm\"} "
	    "1800000000\n");
	has(&b, "\nintyg_gateway_pulls_total 7\n");
	has(&b, "\nintyg_gateway_pull_failures_total 3\n");
	has(&b, "\nintyg_gateway_pull_failures_in_a_row 2\n");
	has(&b, "\nintyg_gateway_last_success_timestamp_seconds 1700000000\n");
	has(&b, "# TYPE intyg_gateway_pulls_total counter\n");
	ig_buf_free(&b);
}

static void
test_no_peers_no_gateway(void **state)
{
	ig_metrics_node x;
	ig_buf b;
	(void) state;

	memset(&x, 0, sizeof(x));
	x.version = "1.2.3";
	render(&x, &b);
	has(&b, "\nintyg_equivocation_proofs 0\n");
	lacks(&b, "intyg_peer_");
	lacks(&b, "intyg_gateway_");
	ig_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_no_peers_no_gateway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
