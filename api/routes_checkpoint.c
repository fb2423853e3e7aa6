/*
 * routes_checkpoint.c - GET /v1/checkpoint: the node's newest signed
 * checkpoint (registry/checkpoint.h, docs/protocol.md "Checkpoints").
 *
 * The body is the signed note as text. The node makes it through the
 * checkpoint hook (api/http.h): a member signs its own with its member key
 * (node/checkpoint_cache.c) and caches it; a mirror serves the newest one
 * it verified upstream. The checkpoint changes with the registry, so it is
 * served "no-cache" with a strong ETag (the first 16 bytes of its SHA-256,
 * in hex): an HTTP cache may keep it and must revalidate it every time.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/routes.h"
#include "registry/base/log.h"
#include "registry/codec/hex.h"
#include "registry/crypto/crypto.h"

#define SUB "http"

void
ig_route_checkpoint(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	uint8_t h[32];
	char hex[33];
	ig_err e;

	(void) req;
	if (api->hooks.checkpoint == NULL) {
		ig_http_res_error(
		    res, 404, "not_found", "this node serves no checkpoint");
		return;
	}
	ig_buf_reset(&res->body);
	e = api->hooks.checkpoint(api->hooks.ctx, &res->body);
	if (e == IG_OK)
		e = ig_sha256(ig_buf_slice(&res->body), h);
	if (e != IG_OK) {
		ig_buf_reset(&res->body);
		IG_WARN(SUB, "GET /v1/checkpoint: %s", ig_strerror(e));
		res->retry_after = true;
		ig_http_res_error(res, 503, "unavailable",
		    "no checkpoint can be served now: %s", ig_strerror(e));
		return;
	}
	res->status = 200;
	res->content_type = "text/plain; charset=utf-8";
	res->cache_control = "no-cache";
	ig_hex_encode(h, 16, hex);
	snprintf(res->etag, sizeof(res->etag), "\"%s\"", hex);
}

/* GET /v1/checkpoint/confirmed: the newest own checkpoint that carries
 * the root's witness_threshold of member cosignatures
 * (docs/protocol.md, "Witnessing"). It changes rarely: no-cache with an
 * ETag as above. */
void
ig_route_checkpoint_confirmed(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	uint8_t h[32];
	char hex[33];
	ig_err e = IG_ENOTFOUND;

	(void) req;
	ig_buf_reset(&res->body);
	if (api->hooks.checkpoint_confirmed != NULL)
		e = api->hooks.checkpoint_confirmed(
		    api->hooks.ctx, &res->body);
	if (e == IG_OK)
		e = ig_sha256(ig_buf_slice(&res->body), h);
	if (e != IG_OK) {
		ig_buf_reset(&res->body);
		if (e == IG_ENOTFOUND) {
			ig_http_res_error(res, 404, "not_found",
			    "no federation-confirmed checkpoint here yet");
			return;
		}
		res->retry_after = true;
		ig_http_res_error(res, 503, "unavailable",
		    "the confirmed checkpoint cannot be read: %s",
		    ig_strerror(e));
		return;
	}
	res->status = 200;
	res->content_type = "text/plain; charset=utf-8";
	res->cache_control = "no-cache";
	ig_hex_encode(h, 16, hex);
	snprintf(res->etag, sizeof(res->etag), "\"%s\"", hex);
}

/* POST /v1/witness/add-checkpoint: another member's signed checkpoint in
 * the body (text/plain); 200 with the note cosigned by this node, or an
 * error whose "error" says why: ahead (ask again later), rollback, fork
 * or conflict (refused; evidence kept). */
void
ig_route_witness_add(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	char code[32], why[512];
	int status = 500;

	if (api->hooks.witness_add == NULL) {
		ig_http_res_error(
		    res, 404, "not_found", "this node witnesses nothing");
		return;
	}
	ig_buf_reset(&res->body);
	code[0] = '\0';
	api->hooks.witness_add(api->hooks.ctx,
	    ig_slice_make(req->body, req->body_len), &res->body, &status, code,
	    sizeof(code), why, sizeof(why));
	if (status != 200) {
		ig_buf_reset(&res->body);
		res->retry_after = status == 503 || strcmp(code, "ahead") == 0;
		ig_http_res_error(res, (uint16_t) status, code, "%s", why);
		return;
	}
	res->status = 200;
	res->content_type = "text/plain; charset=utf-8";
}

static void
evidence_one(void *arg, const char *kind, ig_slice signer, ig_slice origin,
    ig_slice a, ig_slice b)
{
	json_t *list = arg;
	json_t *o = json_pack("{s:s,s:s%,s:s%,s:s%,s:s%}", "kind", kind,
	    "signer", (const char *) signer.ptr, signer.len, "origin",
	    (const char *) origin.ptr, origin.len, "a", (const char *) a.ptr,
	    a.len, "b", (const char *) b.ptr, b.len);
	if (o != NULL)
		json_array_append_new(list, o);
}

/* GET /v1/evidence/checkpoints: the checkpoint evidence this node's
 * witness kept: pairs of signed notes (docs/protocol.md, "Witnessing"). */
void
ig_route_checkpoint_evidence(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	json_t *list = json_array();

	(void) req;
	if (list == NULL) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	if (api->hooks.witness_evidence_each != NULL)
		api->hooks.witness_evidence_each(
		    api->hooks.ctx, evidence_one, list);
	ig_http_res_json(res, 200, json_pack("{s:o}", "evidence", list));
}

ig_err
ig_api_witness_metrics(ig_api *api, ig_buf *out)
{
	ig_api_witness x;

	if (api->hooks.witness_status == NULL)
		return IG_OK;
	memset(&x, 0, sizeof(x));
	x.confirmed_age_s = -1;
	api->hooks.witness_status(api->hooks.ctx, &x);
	return ig_buf_printf(out,
	    "# HELP intyg_checkpoint_cosignatures Member cosignatures on "
	    "this node's newest checkpoint.\n"
	    "# TYPE intyg_checkpoint_cosignatures gauge\n"
	    "intyg_checkpoint_cosignatures %llu\n"
	    "# HELP intyg_checkpoint_confirmed_age_seconds Age of this "
	    "node's newest federation-confirmed checkpoint (-1: none).\n"
	    "# TYPE intyg_checkpoint_confirmed_age_seconds gauge\n"
	    "intyg_checkpoint_confirmed_age_seconds %lld\n"
	    "# HELP intyg_witness_cosigned_total Other members' checkpoints "
	    "this node cosigned.\n"
	    "# TYPE intyg_witness_cosigned_total counter\n"
	    "intyg_witness_cosigned_total %llu\n"
	    "# HELP intyg_witness_refused_total Checkpoints this node refused "
	    "to cosign, by reason.\n"
	    "# TYPE intyg_witness_refused_total counter\n"
	    "intyg_witness_refused_total{reason=\"ahead\"} %llu\n"
	    "intyg_witness_refused_total{reason=\"rollback\"} %llu\n"
	    "intyg_witness_refused_total{reason=\"fork\"} %llu\n"
	    "intyg_witness_refused_total{reason=\"conflict\"} %llu\n"
	    "# HELP intyg_witness_evidence Checkpoint evidence records held.\n"
	    "# TYPE intyg_witness_evidence gauge\n"
	    "intyg_witness_evidence %llu\n",
	    (unsigned long long) x.cosignatures, (long long) x.confirmed_age_s,
	    (unsigned long long) x.cosigned,
	    (unsigned long long) x.refused_ahead,
	    (unsigned long long) x.refused_rollback,
	    (unsigned long long) x.refused_fork,
	    (unsigned long long) x.refused_conflict,
	    (unsigned long long) x.evidence);
}
