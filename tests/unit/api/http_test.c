/*
 * http_test.c - the public HTTP API and the admin listener, in process,
 * over a real registry: every route, every error path, and hostile input
 * (bad JSON, oversized and slow bodies, bad methods and targets, slow
 * and garbage-sending clients), after which the node must still serve.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http.h"
#include "api/routes.h"
#include "api/rpc.h"
#include "cli/trust.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/codec/kid.h"
#include "cli/hcert_issue.h"
#include "registry/registry.h"
#include "../registry/testkit.h"
#include "httpc.h"

static tk_fed fed;

static struct {
	char dir[64];
	ig_registry *reg;
	ig_api *api;
	ig_http *http;
	int port;
	/* our own SE PKI, with keys, to issue HCERTs */
	ig_privkey *ck, *dk;
	ig_x509 *csca, *dsc;
	ig_buf valid; /* an HC1 string that verifies */
	ig_buf revoked; /* one whose UCI is revoked */
	uint64_t seq[TK_MEMBERS];
	uint8_t prev[TK_MEMBERS][32];
	char tokfile[128], admin_tok[128], rep_tok[128];
	int hook_calls;
	/* what the root_expiry hook reports (test_root_expiry sets them) */
	bool expiry_set;
	int64_t expires_in_s;
	bool refuse;
} T;

static const char TOKEN[] = "admin-token-0123456789abcdef";
static const char REPORT_TOKEN[] = "report-token-0123456789abcdef";

/* Appends one entry of member `who` with the ops, signed and applied. */
static ig_err
publish(int who, const ig_entry_op *ops, size_t n, uint64_t *seq)
{
	ig_entry_info info;
	ig_buf b;
	ig_err e;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(who);
	info.seq = T.seq[who] + 1;
	memcpy(info.prev_hash, T.prev[who], 32);
	info.time_ms = (uint64_t) ig_time_now_ms();
	info.n_ops = n;
	info.ops = ops;
	tk_entry_make(&fed, who, &info, &b);
	e = ig_registry_apply(T.reg, ig_buf_slice(&b));
	if (e == IG_OK) {
		T.seq[who]++;
		tk_entry_hash(ig_buf_slice(&b), T.prev[who]);
		if (seq != NULL)
			*seq = T.seq[who];
	}
	ig_buf_free(&b);
	return e;
}

static void
issue(char type, uint64_t seed, ig_buf *out)
{
	int64_t now = ig_time_now();
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	ig_hcert_claims claims = { "SE", now - 3600, now + 86400 * 30 };
	ig_hcert_rng_seed(&rng, seed);
	ig_buf_init(out, IG_HCERT_TEXT_MAX);
	assert_int_equal(
	    ig_hcert_synth_dcc(type, "SE", now, &rng, &dcc), IG_OK);
	assert_int_equal(
	    ig_hcert_issue(dcc, &claims, T.dk, T.dsc, IG_ALG_ES256, out),
	    IG_OK);
	json_decref(dcc);
}

/* Hooks: two peers, one up; publish signs as "se" into the registry. */
static void
peers_each(void *ctx, ig_gossip_peer_fn fn, void *arg)
{
	ig_gossip_peer_info p;
	(void) ctx;
	memset(&p, 0, sizeof(p));
	p.id = tk_id(TK_DK);
	p.up = true;
	p.last_contact_ms = ig_time_now_ms();
	p.lag = 3;
	fn(arg, &p);
	p.id = tk_id(TK_GW);
	p.up = false;
	p.last_contact_ms = 0;
	p.misbehaviour = 2;
	fn(arg, &p);
}

static void
gossip_stats(void *ctx, ig_gossip_stats *out)
{
	(void) ctx;
	memset(out, 0, sizeof(*out));
	out->msgs_in = 5;
	out->bytes_in = 500;
}

static ig_err
hook_publish(void *ctx, const ig_entry_op *ops, size_t nops, uint64_t *seq,
    char *why, size_t why_len)
{
	ig_err e;
	(void) ctx;
	T.hook_calls++;
	e = publish(TK_SE, ops, nops, seq);
	if (e != IG_OK)
		snprintf(why, why_len, "registry refused: %s", ig_err_name(e));
	return e;
}

/* The node's expiry hook: the node computes it from the current root and
 * its on_root_expiry policy; here the test decides. */
static void
root_expiry(void *ctx, int64_t *expires_in_s, bool *refuse)
{
	(void) ctx;
	*expires_in_s = T.expiry_set ? T.expires_in_s : 86400 * 365;
	*refuse = T.expiry_set && T.refuse;
}

static void
write_secret(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(
	    write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int
group_setup(void **state)
{
	int64_t now = ig_time_now();
	ig_cert_spec cs = { "SE", "Test", "API CSCA", now - 86400,
		now + 86400 * 3650, true, 0, NULL, false };
	ig_cert_spec ds = { "SE", "Test", "API DSC", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_entry_op ops[2];
	ig_hcert *h;
	ig_revocation_hashes rh;
	ig_api_config cfg;
	ig_api_hooks hooks = { .peers_each = peers_each,
		.gossip_stats = gossip_stats,
		.publish = hook_publish,
		.root_expiry = root_expiry };
	(void) state;

	ig_log_set_level(IG_LOG_ERROR);
	tk_fed_init(&fed);
	tk_dir_make(T.dir);
	assert_int_equal(
	    ig_registry_open(T.dir, ig_buf_slice(&fed.signed_root), &T.reg),
	    IG_OK);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &T.ck), IG_OK);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &T.dk), IG_OK);
	assert_int_equal(ig_x509_issue(&cs, T.ck, NULL, T.ck, &T.csca), IG_OK);
	assert_int_equal(
	    ig_x509_issue(&ds, T.dk, T.csca, T.ck, &T.dsc), IG_OK);
	ops[0] = tk_op_csca_put("SE", T.csca);
	ops[1] = tk_op_dsc_put("SE", T.dsc);
	assert_int_equal(publish(TK_SE, ops, 2, NULL), IG_OK);
	ops[0] = tk_op_csca_put("DK", fed.csca_dk);
	ops[1] = tk_op_dsc_put("DK", fed.dsc_dk);
	assert_int_equal(publish(TK_DK, ops, 2, NULL), IG_OK);

	issue('v', 1, &T.valid);
	issue('t', 2, &T.revoked);
	h = ig_hcert_new();
	assert_int_equal(
	    ig_hcert_parse(h, (const char *) T.revoked.ptr, T.revoked.len),
	    IG_OK);
	assert_int_equal(ig_hcert_revocation_hashes(h, &rh), IG_OK);
	ig_hcert_free(h);
	assert_true(rh.has_uci);
	ops[0] = tk_op_rev_put(T.dsc, ig_slice_make(rh.uci, 16));
	assert_int_equal(publish(TK_SE, ops, 1, NULL), IG_OK);

	snprintf(T.rep_tok, sizeof(T.rep_tok), "%s/reporters", T.dir);
	write_secret(T.rep_tok,
	    "# reporters\napp1 report-token-0123456789abcdef\n", 0600);
	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 2;
	cfg.single_node = false;
	cfg.stats_k = 2;
	cfg.stats_rounding = 1;
	cfg.batch_max = 5;
	cfg.report_tokens_file = T.rep_tok;
	assert_int_equal(ig_api_new(T.reg, &cfg, &hooks, &T.api), IG_OK);
	assert_int_equal(
	    ig_http_start(T.api, "http://127.0.0.1:0", &T.http), IG_OK);
	T.port = ig_http_port(T.http);
	assert_true(T.port > 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_http_stop(T.http);
	ig_api_free(T.api);
	ig_registry_close(T.reg);
	tk_dir_remove(T.dir);
	ig_buf_free(&T.valid);
	ig_buf_free(&T.revoked);
	ig_x509_free(T.csca);
	ig_x509_free(T.dsc);
	ig_privkey_free(T.ck);
	ig_privkey_free(T.dk);
	tk_fed_free(&fed);
	return 0;
}

/* --- helpers ------------------------------------------------------------ */

static json_t *
get_json(const char *path, int want_status)
{
	hc_resp r;
	json_t *j;
	char ct[128];
	assert_int_equal(
	    hc_request(T.port, "GET", path, NULL, NULL, 0, NULL, &r), 0);
	if (r.status != want_status)
		fprintf(stderr, "GET %s: %d %s\n", path, r.status, r.body);
	assert_int_equal(r.status, want_status);
	assert_non_null(hc_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/json");
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	hc_resp_free(&r);
	return j;
}

static json_t *
post_json(const char *path, const char *ctype, const char *body, size_t n,
    const char *extra, int want_status)
{
	hc_resp r;
	json_t *j;
	assert_int_equal(
	    hc_request(T.port, "POST", path, ctype, body, n, extra, &r), 0);
	if (r.status != want_status)
		fprintf(stderr, "POST %s: %d %s\n", path, r.status, r.body);
	assert_int_equal(r.status, want_status);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	hc_resp_free(&r);
	return j;
}

static void
assert_error(json_t *j, const char *code)
{
	const char *c = json_string_value(
	    json_object_get(json_object_get(j, "error"), "code"));
	assert_non_null(c);
	assert_string_equal(c, code);
	assert_non_null(json_string_value(
	    json_object_get(json_object_get(j, "error"), "message")));
	json_decref(j);
}

/* Sends raw bytes on a new connection and returns the status (0 when
 * the server closed without answering). */
static int
raw_status(const char *bytes, size_t n, bool *closed_after)
{
	hc_resp r;
	int fd = hc_connect(T.port), st = 0;
	assert_true(fd >= 0);
	assert_int_equal(hc_send(fd, bytes, n), 0);
	if (hc_read(fd, &r, 5000) == 0) {
		st = r.status;
		hc_resp_free(&r);
	}
	if (closed_after != NULL)
		*closed_after = hc_closed(fd, 2000);
	close(fd);
	return st;
}

static void
still_serving(void)
{
	json_decref(get_json("/healthz", 200));
}

/* --- health, readiness, metrics, peers ----------------------------------- */

static void
test_healthz(void **state)
{
	hc_resp r;
	json_t *j;
	(void) state;
	j = get_json("/healthz", 200);
	assert_string_equal(
	    json_string_value(json_object_get(j, "status")), "ok");
	json_decref(j);
	/* HEAD: the headers of GET, no body. */
	assert_int_equal(
	    hc_request(T.port, "HEAD", "/healthz", NULL, NULL, 0, NULL, &r),
	    0);
	assert_int_equal(r.status, 200);
	hc_resp_free(&r);
}

static void
test_readyz(void **state)
{
	json_t *j;
	(void) state;
	j = get_json("/readyz", 200);
	assert_true(json_is_true(json_object_get(j, "store_open")));
	assert_true(json_is_true(json_object_get(j, "root_valid")));
	assert_true(json_is_true(json_object_get(j, "peer_reachable")));
	json_decref(j);
}

static void
test_peers(void **state)
{
	json_t *j, *p;
	(void) state;
	j = get_json("/v1/peers", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "up")), 1);
	p = json_array_get(json_object_get(j, "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "id")), "dk");
	assert_string_equal(
	    json_string_value(json_object_get(p, "state")), "up");
	assert_int_equal(json_integer_value(json_object_get(p, "lag")), 3);
	p = json_array_get(json_object_get(j, "peers"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(p, "state")), "unknown");
	assert_int_equal(
	    json_integer_value(json_object_get(p, "misbehaviour")), 2);
	json_decref(j);
}

static void
test_metrics(void **state)
{
	hc_resp r;
	char ct[128];
	(void) state;
	/* At least one verification first. */
	json_decref(post_json("/v1/verify", "text/plain",
	    (const char *) T.valid.ptr, T.valid.len, NULL, 200));
	assert_int_equal(
	    hc_request(T.port, "GET", "/metrics", NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(hc_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_non_null(strstr(ct, "text/plain"));
	assert_non_null(
	    strstr(r.body, "intyg_verifications_total{outcome=\"valid\"} "));
	assert_null(strstr(
	    r.body, "intyg_verifications_total{outcome=\"valid\"} 0\n"));
	assert_non_null(strstr(
	    r.body, "intyg_verify_duration_seconds_bucket{le=\"+Inf\"}"));
	assert_non_null(strstr(
	    r.body, "intyg_gossip_messages_total{direction=\"in\"} 5\n"));
	assert_non_null(strstr(
	    r.body, "intyg_gossip_bytes_total{direction=\"in\"} 500\n"));
	assert_non_null(strstr(r.body, "intyg_peers_up 1\n"));
	assert_non_null(strstr(r.body, "intyg_entries_applied_total"));
	assert_non_null(strstr(r.body, "intyg_root_serial 1\n"));
	hc_resp_free(&r);
}

/* --- verify ----------------------------------------------------------------
 */

static void
test_verify_text(void **state)
{
	json_t *j, *heads;
	(void) state;
	j = post_json("/v1/verify", "text/plain; charset=utf-8",
	    (const char *) T.valid.ptr, T.valid.len, NULL, 200);
	assert_true(json_is_true(json_object_get(j, "valid")));
	assert_string_equal(
	    json_string_value(json_object_get(j, "reason")), "valid");
	assert_string_equal(
	    json_string_value(json_object_get(j, "country")), "SE");
	assert_non_null(json_object_get(j, "steps"));
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(j, "root"), "serial")),
	    1);
	heads = json_object_get(j, "heads");
	assert_true(json_array_size(heads) >= 2);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(heads, 1), "origin")),
	    "se");
	json_decref(j);
}

/* Issue 6, point 4: health and every verification answer carry
 * root_expires_in; with on_root_expiry = refuse an expired root makes the
 * node refuse to verify and report not ready; with warn it answers. */
/* The seq the verdict's context lists for an origin (0 when absent). */
static json_int_t
context_seq(json_t *j, const char *origin)
{
	json_t *heads = json_object_get(j, "heads");
	for (size_t i = 0; i < json_array_size(heads); i++) {
		json_t *h = json_array_get(heads, i);
		if (strcmp(json_string_value(json_object_get(h, "origin")),
		        origin)
		    == 0)
			return json_integer_value(json_object_get(h, "seq"));
	}
	return 0;
}

/* The context a verdict carries is cached per slot for one registry
 * generation: an entry applied between two verifications shows in the
 * second, whichever slot answers it. */
static void
test_verify_context_fresh(void **state)
{
	json_t *j;
	json_int_t before;
	ig_entry_op op;
	uint64_t seq;
	(void) state;
	j = post_json("/v1/verify", "text/plain", (const char *) T.valid.ptr,
	    T.valid.len, NULL, 200);
	before = context_seq(j, "se");
	json_decref(j);
	assert_true(before >= 1);
	/* Every slot has built its cache by now (4 requests, 2 slots). */
	for (int i = 0; i < 4; i++)
		json_decref(post_json("/v1/verify", "text/plain",
		    (const char *) T.valid.ptr, T.valid.len, NULL, 200));
	op = tk_op_csca_put("SE", T.csca); /* a repeat: still an entry */
	assert_int_equal(publish(TK_SE, &op, 1, &seq), IG_OK);
	assert_int_equal((json_int_t) seq, before + 1);
	for (int i = 0; i < 4; i++) {
		j = post_json("/v1/verify", "text/plain",
		    (const char *) T.valid.ptr, T.valid.len, NULL, 200);
		assert_int_equal(context_seq(j, "se"), before + 1);
		assert_true(json_is_false(
		    json_object_get(json_object_get(j, "root"), "expired")));
		json_decref(j);
	}
}

/* A DSC published and then removed: verification follows the registry
 * at once, although the API keeps which DSCs a kid has between requests
 * (for one registry generation). */
static void
test_verify_dsc_removed(void **state)
{
	int64_t now = ig_time_now();
	ig_cert_spec ds = { "SE", "Test", "API DSC 2", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_privkey *k2;
	ig_x509 *d2;
	ig_entry_op op;
	ig_hcert_rng rng;
	ig_hcert_claims claims = { "SE", now - 3600, now + 86400 * 30 };
	json_t *dcc = NULL, *j;
	ig_buf text;
	(void) state;

	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k2), IG_OK);
	assert_int_equal(ig_x509_issue(&ds, k2, T.csca, T.ck, &d2), IG_OK);
	ig_hcert_rng_seed(&rng, 7);
	ig_buf_init(&text, IG_HCERT_TEXT_MAX);
	assert_int_equal(
	    ig_hcert_synth_dcc('v', "SE", now, &rng, &dcc), IG_OK);
	assert_int_equal(
	    ig_hcert_issue(dcc, &claims, k2, d2, IG_ALG_ES256, &text), IG_OK);

	/* Not published yet: unknown, several times (both slots). */
	for (int i = 0; i < 3; i++) {
		j = post_json("/v1/verify", "text/plain",
		    (const char *) text.ptr, text.len, NULL, 200);
		assert_true(json_is_false(json_object_get(j, "valid")));
		json_decref(j);
	}
	op = tk_op_dsc_put("SE", d2);
	assert_int_equal(publish(TK_SE, &op, 1, NULL), IG_OK);
	for (int i = 0; i < 3; i++) {
		j = post_json("/v1/verify", "text/plain",
		    (const char *) text.ptr, text.len, NULL, 200);
		assert_true(json_is_true(json_object_get(j, "valid")));
		json_decref(j);
	}
	op = tk_op_dsc_del(d2);
	assert_int_equal(publish(TK_SE, &op, 1, NULL), IG_OK);
	for (int i = 0; i < 3; i++) {
		j = post_json("/v1/verify", "text/plain",
		    (const char *) text.ptr, text.len, NULL, 200);
		assert_true(json_is_false(json_object_get(j, "valid")));
		json_decref(j);
	}
	json_decref(dcc);
	ig_buf_free(&text);
	ig_x509_free(d2);
	ig_privkey_free(k2);
}

static void
test_root_expiry(void **state)
{
	json_t *j;
	(void) state;
	T.expiry_set = true;
	T.expires_in_s = -120;
	T.refuse = false; /* warn */
	j = post_json("/v1/verify", "text/plain", (const char *) T.valid.ptr,
	    T.valid.len, NULL, 200);
	assert_true(json_is_true(json_object_get(j, "valid")));
	assert_int_equal(
	    json_integer_value(json_object_get(j, "root_expires_in")), -120);
	json_decref(j);
	j = get_json("/readyz", 200);
	json_decref(j);
	j = get_json("/healthz", 200);
	assert_int_equal(
	    json_integer_value(json_object_get(j, "root_expires_in")), -120);
	json_decref(j);

	T.refuse = true; /* refuse */
	j = post_json("/v1/verify", "text/plain", (const char *) T.valid.ptr,
	    T.valid.len, NULL, 503);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(j, "error"), "code")),
	    "root_expired");
	json_decref(j);
	j = get_json("/readyz", 503);
	assert_false(json_is_true(json_object_get(j, "root_valid")));
	json_decref(j);

	T.expiry_set = false;
	j = get_json("/readyz", 200);
	json_decref(j);
}

static void
test_verify_json(void **state)
{
	json_t *req, *j;
	char *s;
	(void) state;
	/* A validation clock far ahead: expired. */
	req = json_pack("{s:s%,s:s}", "hcert", (const char *) T.valid.ptr,
	    T.valid.len, "at", "2099-01-01T00:00:00Z");
	s = json_dumps(req, JSON_COMPACT);
	j = post_json(
	    "/v1/verify", "application/json", s, strlen(s), NULL, 200);
	assert_false(json_is_true(json_object_get(j, "valid")));
	assert_string_equal(
	    json_string_value(json_object_get(j, "reason")), "expired");
	json_decref(j);
	free(s);
	json_decref(req);
	/* The revoked certificate. */
	req = json_pack(
	    "{s:s%}", "hcert", (const char *) T.revoked.ptr, T.revoked.len);
	s = json_dumps(req, JSON_COMPACT);
	j = post_json(
	    "/v1/verify", "application/json", s, strlen(s), NULL, 200);
	assert_string_equal(
	    json_string_value(json_object_get(j, "reason")), "revoked");
	json_decref(j);
	free(s);
	json_decref(req);
	/* Garbage is a verdict, not an error. */
	j = post_json("/v1/verify", "text/plain", "HC2:xyz", 7, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    "malformed_prefix");
	json_decref(j);
}

static void
test_verify_errors(void **state)
{
	static const char big[] = "HC1:";
	char *huge;
	(void) state;
	assert_error(
	    post_json("/v1/verify", "application/xml", "<a/>", 4, NULL, 415),
	    "unsupported_media_type");
	assert_error(post_json("/v1/verify", NULL, big, 4, NULL, 415),
	    "unsupported_media_type");
	assert_error(post_json("/v1/verify", "application/json",
	                 "{\"hcert\":", 9, NULL, 400),
	    "bad_json");
	assert_error(post_json("/v1/verify", "application/json",
	                 "{\"hcert\":1}", 11, NULL, 400),
	    "bad_request");
	assert_error(post_json("/v1/verify", "application/json",
	                 "{\"hcert\":\"HC1:\",\"x\":1}", 22, NULL, 400),
	    "bad_request");
	assert_error(
	    post_json("/v1/verify", "application/json",
	        "{\"hcert\":\"HC1:\",\"at\":\"soon\"}", 28, NULL, 400),
	    "bad_request");
	assert_error(
	    post_json("/v1/verify", "application/json", "[]", 2, NULL, 400),
	    "bad_request");
	assert_error(post_json("/v1/verify", "application/json",
	                 "{\"a\":1,\"a\":2}", 13, NULL, 400),
	    "bad_json");
	/* A body over the route's limit: 413, without reading it. */
	huge = malloc(IG_HTTP_VERIFY_BODY_MAX + 1);
	memset(huge, 'A', IG_HTTP_VERIFY_BODY_MAX + 1);
	assert_error(post_json("/v1/verify", "text/plain", huge,
	                 IG_HTTP_VERIFY_BODY_MAX + 1, NULL, 413),
	    "body_too_large");
	free(huge);
	/* Wrong method, unknown path. */
	assert_error(get_json("/v1/verify", 405), "method_not_allowed");
	assert_error(get_json("/v1/nothing", 404), "not_found");
	assert_error(get_json("/", 404), "not_found");
	still_serving();
}

static void
test_verify_batch(void **state)
{
	json_t *req, *j, *res;
	char *s;
	(void) state;
	req = json_pack("[s%,{s:s%},s,{s:s%,s:s}]", (const char *) T.valid.ptr,
	    T.valid.len, "hcert", (const char *) T.revoked.ptr, T.revoked.len,
	    "nonsense", "hcert", (const char *) T.valid.ptr, T.valid.len, "at",
	    "2000-01-01");
	s = json_dumps(req, JSON_COMPACT);
	j = post_json(
	    "/v1/verify/batch", "application/json", s, strlen(s), NULL, 200);
	res = json_object_get(j, "results");
	assert_int_equal(json_array_size(res), 4);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(res, 0), "reason")),
	    "valid");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(res, 1), "reason")),
	    "revoked");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(res, 2), "reason")),
	    "malformed_prefix");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(res, 3), "reason")),
	    "not_yet_valid");
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(j, "root"), "serial")),
	    1);
	assert_true(json_is_array(json_object_get(j, "heads")));
	json_decref(j);
	free(s);
	json_decref(req);

	assert_error(post_json("/v1/verify/batch", "application/json", "[]", 2,
	                 NULL, 400),
	    "bad_request");
	assert_error(
	    post_json("/v1/verify/batch", "application/json",
	        "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]", 25, NULL, 413),
	    "batch_too_large");
	assert_error(post_json("/v1/verify/batch", "application/json",
	                 "[\"a\",2]", 7, NULL, 400),
	    "bad_request");
	assert_error(post_json("/v1/verify/batch", "application/json",
	                 "{\"hcert\":\"a\"}", 13, NULL, 400),
	    "bad_request");
	assert_error(
	    post_json("/v1/verify/batch", "text/plain", "HC1:", 4, NULL, 415),
	    "unsupported_media_type");
}

/* --- registry routes -------------------------------------------------------
 */

static void
kid_url(const ig_x509 *x, char *out, size_t len)
{
	uint8_t kid[8];
	ig_buf b;
	ig_x509_kid(x, kid);
	ig_buf_init(&b, 32);
	assert_int_equal(
	    ig_base64_encode(ig_slice_make(kid, 8), true, &b), IG_OK);
	assert_true(b.len < len);
	memcpy(out, b.ptr, b.len);
	out[b.len] = '\0';
	ig_buf_free(&b);
}

static void
test_issuers(void **state)
{
	json_t *j, *a;
	(void) state;
	j = get_json("/v1/issuers", 200);
	a = json_object_get(j, "issuers");
	assert_int_equal(json_array_size(a), 2);
	json_decref(j);
	j = get_json("/v1/issuers?country=SE", 200);
	a = json_object_get(j, "issuers");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(a, 0), "country")),
	    "SE");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(a, 0), "origin")),
	    "se");
	assert_true(json_is_string(
	    json_object_get(json_array_get(a, 0), "published")));
	json_decref(j);
	j = get_json("/v1/issuers?country=FI", 200);
	assert_int_equal(json_array_size(json_object_get(j, "issuers")), 0);
	json_decref(j);
	assert_error(get_json("/v1/issuers?country=se", 400), "bad_request");
	assert_error(get_json("/v1/issuers?country=SWE", 400), "bad_request");
}

/* Restarts DK's log (the rollback of a log end, a fork, a heal: every
 * entry and what it wrote withdrawn) and appends one entry with ops. */
static void
dk_rewrite(const ig_entry_op *ops, size_t n)
{
	assert_int_equal(ig_registry_log_heal(T.reg, tk_id(TK_DK), 0), IG_OK);
	T.seq[TK_DK] = 0;
	memset(T.prev[TK_DK], 0, 32);
	assert_int_equal(publish(TK_DK, ops, n, NULL), IG_OK);
}

static void
test_issuers_rewritten_log(void **state)
{
	/* DK's log is rolled back and rewritten with another DSC at the
	 * same seq: the listing shows what the registry holds now, with
	 * the new entry's time, also after an earlier listing read the old
	 * log. */
	int64_t now = ig_time_now();
	ig_cert_spec ds = { "DK", "Test", "API DSC DK 2", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_privkey *k = NULL;
	ig_x509 *x = NULL;
	ig_entry_op ops[2];
	uint8_t tp[32];
	char hex[65];
	json_t *j, *a;
	(void) state;

	j = get_json("/v1/issuers?country=DK", 200);
	assert_int_equal(json_array_size(json_object_get(j, "issuers")), 1);
	json_decref(j);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k), IG_OK);
	assert_int_equal(ig_x509_issue(&ds, k, T.csca, T.ck, &x), IG_OK);
	ops[0] = tk_op_dsc_put("DK", x);
	dk_rewrite(ops, 1);

	j = get_json("/v1/issuers?country=DK", 200);
	a = json_object_get(j, "issuers");
	assert_int_equal(json_array_size(a), 1);
	ig_x509_thumbprint(x, tp);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", tp[i]);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(a, 0), "thumbprint")),
	    hex);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(a, 0), "seq")),
	    1);
	assert_true(json_is_string(
	    json_object_get(json_array_get(a, 0), "published")));
	json_decref(j);

	/* DK's log as the group setup wrote it */
	ops[0] = tk_op_csca_put("DK", fed.csca_dk);
	ops[1] = tk_op_dsc_put("DK", fed.dsc_dk);
	dk_rewrite(ops, 2);
	j = get_json("/v1/issuers", 200);
	assert_int_equal(json_array_size(json_object_get(j, "issuers")), 2);
	json_decref(j);
	ig_x509_free(x);
	ig_privkey_free(k);
}

static void
test_issuer_by_kid(void **state)
{
	char kid[32], path[128];
	json_t *j;
	(void) state;
	kid_url(T.dsc, kid, sizeof(kid));
	snprintf(path, sizeof(path), "/v1/issuers/%s", kid);
	j = get_json(path, 200);
	{
		/* The kid is echoed in the one canonical form (kid.h). */
		uint8_t kb[8];
		char canon[IG_KID_TEXT_LEN + 1];
		ig_x509_kid(T.dsc, kb);
		ig_kid_format(kb, canon);
		assert_string_equal(
		    json_string_value(json_object_get(j, "kid")), canon);
	}
	assert_int_equal(json_array_size(json_object_get(j, "issuers")), 1);
	json_decref(j);
	assert_error(get_json("/v1/issuers/AAAAAAAAAAA", 404), "not_found");
	assert_error(get_json("/v1/issuers/short", 400), "bad_kid");
	assert_error(get_json("/v1/issuers/%zz", 400), "bad_request");
	/* A kid segment may hold a raw '/' (standard Base64): "a/b" is a
	 * malformed kid, not another route. */
	assert_error(get_json("/v1/issuers/a/b", 400), "bad_kid");
}

static void
test_revocations(void **state)
{
	char kid[32], path[256], hex[33];
	ig_hcert *h = ig_hcert_new();
	ig_revocation_hashes rh;
	json_t *j;
	(void) state;
	assert_int_equal(
	    ig_hcert_parse(h, (const char *) T.revoked.ptr, T.revoked.len),
	    IG_OK);
	assert_int_equal(ig_hcert_revocation_hashes(h, &rh), IG_OK);
	ig_hcert_free(h);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", rh.uci[i]);
	kid_url(T.dsc, kid, sizeof(kid));

	snprintf(path, sizeof(path), "/v1/revocations/%s?hash=%s", kid, hex);
	j = get_json(path, 200);
	assert_true(json_is_true(json_object_get(j, "revoked")));
	assert_true(json_is_true(json_object_get(j, "kid_known")));
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(j, "matches"), 0), "type")),
	    "UCI");
	json_decref(j);
	snprintf(path, sizeof(path),
	    "/v1/revocations/%s?type=SIGNATURE&hash=%s", kid, hex);
	j = get_json(path, 200);
	assert_false(json_is_true(json_object_get(j, "revoked")));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/revocations/%s", kid);
	assert_error(get_json(path, 400), "bad_hash");
	snprintf(
	    path, sizeof(path), "/v1/revocations/%s?type=X&hash=%s", kid, hex);
	assert_error(get_json(path, 400), "bad_type");
	snprintf(path, sizeof(path), "/v1/revocations/%s?hash=00", kid);
	assert_error(get_json(path, 400), "bad_hash");
	assert_error(get_json("/v1/revocations/!!?hash=00", 400), "bad_kid");
}

static void
test_trustlist(void **state)
{
	hc_resp r;
	json_t *j, *it;
	char path[128];
	FILE *f;
	ig_trustset *ts;
	size_t added = 0, skipped = 0, ndsc = 0;
	char why[256];
	(void) state;
	assert_int_equal(hc_request(T.port, "GET", "/v1/trustlist", NULL, NULL,
	                     0, NULL, &r),
	    0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	assert_true(json_is_array(j));
	/* Two DSCs and two CSCAs. */
	assert_int_equal(json_array_size(j), 4);
	for (size_t i = 0; i < json_array_size(j); i++) {
		it = json_array_get(j, i);
		assert_true(json_is_string(json_object_get(it, "kid")));
		assert_int_equal(
		    strlen(json_string_value(json_object_get(it, "kid"))), 12);
		assert_true(json_is_string(json_object_get(it, "country")));
		assert_int_equal(strlen(json_string_value(
		                     json_object_get(it, "thumbprint"))),
		    64);
		assert_true(json_is_string(json_object_get(it, "timestamp")));
		assert_true(json_is_string(json_object_get(it, "rawData")));
		ndsc += strcmp(json_string_value(
		                   json_object_get(it, "certificateType")),
		            "DSC")
		    == 0;
	}
	assert_int_equal(ndsc, 2);
	json_decref(j);
	/* The list is a trust file for `intyg verify --trust`. */
	snprintf(path, sizeof(path), "%s/trustlist.json", T.dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(r.body, 1, r.body_len, f), r.body_len);
	fclose(f);
	hc_resp_free(&r);
	ts = ig_trustset_new();
	assert_int_equal(ig_trustset_load_file(
	                     ts, path, &added, &skipped, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(added, 2);
	assert_int_equal(skipped, 0);
	ig_trustset_free(ts);

	j = get_json("/v1/trustlist?type=CSCA&country=DK", 200);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	j = get_json("/v1/trustlist?type=DSC", 200);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	assert_error(
	    get_json("/v1/trustlist?type=UPLOAD", 400), "bad_request");
}

static void
test_federation(void **state)
{
	json_t *j, *root;
	(void) state;
	j = get_json("/v1/federation", 200);
	root = json_object_get(j, "root");
	assert_int_equal(
	    json_integer_value(json_object_get(root, "serial")), 1);
	assert_false(json_is_true(json_object_get(root, "expired")));
	assert_int_equal(
	    json_integer_value(json_object_get(root, "threshold")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "members")), 4);
	assert_true(json_array_size(json_object_get(j, "heads")) >= 2);
	assert_int_equal(json_array_size(json_object_get(j, "evidence")), 0);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(j, "members"), 0), "id")),
	    "se");
	json_decref(j);
}

/* --- statistics ------------------------------------------------------------
 */

static void
test_stats(void **state)
{
	json_t *j, *cells;
	hc_resp r;
	bool found = false;
	(void) state;
	for (int i = 0; i < 3; i++)
		json_decref(post_json("/v1/verify", "text/plain",
		    (const char *) T.valid.ptr, T.valid.len, NULL, 200));
	j = get_json("/v1/stats?by=country,type,outcome&scope=node", 200);
	cells = json_object_get(j, "cells");
	for (size_t i = 0; i < json_array_size(cells); i++) {
		json_t *c = json_array_get(cells, i);
		if (strcmp(json_string_value(json_object_get(c, "outcome")),
		        "valid")
		        == 0
		    && strcmp(
		           json_string_value(json_object_get(c, "type")), "v")
		        == 0) {
			assert_string_equal(
			    json_string_value(json_object_get(c, "country")),
			    "SE");
			assert_true(
			    json_integer_value(json_object_get(c, "count"))
			    >= 3);
			found = true;
		}
	}
	assert_true(found);
	assert_string_equal(
	    json_string_value(json_object_get(j, "scope")), "node");
	json_decref(j);
	/* CSV on request. */
	assert_int_equal(hc_request(T.port, "GET", "/v1/stats?by=outcome",
	                     NULL, NULL, 0, "Accept: text/csv\r\n", &r),
	    0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "outcome,count\r\n"));
	assert_non_null(strstr(r.body, "valid,"));
	hc_resp_free(&r);
	assert_error(get_json("/v1/stats?by=node", 400), "bad_request");
	assert_error(
	    get_json("/v1/stats?by=country,country", 400), "bad_request");
	assert_error(get_json("/v1/stats?scope=peer", 400), "bad_request");
	assert_error(get_json("/v1/stats?from=yesterday", 400), "bad_request");
	assert_error(get_json("/v1/stats?from=2020-01-01&to=2019-01-01", 400),
	    "bad_request");
	assert_error(get_json("/v1/stats?from=1990-01-01&to=2020-01-01", 400),
	    "bad_request");
}

static void
test_stats_report(void **state)
{
	char body[512], hour[32], auth[128];
	json_t *j, *cells;
	bool found = false;
	(void) state;
	assert_int_equal(
	    ig_isotime_format(ig_time_now(), hour, sizeof(hour)), IG_OK);
	snprintf(body, sizeof(body),
	    "{\"cells\":[{\"hour\":\"%s\",\"country\":\"FI\",\"type\":\"r\","
	    "\"outcome\":\"valid\",\"count\":40}]}",
	    hour);
	snprintf(
	    auth, sizeof(auth), "Authorization: Bearer %s\r\n", REPORT_TOKEN);
	assert_error(post_json("/v1/stats/report", "application/json", body,
	                 strlen(body), NULL, 401),
	    "unauthorized");
	assert_error(
	    post_json("/v1/stats/report", "application/json", body,
	        strlen(body), "Authorization: Bearer wrong-token\r\n", 401),
	    "unauthorized");
	assert_error(post_json("/v1/stats/report", "text/plain", body,
	                 strlen(body), auth, 415),
	    "unsupported_media_type");
	assert_error(post_json("/v1/stats/report", "application/json",
	                 "{\"cells\":[{\"hour\":\"2001-01-01T00:00:00Z\","
	                 "\"country\":\"FI\",\"type\":\"r\",\"outcome\":"
	                 "\"valid\",\"count\":1}]}",
	                 97, auth, 400),
	    "bad_request");
	assert_error(post_json("/v1/stats/report", "application/json",
	                 "{\"cells\":[]}", 12, auth, 400),
	    "bad_request");
	j = post_json("/v1/stats/report", "application/json", body,
	    strlen(body), auth, 200);
	assert_int_equal(
	    json_integer_value(json_object_get(j, "accepted")), 1);
	json_decref(j);
	j = get_json("/v1/stats?by=country", 200);
	cells = json_object_get(j, "cells");
	for (size_t i = 0; i < json_array_size(cells); i++) {
		json_t *c = json_array_get(cells, i);
		if (json_is_string(json_object_get(c, "country"))
		    && strcmp(json_string_value(json_object_get(c, "country")),
		           "FI")
		        == 0) {
			assert_int_equal(
			    json_integer_value(json_object_get(c, "count")),
			    40);
			found = true;
		}
	}
	assert_true(found);
	json_decref(j);
}

/* --- hostile input
 * ------------------------------------------------------------ */

static void
test_hostile_targets(void **state)
{
	char *longpath;
	bool closed;
	(void) state;
	assert_error(get_json("/v1/issuers?country=%0a", 400), "bad_request");
	assert_error(get_json("/v1/issuers?co$ntry=SE", 400), "bad_request");
	assert_error(
	    get_json("/v1/issuers?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&"
	             "j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17",
	        400),
	    "bad_request");
	assert_error(get_json("/v1/%2e%2e/etc/passwd", 404), "not_found");
	assert_error(get_json("/v1/issuers/..%2f..%2fetc", 400), "bad_kid");
	longpath = malloc(IG_HTTP_URI_MAX + 64);
	memcpy(longpath, "/v1/issuers?country=", 20);
	memset(longpath + 20, 'A', IG_HTTP_URI_MAX);
	longpath[IG_HTTP_URI_MAX + 20] = '\0';
	assert_error(get_json(longpath, 414), "bad_request");
	free(longpath);
	/* A POST without Content-Length, a chunked one. */
	assert_int_equal(raw_status("POST /v1/verify HTTP/1.1\r\nHost: x\r\n"
	                            "Content-Type: text/plain\r\n\r\n",
	                     63, &closed),
	    411);
	assert_true(closed);
	assert_int_equal(
	    raw_status(
	        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:"
	        " chunked\r\nContent-Type: text/plain\r\n\r\n4\r\nHC1:"
	        "\r\n0\r\n\r\n",
	        105, &closed),
	    411);
	assert_true(closed);
	/* Bad Content-Length, a body on GET, other methods. */
	assert_int_equal(raw_status("POST /v1/verify HTTP/1.1\r\nHost: x\r\n"
	                            "Content-Length: -1\r\n\r\n",
	                     57, &closed),
	    400);
	assert_int_equal(raw_status("GET /healthz HTTP/1.1\r\nHost: x\r\n"
	                            "Content-Length: 3\r\n\r\nabc",
	                     56, &closed),
	    413);
	assert_true(closed);
	assert_int_equal(
	    raw_status("DELETE /v1/issuers HTTP/1.1\r\nHost: x\r\n"
	               "\r\n",
	        40, NULL),
	    405);
	assert_int_equal(
	    raw_status("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35, NULL),
	    405);
	/* Not HTTP at all. */
	raw_status(
	    "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n", 22,
	    NULL);
	raw_status("GET\r\n\r\n", 7, NULL);
	still_serving();
}

static void
test_hostile_clients(void **state)
{
	int slow[8], fd;
	hc_resp r;
	char req[256];
	int n;
	(void) state;
	/* Slow clients: half a header, and a header with half its body. */
	for (int i = 0; i < 4; i++) {
		slow[i] = hc_connect(T.port);
		assert_int_equal(
		    hc_send(slow[i], "GET /healthz HTTP/1.1\r\nHo", 25), 0);
	}
	for (int i = 4; i < 8; i++) {
		slow[i] = hc_connect(T.port);
		n = snprintf(req, sizeof(req),
		    "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
		    "text/plain\r\nContent-Length: 500\r\n\r\nHC1:");
		assert_int_equal(hc_send(slow[i], req, (size_t) n), 0);
	}
	/* Everyone else is served meanwhile. */
	for (int i = 0; i < 20; i++)
		still_serving();
	json_decref(post_json("/v1/verify", "text/plain",
	    (const char *) T.valid.ptr, T.valid.len, NULL, 200));
	/* Keep-alive with pipelining: three requests in one write. */
	fd = hc_connect(T.port);
	n = snprintf(req, sizeof(req),
	    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(hc_send(fd, req, (size_t) n), 0);
	assert_int_equal(hc_read(fd, &r, 5000), 0);
	assert_int_equal(r.status, 200);
	hc_resp_free(&r);
	assert_int_equal(hc_read(fd, &r, 5000), 0);
	assert_int_equal(r.status, 404);
	hc_resp_free(&r);
	/* The 404 closed the connection (its body was never in doubt, but
	 * every refusal closes). */
	close(fd);
	for (int i = 0; i < 8; i++)
		close(slow[i]);
	still_serving();
}

static void
test_keepalive(void **state)
{
	int fd = hc_connect(T.port);
	hc_resp r;
	char req[IG_HCERT_TEXT_MAX + 256];
	int n;
	(void) state;
	for (int i = 0; i < 50; i++) {
		n = snprintf(req, sizeof(req),
		    "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
		    "text/plain\r\nContent-Length: %zu\r\n\r\n%.*s",
		    T.valid.len, (int) T.valid.len,
		    (const char *) T.valid.ptr);
		assert_int_equal(hc_send(fd, req, (size_t) n), 0);
		assert_int_equal(hc_read(fd, &r, 5000), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body, "\"valid\":true"));
		hc_resp_free(&r);
	}
	close(fd);
}

/* --- concurrency: slots, inline jobs and worker jobs ------------------- */

/* One keep-alive client: verifies the valid and the revoked HCERT in
 * turn, with a batch (a worker job) every 10th request and a GET every
 * 25th; counts the answers that are not what they must be. */
typedef struct load_client {
	int port;
	int rounds;
	bool tolerate; /* the listener is stopped under it */
	int wrong;
	int answered;
} load_client;

static int
load_one(int fd, const char *method, const char *path, const char *ctype,
    const char *body, size_t n, hc_resp *r)
{
	char req[3 * IG_HCERT_TEXT_MAX];
	int k = snprintf(req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n%.*s",
	    method, path, ctype, n, (int) n, body);
	if (k <= 0 || (size_t) k >= sizeof(req)
	    || hc_send(fd, req, (size_t) k) != 0)
		return -1;
	return hc_read(fd, r, 10000);
}

static void *
load_main(void *arg)
{
	load_client *c = arg;
	int fd = hc_connect(c->port);
	char batch[3 * IG_HCERT_TEXT_MAX];
	int bn = snprintf(batch, sizeof(batch), "[\"%.*s\",\"%.*s\"]",
	    (int) T.valid.len, (const char *) T.valid.ptr, (int) T.revoked.len,
	    (const char *) T.revoked.ptr);
	for (int i = 0; i < c->rounds && fd >= 0; i++) {
		hc_resp r;
		const char *want;
		int rc;
		if (i % 25 == 24) {
			rc = load_one(
			    fd, "GET", "/v1/issuers", "text/plain", "", 0, &r);
			want = "\"issuers\"";
		} else if (i % 10 == 9) {
			rc = load_one(fd, "POST", "/v1/verify/batch",
			    "application/json", batch, (size_t) bn, &r);
			want = "\"reason\":\"revoked\"";
		} else if (i % 2 == 0) {
			rc = load_one(fd, "POST", "/v1/verify", "text/plain",
			    (const char *) T.valid.ptr, T.valid.len, &r);
			want = "\"valid\":true";
		} else {
			rc = load_one(fd, "POST", "/v1/verify", "text/plain",
			    (const char *) T.revoked.ptr, T.revoked.len, &r);
			want = "\"reason\":\"revoked\"";
		}
		if (rc != 0) {
			if (!c->tolerate)
				c->wrong++;
			break;
		}
		c->answered++;
		if (r.status == 503 && c->tolerate)
			;
		else if (r.status != 200 || strstr(r.body, want) == NULL) {
			fprintf(stderr, "request %d: %d %.200s\n", i, r.status,
			    r.body);
			c->wrong++;
		}
		hc_resp_free(&r);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Eight clients at once on a service of two slots: every answer is
 * right, the verifications ran inline on nng's threads and the batches
 * on the worker threads, and never more than two jobs ran at once. */
static void
test_concurrent(void **state)
{
	enum { N = 8 };
	pthread_t th[N];
	load_client c[N];
	uint64_t inl, queued;
	size_t peak;
	(void) state;

	nng_mtx_lock(T.api->mtx);
	inl = T.api->ran_inline;
	queued = T.api->ran_queued;
	T.api->slots_peak = 0;
	nng_mtx_unlock(T.api->mtx);
	for (int i = 0; i < N; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].port = T.port;
		c[i].rounds = 100;
		assert_int_equal(
		    pthread_create(&th[i], NULL, load_main, &c[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(c[i].wrong, 0);
		assert_int_equal(c[i].answered, 100);
	}
	nng_mtx_lock(T.api->mtx);
	inl = T.api->ran_inline - inl;
	queued = T.api->ran_queued - queued;
	peak = T.api->slots_peak;
	nng_mtx_unlock(T.api->mtx);
	/* 8 x 100 requests: 8 x 10 batches, 8 x 4 GETs, the rest verify. */
	assert_true(inl > 0);
	assert_true(queued >= 8 * 14);
	assert_int_equal(inl + queued, 8 * 100);
	assert_true(peak >= 1 && peak <= 2);
	still_serving();
}

/* A listener stopped while clients keep sending: every request is
 * answered or its connection closed, and the stop neither hangs nor
 * leaves a job behind (ASan and LSan watch the rest). */
static void
test_stop_under_load(void **state)
{
	enum { N = 6 };
	pthread_t th[N];
	load_client c[N];
	ig_http *h;
	(void) state;

	assert_int_equal(
	    ig_http_start(T.api, "http://127.0.0.1:0", &h), IG_OK);
	for (int i = 0; i < N; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].port = ig_http_port(h);
		c[i].rounds = 100000;
		c[i].tolerate = true;
		assert_int_equal(
		    pthread_create(&th[i], NULL, load_main, &c[i]), 0);
	}
	usleep(300 * 1000);
	ig_http_stop(h);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(c[i].wrong, 0);
		assert_true(c[i].answered > 0);
		assert_true(c[i].answered < 100000);
	}
	still_serving();
}

/* --- stopping the service while jobs wait for a slot ------------------ */

static struct {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int entered; /* blocking jobs running */
	int release; /* blocking jobs allowed to end */
	int ran; /* jobs that ran */
} B = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };

static void
block_run(ig_api_job *job, ig_api_worker *w)
{
	(void) w;
	pthread_mutex_lock(&B.m);
	B.entered++;
	pthread_cond_broadcast(&B.cv);
	while (B.release == 0)
		pthread_cond_wait(&B.cv, &B.m);
	B.release--;
	B.ran++;
	pthread_cond_broadcast(&B.cv);
	pthread_mutex_unlock(&B.m);
	free(job);
}

static void
quick_run(ig_api_job *job, ig_api_worker *w)
{
	(void) w;
	pthread_mutex_lock(&B.m);
	B.ran++;
	pthread_cond_broadcast(&B.cv);
	pthread_mutex_unlock(&B.m);
	free(job);
}

static ig_api_job *
job_new(void (*run)(ig_api_job *, ig_api_worker *), bool inline_ok)
{
	ig_api_job *j = calloc(1, sizeof(*j));
	assert_non_null(j);
	j->run = run;
	j->inline_ok = inline_ok;
	return j;
}

static void *
run_inline_blocking(void *arg)
{
	assert_int_equal(ig_api_run(arg, job_new(block_run, true)), IG_OK);
	return NULL;
}

static void *
quiesce_main(void *arg)
{
	ig_api_quiesce(arg);
	return arg;
}

/* Both slots held by inline jobs on other threads, two worker jobs
 * queued, then the service is stopped and the slots come back one at a
 * time: the queued jobs run and every worker thread ends (a worker that
 * had gone back to sleep waiting for a slot was left waiting for ever,
 * and the stop with it). */
static void
test_quiesce_with_queued_jobs(void **state)
{
	ig_api_config cfg;
	ig_api *api;
	pthread_t a, b, q;
	struct timespec until;
	bool done;
	(void) state;

	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 2;
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &api), IG_OK);
	B.entered = B.ran = B.release = 0;
	assert_int_equal(
	    pthread_create(&a, NULL, run_inline_blocking, api), 0);
	assert_int_equal(
	    pthread_create(&b, NULL, run_inline_blocking, api), 0);
	pthread_mutex_lock(&B.m);
	while (B.entered < 2)
		pthread_cond_wait(&B.cv, &B.m);
	pthread_mutex_unlock(&B.m);
	/* No slot is free: these wait in the queue. */
	assert_int_equal(ig_api_run(api, job_new(quick_run, false)), IG_OK);
	assert_int_equal(ig_api_run(api, job_new(quick_run, false)), IG_OK);
	assert_int_equal(pthread_create(&q, NULL, quiesce_main, api), 0);
	usleep(100 * 1000); /* the stop wakes the workers: no slot yet */
	/* One slot comes back: a worker runs both queued jobs and ends. */
	pthread_mutex_lock(&B.m);
	B.release = 1;
	pthread_cond_broadcast(&B.cv);
	while (B.ran < 3)
		pthread_cond_wait(&B.cv, &B.m);
	pthread_mutex_unlock(&B.m);
	usleep(100 * 1000);
	/* The other slot comes back with nothing queued: the other
	 * worker, asleep waiting for a slot, must end too. */
	pthread_mutex_lock(&B.m);
	B.release = 1;
	pthread_cond_broadcast(&B.cv);
	pthread_mutex_unlock(&B.m);
	assert_int_equal(pthread_join(a, NULL), 0);
	assert_int_equal(pthread_join(b, NULL), 0);
	/* The stop must end within seconds. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	done = pthread_timedjoin_np(q, NULL, &until) == 0;
	assert_true(done);
	assert_int_equal(B.ran, 4);
	ig_api_free(api);
}

/* --- rate limit
 * ---------------------------------------------------------------- */

static void
test_rate_limit(void **state)
{
	ig_api *api;
	ig_http *h;
	ig_api_config cfg;
	hc_resp r;
	int fd, port, limited = 0;
	char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	(void) state;
	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 1;
	cfg.rate_per_s = 1;
	cfg.rate_burst = 3;
	/* Loopback is exempt by default... */
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &api), IG_OK);
	assert_int_equal(ig_http_start(api, "http://127.0.0.1:0", &h), IG_OK);
	port = ig_http_port(h);
	fd = hc_connect(port);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(hc_send(fd, req, strlen(req)), 0);
		assert_int_equal(hc_read(fd, &r, 5000), 0);
		assert_int_equal(r.status, 200);
		hc_resp_free(&r);
	}
	close(fd);
	ig_http_stop(h);
	ig_api_free(api);
	/* ...unless asked. */
	cfg.rate_loopback = true;
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &api), IG_OK);
	assert_int_equal(ig_http_start(api, "http://127.0.0.1:0", &h), IG_OK);
	port = ig_http_port(h);
	fd = hc_connect(port);
	for (int i = 0; i < 10; i++) {
		if (hc_send(fd, req, strlen(req)) != 0
		    || hc_read(fd, &r, 5000) != 0)
			break;
		if (r.status == 429) {
			char ra[16];
			assert_non_null(
			    hc_header(&r, "Retry-After", ra, sizeof(ra)));
			limited++;
			hc_resp_free(&r);
			break;
		}
		hc_resp_free(&r);
	}
	close(fd);
	assert_int_equal(limited, 1);
	ig_http_stop(h);
	ig_api_free(api);
	/* A bad config is refused. */
	cfg.rate_burst = 0;
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &api), IG_EINVAL);
}

/* --- admin
 * ------------------------------------------------------------------------ */

static void
test_admin(void **state)
{
	ig_http *adm = NULL;
	char tokfile[128], auth[128], body[8192], path[128];
	ig_buf b64;
	int64_t now = ig_time_now();
	ig_privkey *k;
	ig_x509 *x;
	ig_cert_spec ds = { "SE", "Test", "API DSC 2", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	int port, calls;
	json_t *j;
	char kid[32];
	hc_resp r;
	(void) state;

	snprintf(tokfile, sizeof(tokfile), "%s/admin.token", T.dir);
	write_secret(tokfile, TOKEN, 0644);
	assert_int_equal(
	    ig_http_admin_start(T.api, "http://127.0.0.1:0", tokfile, &adm),
	    IG_EINVAL);
	write_secret(tokfile, "short\n", 0600);
	assert_int_equal(
	    ig_http_admin_start(T.api, "http://127.0.0.1:0", tokfile, &adm),
	    IG_EINVAL);
	write_secret(tokfile, "admin-token-0123456789abcdef\n", 0600);
	assert_int_equal(
	    ig_http_admin_start(T.api, "http://127.0.0.1:0", tokfile, &adm),
	    IG_OK);
	port = ig_http_port(adm);

	/* A new DSC under the test CSCA. */
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k), IG_OK);
	assert_int_equal(ig_x509_issue(&ds, k, T.csca, T.ck, &x), IG_OK);
	ig_buf_init(&b64, 64 * 1024);
	assert_int_equal(ig_base64_encode(ig_x509_der(x), false, &b64), IG_OK);
	snprintf(body, sizeof(body),
	    "{\"ops\":[{\"op\":\"dsc.put\",\"country\":\"SE\",\"der\":\"%.*"
	    "s\"}]}",
	    (int) b64.len, (const char *) b64.ptr);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", TOKEN);

	/* No token, a wrong one. */
	assert_int_equal(hc_request(port, "POST", "/admin/v1/publish",
	                     "application/json", body, strlen(body), NULL, &r),
	    0);
	assert_int_equal(r.status, 401);
	hc_resp_free(&r);
	assert_int_equal(
	    hc_request(port, "POST", "/admin/v1/publish", "application/json",
	        body, strlen(body),
	        "Authorization: Bearer admin-token-0123456789abcdeX\r\n", &r),
	    0);
	assert_int_equal(r.status, 401);
	hc_resp_free(&r);
	/* The public routes are not on the admin listener, nor the admin
	 * route on the public one. */
	assert_int_equal(
	    hc_request(port, "GET", "/v1/issuers", NULL, NULL, 0, auth, &r),
	    0);
	assert_int_equal(r.status, 404);
	hc_resp_free(&r);
	assert_error(post_json("/admin/v1/publish", "application/json", body,
	                 strlen(body), auth, 404),
	    "not_found");
	/* Bad ops. */
	calls = T.hook_calls;
	assert_int_equal(
	    hc_request(port, "POST", "/admin/v1/publish", "application/json",
	        "{\"ops\":[{\"op\":\"dsc.put\",\"country\":\"SE\","
	        "\"der\":\"!!\"}]}",
	        52, auth, &r),
	    0);
	assert_int_equal(r.status, 400);
	hc_resp_free(&r);
	assert_int_equal(
	    hc_request(port, "POST", "/admin/v1/publish", "application/json",
	        "{\"ops\":[{\"op\":\"x\"}]}", 20, auth, &r),
	    0);
	assert_int_equal(r.status, 400);
	hc_resp_free(&r);
	assert_int_equal(T.hook_calls, calls);
	/* Authority: "se" may not publish for DK. */
	snprintf(body, sizeof(body),
	    "{\"ops\":[{\"op\":\"csca.put\",\"country\":\"DK\",\"der\":\"%.*"
	    "s\"}]}",
	    (int) b64.len, (const char *) b64.ptr);
	assert_int_equal(hc_request(port, "POST", "/admin/v1/publish",
	                     "application/json", body, strlen(body), auth, &r),
	    0);
	assert_true(r.status == 403 || r.status == 400);
	hc_resp_free(&r);
	/* The real thing. */
	snprintf(body, sizeof(body),
	    "{\"ops\":[{\"op\":\"dsc.put\",\"country\":\"SE\",\"der\":\"%.*"
	    "s\"}]}",
	    (int) b64.len, (const char *) b64.ptr);
	assert_int_equal(hc_request(port, "POST", "/admin/v1/publish",
	                     "application/json", body, strlen(body), auth, &r),
	    0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	assert_true(json_integer_value(json_object_get(j, "seq")) >= 3);
	json_decref(j);
	hc_resp_free(&r);
	/* It is visible on the public API. */
	kid_url(x, kid, sizeof(kid));
	snprintf(path, sizeof(path), "/v1/issuers/%s", kid);
	json_decref(get_json(path, 200));
	assert_int_equal(hc_request(port, "GET", "/admin/v1/publish", NULL,
	                     NULL, 0, auth, &r),
	    0);
	assert_int_equal(r.status, 405);
	hc_resp_free(&r);

	ig_http_stop(adm);
	ig_buf_free(&b64);
	ig_x509_free(x);
	ig_privkey_free(k);
}

/* --- RPC
 * ---------------------------------------------------------------------- */

static void
test_rpc(void **state)
{
	ig_rpc *rpc;
	ig_rpc_client *c;
	char url[64];
	const char *texts[3];
	size_t lens[3];
	ig_rpc_verdict v[3];
	uint64_t serial = 0, exp = 0;
	ig_hcert *h = ig_hcert_new();
	ig_revocation_hashes rh;
	uint8_t kid[8], zero[16] = { 0 };
	bool revoked = false;
	(void) state;

	assert_int_equal(
	    ig_rpc_start(T.api, "tcp://127.0.0.1:0", &rpc), IG_OK);
	assert_true(ig_rpc_port(rpc) > 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ig_rpc_port(rpc));
	assert_int_equal(ig_rpc_client_open(url, 5000, &c), IG_OK);

	texts[0] = (const char *) T.valid.ptr;
	lens[0] = T.valid.len;
	texts[1] = (const char *) T.revoked.ptr;
	lens[1] = T.revoked.len;
	texts[2] = "HC1:nonsense";
	lens[2] = 12;
	assert_int_equal(
	    ig_rpc_verify(c, texts, lens, 3, 0, v, &serial), IG_OK);
	assert_int_equal(serial, 1);
	assert_true(v[0].valid);
	assert_int_equal(v[0].reason, IG_REASON_VALID);
	assert_string_equal(v[0].country, "SE");
	assert_int_equal(v[0].type, 'v');
	assert_false(v[1].valid);
	assert_int_equal(v[1].reason, IG_REASON_REVOKED);
	assert_int_equal(v[2].reason, IG_REASON_MALFORMED_BASE45);
	/* The validation clock travels. */
	assert_int_equal(
	    ig_rpc_verify(c, texts, lens, 1, 4102444800, v, NULL), IG_OK);
	assert_int_equal(v[0].reason, IG_REASON_EXPIRED);
	assert_int_equal(
	    ig_rpc_verify(c, texts, lens, 0, 0, v, NULL), IG_EINVAL);

	/* Revocation lookups. */
	assert_int_equal(
	    ig_hcert_parse(h, (const char *) T.revoked.ptr, T.revoked.len),
	    IG_OK);
	assert_int_equal(ig_hcert_revocation_hashes(h, &rh), IG_OK);
	ig_hcert_free(h);
	ig_x509_kid(T.dsc, kid);
	assert_int_equal(
	    ig_rpc_revoked(c, kid, 0, rh.uci, &revoked, &exp), IG_OK);
	assert_true(revoked);
	assert_int_equal(exp, 1900000000000ull);
	assert_int_equal(
	    ig_rpc_revoked(c, kid, IG_HASH_SIGNATURE, rh.uci, &revoked, NULL),
	    IG_OK);
	assert_false(revoked);
	assert_int_equal(
	    ig_rpc_revoked(c, kid, 0, zero, &revoked, NULL), IG_OK);
	assert_false(revoked);
	assert_int_equal(
	    ig_rpc_revoked(c, kid, 9, zero, &revoked, NULL), IG_EINVAL);

	/* Hostile messages get error replies; the endpoint keeps serving. */
	{
		nng_socket s;
		static const char *const bad[] = { "", "\xc1", "\x93\x01\x02",
			"\x95\x01\x01\xa6verify\x00\x90",
			"\x95\x02\x01\xa6verify\x00\x91\xa0",
			"\x95\x01\x01\xa3zap\x00\x91\xa0",
			"\x95\x01\x01\xa6verify\x00\xdd\x7f\xff\xff\xff" };
		static const size_t blen[] = { 0, 1, 3, 11, 12, 9, 15 };
		assert_int_equal(nng_req0_open(&s), 0);
		assert_int_equal(
		    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000), 0);
		assert_int_equal(nng_dial(s, url, NULL, 0), 0);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			void *rb = NULL;
			size_t rl = 0;
			assert_int_equal(
			    nng_send(s, (void *) bad[i], blen[i], 0), 0);
			assert_int_equal(
			    nng_recv(s, &rb, &rl, NNG_FLAG_ALLOC), 0);
			/* [1, 0, err, message] */
			assert_true(rl > 4);
			assert_int_equal(((uint8_t *) rb)[0], 0x94);
			assert_true(((uint8_t *) rb)[3] != 0);
			nng_free(rb, rl);
		}
		nng_close(s);
	}
	assert_int_equal(ig_rpc_verify(c, texts, lens, 1, 0, v, NULL), IG_OK);
	assert_true(v[0].valid);
	ig_rpc_client_close(c);
	ig_rpc_stop(rpc);
	/* A stopped endpoint: calls time out. */
	assert_int_equal(ig_rpc_client_open(url, 200, &c), IG_OK);
	assert_int_equal(ig_rpc_verify(c, texts, lens, 1, 0, v, NULL), IG_EIO);
	ig_rpc_client_close(c);
}

/* --- every answer in the JSON error shape (issue 12, point 17) --------- */

/* A string literal and its length. */
#define LIT(s) s, sizeof(s) - 1

/* Sends bytes on a new connection; the answer must be status with its
 * reason phrase, JSON, and the error shape with code. Returns the fd
 * (the caller closes it). */
static int
expect_shape(const char *bytes, size_t n, int status, const char *reason,
    const char *code)
{
	hc_resp r;
	char line[128], ct[64];
	int fd = hc_connect(T.port);
	assert_true(fd >= 0);
	assert_int_equal(hc_send(fd, bytes, n), 0);
	assert_int_equal(hc_read(fd, &r, 5000), 0);
	snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, reason);
	if (strncmp(r.head, line, strlen(line)) != 0)
		fprintf(stderr, "want %sgot %.120s\n", line, r.head);
	assert_int_equal(strncmp(r.head, line, strlen(line)), 0);
	assert_non_null(hc_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/json");
	assert_error(json_loads(r.body, 0, NULL), code);
	hc_resp_free(&r);
	return fd;
}

static void
test_error_shapes(void **state)
{
	char *big;
	size_t n;
	hc_resp r;
	int fd;
	(void) state;
	/* Versions other than HTTP/1.x, HTTP/2's preface among them. */
	close(expect_shape(LIT("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n"),
	    505, "HTTP Version Not Supported", "http_version_not_supported"));
	close(expect_shape(LIT("GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n"),
	    505, "HTTP Version Not Supported", "http_version_not_supported"));
	close(expect_shape(LIT("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505,
	    "HTTP Version Not Supported", "http_version_not_supported"));
	/* OPTIONS * and CONNECT name no resource of ours. */
	close(expect_shape(LIT("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), 501,
	    "Not Implemented", "not_implemented"));
	close(expect_shape(LIT("CONNECT example.org:443 HTTP/1.1\r\nHost: "
	                       "example.org:443\r\n\r\n"),
	    501, "Not Implemented", "not_implemented"));
	/* Malformed request line, header without Host. */
	close(expect_shape(LIT("GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
	    400, "Bad Request", "bad_request"));
	close(expect_shape(LIT("GET /healthz HTTP/1.1\r\n\r\n"), 400,
	    "Bad Request", "bad_request"));
	close(expect_shape(
	    LIT("GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400,
	    "Bad Request", "bad_request"));
	/* An oversized header. */
	big = malloc(IG_HTTP_HEAD_MAX + 256);
	assert_non_null(big);
	n = (size_t) snprintf(
	    big, 64, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ");
	memset(big + n, 'a', IG_HTTP_HEAD_MAX);
	n += IG_HTTP_HEAD_MAX;
	memcpy(big + n, "\r\n\r\n", 4);
	close(expect_shape(big, n + 4, 431, "Request Header Fields Too Large",
	    "header_too_large"));
	free(big);
	/* A body over the route's limit, other statuses' reason phrases. */
	close(expect_shape(
	    LIT("POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-"
	        "Type: text/plain\r\nContent-Length: 99999999\r\n\r\n"),
	    413, "Content Too Large", "body_too_large"));
	close(expect_shape(LIT("POST /v1/verify HTTP/1.1\r\nHost: x\r\n\r\n"),
	    411, "Length Required", "length_required"));
	close(expect_shape(LIT("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
	    405, "Method Not Allowed", "method_not_allowed"));
	close(expect_shape(LIT("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"),
	    404, "Not Found", "not_found"));
	/* 400 requests pipelined in one write (14 KB): 400 answers, in
	 * order, on one connection. */
	{
		static const char one[]
		    = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
		size_t k = sizeof(one) - 1;
		big = malloc(400 * k);
		assert_non_null(big);
		for (int i = 0; i < 400; i++)
			memcpy(big + (size_t) i * k, one, k);
		fd = hc_connect(T.port);
		assert_int_equal(hc_send(fd, big, 400 * k), 0);
		for (int i = 0; i < 400; i++) {
			assert_int_equal(hc_read(fd, &r, 5000), 0);
			assert_int_equal(r.status, 200);
			assert_int_equal(
			    strncmp(r.head, "HTTP/1.1 200 OK\r\n", 17), 0);
			hc_resp_free(&r);
		}
		close(fd);
		free(big);
	}
	still_serving();
}

/* --- connections, header deadline, body budget (points 13, 14) --------- */

static void
test_conn_limits(void **state)
{
	ig_api_config cfg;
	ig_api *api;
	ig_http *h;
	int port, fds[24], fd;
	int64_t t0;
	hc_resp r;
	bool closed;
	(void) state;
	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 1;
	cfg.conns_max = 8;
	cfg.header_timeout_ms = 400;
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &api), IG_OK);
	assert_int_equal(ig_http_start(api, "http://127.0.0.1:0", &h), IG_OK);
	assert_int_equal(ig_http_conns_max(h), 8);
	port = ig_http_port(h);
	/* Half a header: 408 in the JSON shape once the deadline passed;
	 * a silent connection is just closed. */
	fd = hc_connect(port);
	fds[0] = hc_connect(port);
	t0 = ig_time_now_ms();
	assert_int_equal(hc_send(fd, "GET /healthz HTTP/1.1\r\nHo", 25), 0);
	assert_int_equal(hc_read(fd, &r, 3000), 0);
	assert_int_equal(r.status, 408);
	assert_int_equal(
	    strncmp(r.head, "HTTP/1.1 408 Request Timeout\r\n", 30), 0);
	assert_error(json_loads(r.body, 0, NULL), "request_timeout");
	hc_resp_free(&r);
	assert_true(ig_time_now_ms() - t0 >= 350);
	assert_true(hc_closed(fd, 2000));
	assert_true(hc_closed(fds[0], 2000));
	close(fd);
	close(fds[0]);
	/* 24 half headers against a cap of 8: never more than 8 open (and
	 * one being turned away), and a real request is still served (the
	 * oldest waiting one makes room). */
	for (int i = 0; i < 24; i++) {
		fds[i] = hc_connect(port);
		assert_true(fds[i] >= 0);
		assert_int_equal(
		    hc_send(fds[i], "GET /healthz HTTP/1.1\r\nHo", 25), 0);
		assert_true(ig_http_conns(h) <= 9);
	}
	for (int i = 0; i < 50 && ig_http_conns(h) > 8; i++)
		usleep(20 * 1000);
	assert_true(ig_http_conns(h) <= 8);
	assert_int_equal(
	    hc_request(port, "GET", "/healthz", NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	hc_resp_free(&r);
	for (int i = 0; i < 24; i++)
		close(fds[i]);
	/* A kept-alive connection idle past the deadline is closed. */
	fd = hc_connect(port);
	assert_int_equal(
	    hc_send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35), 0);
	assert_int_equal(hc_read(fd, &r, 3000), 0);
	assert_int_equal(r.status, 200);
	hc_resp_free(&r);
	closed = hc_closed(fd, 3000);
	assert_true(closed);
	close(fd);
	ig_http_stop(h);
	ig_api_free(api);
}

static void
test_body_budget(void **state)
{
	ig_api_config cfg;
	ig_api *api;
	ig_http *h, *adm;
	char req[512], tokfile[128];
	int port, aport, fds[40];
	hc_resp r;
	int n;
	(void) state;
	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 1;
	cfg.report_tokens_file = T.rep_tok;
	cfg.body_budget = 2 * IG_HTTP_BODY_MAX;
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &api), IG_OK);
	assert_int_equal(ig_http_start(api, "http://127.0.0.1:0", &h), IG_OK);
	snprintf(tokfile, sizeof(tokfile), "%s/admin2.token", T.dir);
	write_secret(tokfile, "admin-token-0123456789abcdef\n", 0600);
	assert_int_equal(
	    ig_http_admin_start(api, "http://127.0.0.1:0", tokfile, &adm),
	    IG_OK);
	port = ig_http_port(h);
	aport = ig_http_port(adm);
	/* Without credentials nothing is held: answered from the header. */
	for (int i = 0; i < 40; i++) {
		bool admin = i % 2 == 1;
		n = snprintf(req, sizeof(req),
		    "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: "
		    "application/json\r\n%sContent-Length: %d\r\n\r\n[",
		    admin ? "/admin/v1/publish" : "/v1/stats/report",
		    i % 4 == 2
		        ? "Authorization: Bearer wrong-token-0123456789\r\n"
		        : "",
		    IG_HTTP_BODY_MAX);
		fds[i] = hc_connect(admin ? aport : port);
		assert_int_equal(hc_send(fds[i], req, (size_t) n), 0);
		assert_int_equal(hc_read(fds[i], &r, 3000), 0);
		assert_int_equal(r.status, 401);
		assert_error(json_loads(r.body, 0, NULL), "unauthorized");
		hc_resp_free(&r);
		assert_int_equal(ig_api_body_inflight(api), 0);
		close(fds[i]);
	}
	/* With a token: two 4 MiB bodies fit the budget, the third is
	 * refused with 503 at once. */
	n = snprintf(req, sizeof(req),
	    "POST /v1/stats/report HTTP/1.1\r\nHost: x\r\nContent-Type: "
	    "application/json\r\nAuthorization: Bearer %s\r\n"
	    "Content-Length: %d\r\n\r\n[",
	    REPORT_TOKEN, IG_HTTP_BODY_MAX);
	for (int i = 0; i < 3; i++) {
		fds[i] = hc_connect(port);
		assert_int_equal(hc_send(fds[i], req, (size_t) n), 0);
		/* one after the other: the third is the one over budget */
		for (int k = 0; k < 100 && i < 2
		     && ig_api_body_inflight(api)
		         < (uint64_t) (i + 1) * IG_HTTP_BODY_MAX;
		     k++)
			usleep(10 * 1000);
	}
	assert_int_equal(hc_read(fds[2], &r, 3000), 0);
	assert_int_equal(r.status, 503);
	assert_int_equal(
	    strncmp(r.head, "HTTP/1.1 503 Service Unavailable\r\n", 34), 0);
	assert_error(json_loads(r.body, 0, NULL), "overloaded");
	hc_resp_free(&r);
	assert_int_equal(ig_api_body_inflight(api), 2 * IG_HTTP_BODY_MAX);
	/* Hanging up gives the budget back. */
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	for (int i = 0; i < 100 && ig_api_body_inflight(api) != 0; i++)
		usleep(20 * 1000);
	assert_int_equal(ig_api_body_inflight(api), 0);
	ig_http_stop(adm);
	ig_http_stop(h);
	ig_api_free(api);
}

static void
test_listen_errors(void **state)
{
	ig_http *h;
	char url[64];
	(void) state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", T.port);
	/* The port is in use (by another listener of this process, which
	 * nng would share: refused as in use by the other process too). */
	assert_int_equal(
	    ig_http_start(T.api, "tcp://127.0.0.1:0", &h), IG_EINVAL);
	assert_int_equal(
	    ig_http_start(T.api, "http://[nonsense", &h), IG_EINVAL);
	(void) url;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_readyz),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_verify_text),
		cmocka_unit_test(test_verify_context_fresh),
		cmocka_unit_test(test_verify_dsc_removed),
		cmocka_unit_test(test_root_expiry),
		cmocka_unit_test(test_verify_json),
		cmocka_unit_test(test_verify_errors),
		cmocka_unit_test(test_verify_batch),
		cmocka_unit_test(test_issuers),
		cmocka_unit_test(test_issuers_rewritten_log),
		cmocka_unit_test(test_issuer_by_kid),
		cmocka_unit_test(test_revocations),
		cmocka_unit_test(test_trustlist),
		cmocka_unit_test(test_federation),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_stats_report),
		cmocka_unit_test(test_hostile_targets),
		cmocka_unit_test(test_hostile_clients),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_stop_under_load),
		cmocka_unit_test(test_quiesce_with_queued_jobs),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_rpc),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_error_shapes),
		cmocka_unit_test(test_conn_limits),
		cmocka_unit_test(test_body_budget),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
