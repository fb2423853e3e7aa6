/*
 * node_stats_test.c - aggregated statistics across a 3-node federation of
 * real `intyg node` processes (k = 10, rounding = 10, the defaults):
 *
 *   (a) verifications over HTTP (POST /v1/verify) at every node and
 *       verifier reports (POST /v1/stats/report) at two of them; then at
 *       every node GET /v1/stats?scope=federation&by=country,type,outcome
 *       equals the sum of the per-node counts kept by this test, with
 *       groups below k suppressed (counted, not shown) and the rest
 *       rounded; scope=node gives each node's own counts only (the same
 *       suppression and rounding); by=node (or any other key) is refused,
 *       and no answer carries a node id; Accept: text/csv gives the same
 *       rows as CSV;
 *   (b) a node restarted (SIGTERM, start) keeps its own counts and its
 *       copies of the others': after all three stopped, node2 started
 *       alone (no peer to send it anything) answers both scopes as
 *       before. The counts came back from its RocksDB store.
 *
 * The cells travel by gossip as signed CELLS messages; the refusal of
 * forged cells is tested in tests/unit/consensus/gossip_cells_test.c.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "node/httpc.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/hcert.h"
#include "cli/hcert_issue.h"

#define K        10
#define ROUNDING 10
#define REPORTER "app-0123456789abcdef-token"

/* The groups this test counts into (by=country,type,outcome). */
enum { G_SE_V_VALID, G_DK_T_EXPIRED, G_SE_R_REVOKED, G_N };
static const char *g_country[G_N] = { "SE", "DK", "SE" };
static const char *g_type[G_N] = { "v", "t", "r" };
static const char *g_outcome[G_N] = { "valid", "expired", "revoked" };

/* Exact counts per node and group, as this test made them. */
static uint64_t counts[3][G_N];

static int
port_of(const char *url)
{
	const char *c = strrchr(url, ':');
	return c != NULL ? (int) strtol(c + 1, NULL, 10) : 0;
}

/* One raw HTTP/1.1 request (Connection: close) with extra header lines
 * hdr (may be ""); returns the status, the body in out. */
static int
raw_http(const char *base, const char *method, const char *target,
    const char *hdr, const char *body, ig_buf *out)
{
	struct sockaddr_in a;
	struct timeval tv = { 10, 0 };
	char req[8192];
	char *p;
	int n, fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

	H_CHECK(fd >= 0, "socket");
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t) port_of(base));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	H_CHECK(connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0,
	    "connect to %s", base);
	n = snprintf(req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: "
	    "%zu\r\nConnection: close\r\n\r\n%s",
	    method, target, hdr, strlen(body), body);
	H_CHECK(n > 0 && (size_t) n < sizeof(req), "request too long");
	H_CHECK(send(fd, req, (size_t) n, MSG_NOSIGNAL) == n, "send");
	ig_buf_reset(out);
	for (;;) {
		char chunk[4096];
		ssize_t k = recv(fd, chunk, sizeof(chunk), 0);
		if (k <= 0)
			break;
		H_CHECK(ig_buf_append(out, chunk, (size_t) k) == IG_OK,
		    "answer too long");
	}
	close(fd);
	H_CHECK(ig_buf_terminate(out) == IG_OK, "memory");
	H_CHECK(out->len >= 12 && memcmp(out->ptr, "HTTP/1.1 ", 9) == 0
	        && out->ptr[9] >= '1' && out->ptr[9] <= '5'
	        && out->ptr[10] >= '0' && out->ptr[10] <= '9'
	        && out->ptr[11] >= '0' && out->ptr[11] <= '9',
	    "%s %s: no status line: %s", method, target,
	    (const char *) out->ptr);
	status = (out->ptr[9] - '0') * 100 + (out->ptr[10] - '0') * 10
	    + (out->ptr[11] - '0');
	p = strstr((char *) out->ptr, "\r\n\r\n");
	H_CHECK(p != NULL, "no header end");
	p += 4;
	memmove(out->ptr, p, strlen(p) + 1);
	out->len = strlen((const char *) out->ptr);
	return status;
}

/* Issues a vaccination certificate of the issuer's country. */
static void
cert_issue(const h_issuer *is, uint64_t seed, ig_buf *out)
{
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { "SE", now - 3600, now + 86400 * 30 };

	ig_hcert_rng_seed(&rng, seed);
	H_CHECK(ig_hcert_synth_dcc('v', "SE", now, &rng, &dcc) == IG_OK
	        && ig_hcert_issue(
	               dcc, &cl, is->dsc_key, is->dsc, IG_ALG_ES256, out)
	            == IG_OK
	        && ig_buf_terminate(out) == IG_OK,
	    "issue a certificate");
	json_decref(dcc);
}

/* n verifications of cert at node i, each answered valid. */
static void
verify_n(h_fed *f, size_t i, const ig_buf *cert, int n, ig_buf *b)
{
	for (int k = 0; k < n; k++) {
		uint16_t st = 0;
		ig_buf_reset(b);
		H_CHECK(ig_httpc_request(f->http[i], "POST", "/v1/verify",
		            "text/plain", cert->ptr, cert->len, 10000, &st, b)
		            == IG_OK
		        && ig_buf_terminate(b) == IG_OK,
		    "verify at node%zu", i + 1);
		{
			json_error_t jerr;
			json_t *j
			    = json_loads((const char *) b->ptr, 0, &jerr);
			const char *r
			    = json_string_value(json_object_get(j, "reason"));
			H_CHECK(
			    st == 200 && r != NULL && strcmp(r, "valid") == 0,
			    "verify at node%zu: %u %s", i + 1, (unsigned) st,
			    (const char *) b->ptr);
			json_decref(j);
		}
	}
	counts[i][G_SE_V_VALID] += (uint64_t) n;
}

/* A verifier report of count in group g at node i (this hour). */
static void
report(h_fed *f, size_t i, int g, uint64_t count, ig_buf *b)
{
	char body[512], hour[32];
	int st;

	H_CHECK(ig_isotime_format(ig_time_now(), hour, sizeof(hour)) == IG_OK,
	    "time");
	snprintf(body, sizeof(body),
	    "{\"cells\": [{\"hour\": \"%s\", \"country\": \"%s\", \"type\": "
	    "\"%s\", \"outcome\": \"%s\", \"count\": %llu}]}",
	    hour, g_country[g], g_type[g], g_outcome[g],
	    (unsigned long long) count);
	st = raw_http(f->http[i], "POST", "/v1/stats/report",
	    "Authorization: Bearer " REPORTER
	    "\r\nContent-Type: application/json\r\n",
	    body, b);
	H_CHECK(st == 200, "report at node%zu: %d %s", i + 1, st,
	    (const char *) b->ptr);
	counts[i][g] += count;
}

/* What /v1/stats must release for an exact count: 0 when suppressed. */
static uint64_t
released(uint64_t exact)
{
	if (exact < K)
		return 0;
	return (exact + ROUNDING / 2) / ROUNDING * ROUNDING;
}

/* The expected rows of a scope: node i's own (i < 3) or the federation
 * (i == 3); returns how many groups are suppressed. */
static size_t
expected(size_t i, uint64_t out[G_N])
{
	size_t suppressed = 0;
	for (int g = 0; g < G_N; g++) {
		uint64_t exact = 0;
		for (size_t n = 0; n < 3; n++)
			if (i == 3 || i == n)
				exact += counts[n][g];
		out[g] = released(exact);
		if (exact > 0 && exact < K)
			suppressed++;
	}
	return suppressed;
}

/* Checks one JSON answer of /v1/stats against the expected rows; returns
 * false (with why) on a difference. */
static bool
stats_match(const char *json, size_t i, char *why, size_t why_len)
{
	uint64_t want[G_N];
	size_t supp = expected(i, want), rows = 0, nonzero = 0, idx;
	json_error_t jerr;
	json_t *j = json_loads(json, 0, &jerr), *cells, *c;
	bool ok = false;

	snprintf(why, why_len, "not the expected answer: %s", json);
	if (j == NULL)
		return false;
	cells = json_object_get(j, "cells");
	if (!json_is_array(cells)
	    || json_integer_value(json_object_get(j, "suppressed"))
	        != (json_int_t) supp
	    || json_integer_value(json_object_get(j, "k")) != K
	    || json_integer_value(json_object_get(j, "rounding")) != ROUNDING)
		goto out;
	json_array_foreach(cells, idx, c)
	{
		const char *cc
		    = json_string_value(json_object_get(c, "country"));
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *o
		    = json_string_value(json_object_get(c, "outcome"));
		json_int_t n = json_integer_value(json_object_get(c, "count"));
		int g;
		if (json_object_size(c) != 4 || cc == NULL || t == NULL
		    || o == NULL)
			goto out;
		for (g = 0; g < G_N; g++)
			if (strcmp(cc, g_country[g]) == 0
			    && strcmp(t, g_type[g]) == 0
			    && strcmp(o, g_outcome[g]) == 0)
				break;
		if (g == G_N || want[g] == 0 || (uint64_t) n != want[g])
			goto out;
		rows++;
	}
	for (int g = 0; g < G_N; g++)
		if (want[g] > 0)
			nonzero++;
	ok = rows == nonzero;
out:
	json_decref(j);
	return ok;
}

/* Polls /v1/stats at node i for scope until it matches, or fails. */
static void
stats_wait(h_fed *f, size_t i, bool federation, int timeout_ms, ig_buf *b)
{
	int64_t deadline = h_now_ms() + timeout_ms;
	const char *target = federation
	    ? "/v1/stats?scope=federation&by=country,type,outcome"
	    : "/v1/stats?scope=node&by=country,type,outcome";
	char why[4096];
	int st = 0;

	for (;;) {
		st = raw_http(f->http[i], "GET", target, "", "", b);
		if (st == 200
		    && stats_match((const char *) b->ptr, federation ? 3 : i,
		        why, sizeof(why)))
			return;
		H_CHECK(h_now_ms() < deadline,
		    "node%zu %s: %d, %s after %d ms", i + 1, target, st, why,
		    timeout_ms);
		ig_localfed_sleep_ms(200);
	}
}

int
main(void)
{
	h_fed *f = h_setup("stats", 3, 200, false, 140);
	char cfg[1100], tokp[1100], extra[1200], line[256];
	h_issuer is;
	ig_buf b, cert;
	uint64_t want[G_N];
	int st;

	ig_buf_init(&b, 1 << 20);
	ig_buf_init(&cert, IG_HCERT_TEXT_MAX);

	/* Every node accepts reports from one verifier app. */
	snprintf(tokp, sizeof(tokp), "%s/reporters", f->dir);
	snprintf(line, sizeof(line), "app1 %s\n", REPORTER);
	H_CHECK(ig_file_write(tokp, line, strlen(line), 0600) == IG_OK,
	    "reporters file");
	for (size_t i = 0; i < 3; i++) {
		FILE *fp;
		ig_localfed_config_path(f->dir, i, cfg, sizeof(cfg));
		snprintf(extra, sizeof(extra),
		    "report_tokens_file = %s\nstats_k = %d\n"
		    "stats_rounding = %d\n",
		    tokp, K, ROUNDING);
		H_CHECK((fp = fopen(cfg, "a")) != NULL, "open %s", cfg);
		fputs(extra, fp);
		H_CHECK(fclose(fp) == 0, "write %s", cfg);
	}
	h_start_n(f, 3);

	H_CHECK(h_publish_issuer(f, 0, &is) == 1, "issuer seq");
	h_converge_n(f, 3, 1, 30000);
	cert_issue(&is, 7, &cert);

	/* (a) counts at every node: verifications and reports */
	verify_n(f, 0, &cert, 13, &b);
	verify_n(f, 1, &cert, 6, &b);
	verify_n(f, 2, &cert, 2, &b);
	report(f, 1, G_SE_V_VALID, 25, &b);
	report(f, 1, G_DK_T_EXPIRED, 4, &b);
	report(f, 2, G_DK_T_EXPIRED, 8, &b);
	report(f, 2, G_SE_R_REVOKED, 3, &b);
	/* The federation: 46 -> 50, 12 -> 10, 3 suppressed. */
	H_CHECK(expected(3, want) == 1 && want[G_SE_V_VALID] == 50
	        && want[G_DK_T_EXPIRED] == 10 && want[G_SE_R_REVOKED] == 0,
	    "the test's own arithmetic");
	for (size_t i = 0; i < 3; i++)
		stats_wait(f, i, true, 30000, &b);
	for (size_t i = 0; i < 3; i++)
		stats_wait(f, i, false, 1000, &b);
	/* node3's own groups are all below k: nothing released. */
	H_CHECK(expected(2, want) == 3, "node3 suppresses all three");

	/* No per-node breakdown: by=node and friends are refused, and no
	 * answer names a node. */
	{
		static const char *bad[] = { "/v1/stats?by=node",
			"/v1/stats?by=country,node", "/v1/stats?by=member",
			"/v1/stats?scope=node1", "/v1/stats?scope=all" };
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			st = raw_http(f->http[0], "GET", bad[k], "", "", &b);
			H_CHECK(st == 400
			        && strstr((const char *) b.ptr, "bad_request")
			            != NULL,
			    "%s: %d %s", bad[k], st, (const char *) b.ptr);
		}
		st = raw_http(f->http[1], "GET",
		    "/v1/stats?scope=federation&by=hour,country,type,outcome",
		    "", "", &b);
		H_CHECK(
		    st == 200 && strstr((const char *) b.ptr, "node") == NULL,
		    "federation answer names a node: %s",
		    (const char *) b.ptr);
	}

	/* CSV: the same rows. */
	st = raw_http(f->http[2], "GET",
	    "/v1/stats?scope=federation&by=country,type,outcome",
	    "Accept: text/csv\r\n", "", &b);
	H_CHECK(st == 200
	        && strcmp((const char *) b.ptr,
	               "country,type,outcome,count\r\n"
	               "DK,t,expired,10\r\n"
	               "SE,v,valid,50\r\n")
	            == 0,
	    "CSV: %d [%s]", st, (const char *) b.ptr);

	/* (b) node2 restarted keeps everything */
	h_stop(f, 1);
	h_start(f, 1);
	stats_wait(f, 1, false, 5000, &b);
	stats_wait(f, 1, true, 5000, &b);
	/* More counts after the restart still add up everywhere. */
	verify_n(f, 1, &cert, 3, &b); /* node2: 34 -> 30, fed 49 -> 50 */
	report(f, 0, G_SE_R_REVOKED, 9, &b); /* fed 12 -> 10 */
	for (size_t i = 0; i < 3; i++)
		stats_wait(f, i, true, 30000, &b);
	/* All stopped, node2 alone: both scopes from its store. */
	h_stop(f, 0);
	h_stop(f, 1);
	h_stop(f, 2);
	h_start(f, 1);
	stats_wait(f, 1, false, 5000, &b);
	stats_wait(f, 1, true, 5000, &b);
	h_stop(f, 1);

	h_issuer_free(&is);
	ig_buf_free(&b);
	ig_buf_free(&cert);
	h_teardown(f);
	printf("node_stats_test: ok\n");
	return 0;
}
