/*
 * routes_verify.c - POST /v1/verify and POST /v1/verify/batch.
 *
 * A verdict is the JSON of `intyg verify` (ig_verdict_to_json) plus what
 * it was checked against: the root serial and the registry heads, read
 * before verifying (the registry has no snapshots, so the heads are a
 * lower bound: entries applied meanwhile may have been seen too). Every
 * verification is counted in the metrics and the statistics under the
 * hour it happened, whatever validation clock the client asked for.
 */
#include <string.h>
#include <time.h>

#include "api/json_body.h"
#include "api/routes.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "registry/proof.h"

#define SUB "http"

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

ig_err
ig_api_verify_one(ig_api_worker *w, const char *text, size_t len, int64_t at,
    ig_verdict *out)
{
	ig_api *api = w->api;
	uint64_t t0 = mono_ns();
	ig_err e = ig_verify_hcert(api->verifier, w->h, text, len, at, out);
	if (e != IG_OK)
		return e;
	ig_metrics_verify(api->metrics, out->reason, mono_ns() - t0);
	if (ig_stats_count_verdict(api->stats, ig_time_now(), out) != IG_OK)
		ig_metrics_stats_dropped(api->metrics);
	return IG_OK;
}

json_t *
ig_api_root_json(ig_api *api)
{
	const ig_root *r = ig_registry_root(api->reg);
	uint8_t h[32];
	int64_t exp_s = (int64_t) (ig_root_expires_ms(r) / 1000);
	ig_root_hash(r, h);
	return json_pack("{s:I,s:o,s:o,s:b}", "serial",
	    (json_int_t) ig_root_serial(r), "hash", ig_json_hex(h, 32),
	    "expires", ig_json_time(exp_s), "expired",
	    ig_time_now_ms() > (int64_t) ig_root_expires_ms(r));
}

static ig_err
head_one(void *arg, const ig_registry_head *hd, bool *stop)
{
	json_t *a = arg, *o;
	(void) stop;
	o = json_pack("{s:s%,s:I,s:o}", "origin",
	    (const char *) hd->origin.ptr, hd->origin.len, "seq",
	    (json_int_t) hd->seq, "hash", ig_json_hex(hd->hash, 32));
	if (o == NULL)
		return IG_ENOMEM;
	if (hd->frozen_at != 0)
		(void) json_object_set_new(
		    o, "frozen_at", json_integer((json_int_t) hd->frozen_at));
	return json_array_append_new(a, o) == 0 ? IG_OK : IG_ENOMEM;
}

json_t *
ig_api_heads_json(ig_api *api)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	if (ig_registry_heads_each(api->reg, head_one, a) != IG_OK) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The checked-against context of a response: root, heads and the
 * seconds until the root expires. The root's and the heads' JSON are
 * kept by the slot while the registry's generation stays (a verdict
 * otherwise rebuilt them from RocksDB, one object per member); only
 * "expired", which moves with the clock, is set on every call. */
static json_t *
context_json(ig_api_worker *w, int64_t expires_in_s)
{
	ig_api *api = w->api;
	uint64_t gen = ig_registry_generation(api->reg);
	const ig_root *r;

	if (w->ctx_heads == NULL || w->ctx_gen != gen) {
		json_t *root = ig_api_root_json(api);
		json_t *heads = ig_api_heads_json(api);
		if (root == NULL || heads == NULL) {
			json_decref(root);
			json_decref(heads);
			return NULL;
		}
		json_decref(w->ctx_root);
		json_decref(w->ctx_heads);
		w->ctx_root = root;
		w->ctx_heads = heads;
		w->ctx_gen = gen;
	}
	r = ig_registry_root(api->reg);
	if (json_object_set_new(w->ctx_root, "expired",
	        json_boolean(
	            ig_time_now_ms() > (int64_t) ig_root_expires_ms(r)))
	    != 0)
		return NULL;
	return json_pack("{s:O,s:O,s:I}", "root", w->ctx_root, "heads",
	    w->ctx_heads, "root_expires_in", (json_int_t) expires_in_s);
}

/* Answers 503 root_expired and returns true when the current root has
 * expired and the node refuses answers then (on_root_expiry = refuse);
 * otherwise *expires_in_s is the root's time left. */
static bool
expiry_refuses(ig_api *api, ig_http_res *res, int64_t *expires_in_s)
{
	bool refuse;

	ig_api_root_expiry(api, expires_in_s, &refuse);
	if (!refuse)
		return false;
	ig_http_res_error(res, 503, "root_expired",
	    "the federation root (serial %llu) expired %lld s ago and this "
	    "node refuses to verify then (on_root_expiry = refuse); it "
	    "answers again once a newer root arrives",
	    (unsigned long long) ig_root_serial(ig_registry_root(api->reg)),
	    (long long) -*expires_in_s);
	return true;
}

/* Reads one request item: a string, or {"hcert": str, "at"?: str}. */
static bool
item_read(const json_t *it, const char **text, size_t *len, int64_t *at,
    const char **why)
{
	const json_t *h, *a;
	if (json_is_string(it)) {
		*text = json_string_value(it);
		*len = json_string_length(it);
		return true;
	}
	if (!json_is_object(it)) {
		*why = "each item must be an HC1 string or an object";
		return false;
	}
	h = json_object_get(it, "hcert");
	a = json_object_get(it, "at");
	if (!json_is_string(h)) {
		*why = "\"hcert\" must be a string";
		return false;
	}
	if (json_object_size(it) != (a != NULL ? 2u : 1u)) {
		*why = "unknown member; allowed are \"hcert\" and \"at\"";
		return false;
	}
	if (a != NULL
	    && (!json_is_string(a)
	        || ig_isotime_parse(
	               json_string_value(a), json_string_length(a), at)
	            != IG_OK)) {
		*why = "\"at\" must be an ISO 8601 time";
		return false;
	}
	*text = json_string_value(h);
	*len = json_string_length(h);
	return true;
}

static json_t *
verdict_json(
    ig_api_worker *w, const char *text, size_t len, int64_t at, ig_err *err)
{
	ig_verdict v;
	/* The pipeline itself refuses oversized text with a verdict. */
	if ((*err = ig_api_verify_one(w, text, len, at, &v)) != IG_OK)
		return NULL;
	return ig_verdict_to_json(&v);
}

/* The answer with proof for verdict vd (registry/proof.h), shared by
 * POST /v1/verify?proof=1 and the RPC's proof flag (routes.h). */
ig_err
ig_api_proof_make(ig_api_worker *w, const ig_verdict *vd, ig_buf *out)
{
	ig_api *api = w->api;
	ig_revocation_hashes rh;
	uint8_t kid[8] = { 0 };
	ig_buf note;
	size_t len0 = out->len;
	ig_err e = IG_ENOTFOUND;

	if (api->hooks.checkpoint == NULL)
		return IG_EUNSUPPORTED;
	if (vd->kid_len == 8)
		memcpy(kid, vd->kid, 8);
	ig_buf_init(&note, IG_NOTE_MAX);
	/* try 0: the confirmed checkpoint; 1 and 2: the current one */
	for (int tries = 0; tries < 3 && e == IG_ENOTFOUND; tries++) {
		ig_buf_reset(&note);
		out->len = len0;
		if (tries == 0) {
			if (api->hooks.checkpoint_confirmed == NULL
			    || api->hooks.checkpoint_confirmed(
			           api->hooks.ctx, &note)
			        != IG_OK)
				continue; /* e stays IG_ENOTFOUND */
		} else if ((e = api->hooks.checkpoint(api->hooks.ctx, &note))
		    != IG_OK) {
			break;
		}
		e = ig_proof_build(api->reg, ig_buf_slice(&note), kid,
		    vd->has_dsc && vd->kid_len == 8 ? vd->dsc_thumbprint
		                                    : NULL,
		    vd->kid_len == 8
		            && ig_hcert_revocation_hashes(w->h, &rh) == IG_OK
		        ? &rh
		        : NULL,
		    out);
	}
	if (e != IG_OK)
		out->len = len0;
	ig_buf_free(&note);
	return e;
}

/* POST /v1/verify?proof=1: adds "proof", the Base64 of an answer with
 * proof (ig_api_proof_make) for verdict vd, whose certificate w->h still
 * holds: at the node's newest federation-confirmed checkpoint (the
 * checkpoint_confirmed hook, docs/protocol.md "Witnessing") when it has
 * one whose tree the registry still keeps, else at its current one (with
 * the cosignatures collected so far; `intyg proof verify` then reports
 * fewer than the root's witness_threshold). A checkpoint whose tree the
 * registry no longer keeps is asked for once more. False when the
 * answer is an error (already set in res). */
static bool
proof_attach(
    ig_api_worker *w, const ig_verdict *vd, json_t *v, ig_http_res *res)
{
	ig_buf pb, b64;
	ig_err e;
	bool ok = false;

	ig_buf_init(&pb, IG_PROOF_MAX);
	ig_buf_init(&b64, 2 * IG_PROOF_MAX);
	e = ig_api_proof_make(w, vd, &pb);
	if (e == IG_EUNSUPPORTED) {
		ig_http_res_error(res, 404, "not_found",
		    "this node serves no checkpoint, so no proof");
		goto out;
	}
	if (e == IG_OK)
		e = ig_base64_encode(ig_buf_slice(&pb), false, &b64);
	if (e == IG_OK
	    && json_object_set_new(
	           v, "proof", json_stringn((const char *) b64.ptr, b64.len))
	        == 0)
		ok = true;
	if (!ok) {
		IG_WARN(SUB, "POST /v1/verify?proof=1: %s", ig_strerror(e));
		res->retry_after = true;
		ig_http_res_error(res, 503, "unavailable",
		    "no proof can be made now: %s", ig_strerror(e));
	}
out:
	ig_buf_free(&pb);
	ig_buf_free(&b64);
	return ok;
}

void
ig_route_verify(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const char *text = (const char *) req->body, *why = "";
	size_t len = req->body_len;
	int64_t at = ig_time_now();
	json_t *body = NULL, *v = NULL, *ctx;
	const char *pq = ig_http_param_get(req, "proof");
	ig_verdict vd;
	int64_t in_s;
	ig_err e;

	if (pq != NULL && strcmp(pq, "1") != 0 && strcmp(pq, "0") != 0) {
		ig_http_res_error(res, 400, "bad_request", "proof is 0 or 1");
		return;
	}
	if (ig_http_media_is(req->content_type, "text/plain")) {
		/* One HC1 string; a trailing line end is forgiven. */
		while (len > 0
		    && (text[len - 1] == '\n' || text[len - 1] == '\r'
		        || text[len - 1] == ' '))
			len--;
	} else if (ig_http_media_is(req->content_type, "application/json")) {
		if ((body = ig_json_body_read(req, res)) == NULL)
			return;
		if (!item_read(body, &text, &len, &at, &why)
		    || !json_is_object(body)) {
			ig_http_res_error(res, 400, "bad_request", "%s",
			    json_is_object(body) ? why
			                         : "send an object with "
			                           "\"hcert\"");
			goto out;
		}
	} else {
		ig_http_res_error(res, 415, "unsupported_media_type",
		    "send text/plain (an HC1 string) or application/json");
		return;
	}
	if (expiry_refuses(w->api, res, &in_s))
		goto out;
	if ((ctx = context_json(w, in_s)) == NULL) {
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		goto out;
	}
	if ((e = ig_api_verify_one(w, text, len, at, &vd)) != IG_OK
	    || (v = ig_verdict_to_json(&vd)) == NULL) {
		json_decref(ctx);
		IG_ERROR(SUB, "verification failed: %s", ig_strerror(e));
		ig_http_res_error(
		    res, 500, "internal", "verification could not run");
		goto out;
	}
	if (pq != NULL && strcmp(pq, "1") == 0
	    && !proof_attach(w, &vd, v, res)) {
		json_decref(ctx);
		json_decref(v);
		goto out;
	}
	if (json_object_update(v, ctx) != 0) {
		json_decref(ctx);
		json_decref(v);
		ig_http_res_error(res, 500, "internal", "out of memory");
		goto out;
	}
	json_decref(ctx);
	ig_http_res_json(res, 200, v);
out:
	json_decref(body);
}

void
ig_route_verify_batch(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	json_t *body, *out = NULL, *results = NULL;
	const char *why = "";
	size_t n, i;
	int64_t in_s;
	ig_err e;

	if ((body = ig_json_body_read(req, res)) == NULL)
		return;
	if (!json_is_array(body)) {
		ig_http_res_error(res, 400, "bad_request",
		    "send a JSON array of HC1 strings or objects");
		goto out;
	}
	n = json_array_size(body);
	if (n == 0 || n > w->api->batch_max) {
		ig_http_res_error(res, n == 0 ? 400 : 413,
		    n == 0 ? "bad_request" : "batch_too_large",
		    "a batch holds 1 to %u certificates",
		    (unsigned) w->api->batch_max);
		goto out;
	}
	/* Check every item before verifying any. */
	for (i = 0; i < n; i++) {
		const char *t;
		size_t l;
		int64_t at;
		if (!item_read(json_array_get(body, i), &t, &l, &at, &why)) {
			ig_http_res_error(
			    res, 400, "bad_request", "item %zu: %s", i, why);
			goto out;
		}
	}
	if (expiry_refuses(w->api, res, &in_s))
		goto out;
	if ((out = context_json(w, in_s)) == NULL
	    || (results = json_array()) == NULL) {
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *t = NULL;
		size_t l = 0;
		int64_t at = ig_time_now();
		json_t *v;
		(void) item_read(json_array_get(body, i), &t, &l, &at, &why);
		if ((v = verdict_json(w, t, l, at, &e)) == NULL
		    || json_array_append_new(results, v) != 0) {
			ig_http_res_error(res, 500, "internal",
			    "verification could not run");
			goto out;
		}
	}
	if (json_object_set_new(out, "results", results) != 0) {
		results = NULL;
		ig_http_res_error(res, 500, "internal", "out of memory");
		goto out;
	}
	results = NULL;
	ig_http_res_json(res, 200, out);
	out = NULL;
out:
	json_decref(results);
	json_decref(out);
	json_decref(body);
}
