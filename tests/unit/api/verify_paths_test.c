/*
 * verify_paths_test.c - every verdict path reports only the checks it
 * made (issue 12, point 2), over a real registry in process.
 *
 * The node's paths (POST /v1/verify, POST /v1/verify/batch, the RPC)
 * verify against the registry, which holds revocation lists: a verdict
 * that reached the revocation step says "revocation_checked": true and the
 * step "ok" or "failed"; one that stopped earlier says false and the step
 * "skipped". The offline path (api/verify with a trust set) without a
 * revocation source says "not_checked" and false, with the node's own
 * revocation export (GET /v1/revocation-list/{batchId}, loaded into an
 * ig_revset) true and `revoked`. The verdict has the same keys on the
 * offline path and over HTTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "api/rpc.h"
#include "cli/trust.h"
#include "api/verify.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
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
	ig_rpc *rpc;
	int port;
	ig_privkey *ck, *dk;
	ig_x509 *csca, *dsc;
	ig_buf valid; /* verifies */
	ig_buf revoked; /* its UCI is revoked in the registry */
	uint64_t seq;
	uint8_t prev[32];
} T;

static ig_err
publish(const ig_entry_op *ops, size_t n)
{
	ig_entry_info info;
	ig_buf b;
	ig_err e;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = T.seq + 1;
	memcpy(info.prev_hash, T.prev, 32);
	info.time_ms = (uint64_t) ig_time_now_ms();
	info.n_ops = n;
	info.ops = ops;
	tk_entry_make(&fed, TK_SE, &info, &b);
	e = ig_registry_apply(T.reg, ig_buf_slice(&b));
	if (e == IG_OK) {
		T.seq++;
		tk_entry_hash(ig_buf_slice(&b), T.prev);
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

static int
group_setup(void **state)
{
	int64_t now = ig_time_now();
	ig_cert_spec cs = { "SE", "Test", "Paths CSCA", now - 86400,
		now + 86400 * 3650, true, 0, NULL, false };
	ig_cert_spec ds = { "SE", "Test", "Paths DSC", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_entry_op ops[2];
	ig_hcert *h;
	ig_revocation_hashes rh;
	ig_api_config cfg;
	ig_api_hooks hooks;
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
	assert_int_equal(publish(ops, 2), IG_OK);

	issue('v', 11, &T.valid);
	issue('t', 12, &T.revoked);
	h = ig_hcert_new();
	assert_int_equal(
	    ig_hcert_parse(h, (const char *) T.revoked.ptr, T.revoked.len),
	    IG_OK);
	assert_int_equal(ig_hcert_revocation_hashes(h, &rh), IG_OK);
	ig_hcert_free(h);
	assert_true(rh.has_uci);
	ops[0] = tk_op_rev_put(T.dsc, ig_slice_make(rh.uci, 16));
	assert_int_equal(publish(ops, 1), IG_OK);

	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 1;
	cfg.batch_max = 5;
	memset(&hooks, 0, sizeof(hooks));
	assert_int_equal(ig_api_new(T.reg, &cfg, &hooks, &T.api), IG_OK);
	assert_int_equal(
	    ig_http_start(T.api, "http://127.0.0.1:0", &T.http), IG_OK);
	T.port = ig_http_port(T.http);
	assert_true(T.port > 0);
	assert_int_equal(
	    ig_rpc_start(T.api, "tcp://127.0.0.1:0", &T.rpc), IG_OK);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_rpc_stop(T.rpc);
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

static json_t *
request(const char *method, const char *path, const char *ctype,
    const char *body, size_t n, const char *extra, int want_status)
{
	hc_resp r;
	json_t *j;
	assert_int_equal(
	    hc_request(T.port, method, path, ctype, body, n, extra, &r), 0);
	if (r.status != want_status)
		fprintf(
		    stderr, "%s %s: %d %s\n", method, path, r.status, r.body);
	assert_int_equal(r.status, want_status);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	hc_resp_free(&r);
	return j;
}

static const char *
step(const json_t *v, const char *name)
{
	return json_string_value(
	    json_object_get(json_object_get(v, "steps"), name));
}

/* Checks the revocation fields of one verdict. */
static void
assert_revocation(const json_t *v, bool checked, const char *status)
{
	const json_t *rc = json_object_get(v, "revocation_checked");
	assert_true(json_is_boolean(rc));
	assert_int_equal(json_is_true(rc), checked);
	assert_non_null(step(v, "revocation"));
	assert_string_equal(step(v, "revocation"), status);
}

/* No step of a verdict is "ok" after a step that is not "ok". */
static void
assert_no_ok_after_failure(const json_t *v)
{
	static const char *const order[]
	    = { "prefix", "base45", "decompression", "cose", "kid",
		      "signature", "claims", "expiry", "dsc_validity",
		      "key_usage", "schema", "revocation" };
	bool stopped = false;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *s = step(v, order[i]);
		assert_non_null(s);
		if (stopped)
			assert_string_equal(s, "skipped");
		else if (strcmp(s, "ok") != 0)
			stopped = true;
	}
}

/* --- HTTP --------------------------------------------------------------- */

static void
test_http_verify(void **state)
{
	json_t *v;
	(void) state;

	v = request("POST", "/v1/verify", "text/plain",
	    (const char *) T.valid.ptr, T.valid.len, NULL, 200);
	assert_true(json_is_true(json_object_get(v, "valid")));
	assert_revocation(v, true, "ok");
	assert_no_ok_after_failure(v);
	json_decref(v);

	v = request("POST", "/v1/verify", "text/plain",
	    (const char *) T.revoked.ptr, T.revoked.len, NULL, 200);
	assert_string_equal(
	    json_string_value(json_object_get(v, "reason")), "revoked");
	assert_revocation(v, true, "failed");
	json_decref(v);

	/* Stops at Base45: nothing after it was checked. */
	v = request(
	    "POST", "/v1/verify", "text/plain", "HC1:nonsense", 12, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(v, "reason")),
	    "malformed_base45");
	assert_revocation(v, false, "skipped");
	assert_string_equal(step(v, "signature"), "skipped");
	assert_no_ok_after_failure(v);
	json_decref(v);
}

static void
test_http_batch(void **state)
{
	json_t *body, *v, *res;
	char *s;
	(void) state;

	body = json_pack("[s%,s%,s]", (const char *) T.valid.ptr, T.valid.len,
	    (const char *) T.revoked.ptr, T.revoked.len, "HC1:nonsense");
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	v = request("POST", "/v1/verify/batch", "application/json", s,
	    strlen(s), NULL, 200);
	free(s);
	res = json_object_get(v, "results");
	assert_int_equal(json_array_size(res), 3);
	assert_revocation(json_array_get(res, 0), true, "ok");
	assert_revocation(json_array_get(res, 1), true, "failed");
	assert_revocation(json_array_get(res, 2), false, "skipped");
	for (size_t i = 0; i < 3; i++)
		assert_no_ok_after_failure(json_array_get(res, i));
	json_decref(v);
}

/* --- RPC ---------------------------------------------------------------- */

static void
test_rpc_verify(void **state)
{
	ig_rpc_client *c;
	char url[64];
	const char *texts[3] = { (const char *) T.valid.ptr,
		(const char *) T.revoked.ptr, "HC1:nonsense" };
	size_t lens[3] = { T.valid.len, T.revoked.len, 12 };
	ig_rpc_verdict v[3];
	(void) state;

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ig_rpc_port(T.rpc));
	assert_int_equal(ig_rpc_client_open(url, 5000, &c), IG_OK);
	memset(v, 0, sizeof(v));
	assert_int_equal(ig_rpc_verify(c, texts, lens, 3, 0, v, NULL), IG_OK);
	assert_true(v[0].valid);
	assert_true(v[0].revocation_checked);
	assert_int_equal(v[1].reason, IG_REASON_REVOKED);
	assert_true(v[1].revocation_checked);
	assert_int_equal(v[2].reason, IG_REASON_MALFORMED_BASE45);
	assert_false(v[2].revocation_checked);
	ig_rpc_client_close(c);
}

/* --- offline, with the node's revocation export -------------------------- */

static ig_err
trust_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

static ig_err
rev_lookup(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	*revoked = ig_revset_contains(ctx, kid, type, hash);
	return IG_OK;
}

/* Verifies text offline and returns the verdict's JSON. */
static json_t *
offline(const ig_verifier *vf, const ig_buf *text)
{
	ig_hcert *h = ig_hcert_new();
	ig_verdict v;
	json_t *j;
	assert_non_null(h);
	assert_int_equal(ig_verify_hcert(vf, h, (const char *) text->ptr,
	                     text->len, ig_time_now(), &v),
	    IG_OK);
	ig_hcert_free(h);
	j = ig_verdict_to_json(&v);
	assert_non_null(j);
	return j;
}

/* Every key of a is in b, and the reverse, except the HTTP context. */
static void
assert_same_keys(const json_t *offl, const json_t *http)
{
	const char *k;
	json_t *x;
	size_t ctx = 0;
	json_object_foreach((json_t *) offl, k, x)
	{
		if (json_object_get(http, k) == NULL)
			fprintf(stderr, "HTTP verdict lacks %s\n", k);
		assert_non_null(json_object_get(http, k));
	}
	json_object_foreach((json_t *) http, k, x)
	{
		if (strcmp(k, "root") == 0 || strcmp(k, "heads") == 0
		    || strcmp(k, "root_expires_in") == 0) {
			ctx++;
			continue;
		}
		if (json_object_get(offl, k) == NULL)
			fprintf(stderr, "offline verdict lacks %s\n", k);
		assert_non_null(json_object_get(offl, k));
	}
	assert_int_equal(ctx, 3);
	assert_int_equal(json_object_size(json_object_get(offl, "steps")),
	    json_object_size(json_object_get(http, "steps")));
}

static void
test_offline_with_node_export(void **state)
{
	ig_trustset *ts = ig_trustset_new();
	ig_revset *rs = ig_revset_new();
	ig_verifier *only_trust = ig_verifier_new();
	ig_verifier *with_revs = ig_verifier_new();
	ig_verify_source tsrc = { trust_each, NULL, ts };
	ig_verify_source rsrc = { NULL, rev_lookup, rs };
	json_t *list, *j, *http;
	hc_resp r;
	char path[128], why[192];
	size_t added = 0;
	const char *id;
	(void) state;

	assert_non_null(ts);
	assert_non_null(rs);
	assert_int_equal(ig_trustset_add_der(ts, ig_x509_der(T.dsc)), IG_OK);
	assert_int_equal(ig_verifier_add_source(only_trust, &tsrc), IG_OK);
	assert_int_equal(ig_verifier_add_source(with_revs, &tsrc), IG_OK);
	assert_int_equal(ig_verifier_add_source(with_revs, &rsrc), IG_OK);

	/* Trust alone: the revoked certificate is valid, but the verdict
	 * says that revocation was not checked. */
	j = offline(only_trust, &T.revoked);
	assert_true(json_is_true(json_object_get(j, "valid")));
	assert_revocation(j, false, "not_checked");
	json_decref(j);

	/* The node's export: the batch list, then the one batch. */
	list = request("GET", "/v1/revocation-list", NULL, NULL, 0,
	    "If-Modified-Since: 2000-01-01T00:00:00Z\r\n", 200);
	assert_int_equal(json_array_size(json_object_get(list, "batches")), 1);
	id = json_string_value(json_object_get(
	    json_array_get(json_object_get(list, "batches"), 0), "batchId"));
	assert_non_null(id);
	snprintf(path, sizeof(path), "/v1/revocation-list/%s", id);
	json_decref(list);
	assert_int_equal(
	    hc_request(T.port, "GET", path, NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	if (ig_revset_load_json(rs, ig_slice_make(r.body, r.body_len), &added,
	        why, sizeof(why))
	    != IG_OK)
		fprintf(stderr, "node export refused: %s\n%s\n", why, r.body);
	hc_resp_free(&r);
	assert_int_equal(added, 1);

	j = offline(with_revs, &T.revoked);
	assert_string_equal(
	    json_string_value(json_object_get(j, "reason")), "revoked");
	assert_revocation(j, true, "failed");
	json_decref(j);

	/* The valid one: checked, ok; the same keys as over HTTP. */
	j = offline(with_revs, &T.valid);
	assert_revocation(j, true, "ok");
	http = request("POST", "/v1/verify", "text/plain",
	    (const char *) T.valid.ptr, T.valid.len, NULL, 200);
	assert_same_keys(j, http);
	json_decref(http);
	json_decref(j);

	ig_verifier_free(only_trust);
	ig_verifier_free(with_revs);
	ig_revset_free(rs);
	ig_trustset_free(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_verify),
		cmocka_unit_test(test_http_batch),
		cmocka_unit_test(test_rpc_verify),
		cmocka_unit_test(test_offline_with_node_export),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
