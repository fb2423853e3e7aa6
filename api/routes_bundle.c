/*
 * routes_bundle.c - GET /v1/bundle: the signed offline bundle
 * (registry/bundle.h, docs/bundle.md), full or as a delta.
 *
 *   GET /v1/bundle                  a full bundle
 *   GET /v1/bundle?rev=exact        its revocations in exact mode
 *   GET /v1/bundle?since=ID         a delta against the full bundle whose
 *                                   checkpoint id (SHA-256 of its
 *                                   checkpoint text, 64 hex digits) is ID
 *
 * The bundle is signed with the node's member key through the
 * member_sign hook; a node without one (a mirror, a node whose key lives
 * in a separate signer) answers 404. Building a full bundle folds every
 * log (seconds for millions of revocations), so the last one of each mode
 * is kept and served again while the registry has not changed (its
 * generation). A delta needs
 * the checkpoint text of its base: the node keeps the texts of the last
 * IG_BUNDLE_BASES full bundles it served (in memory: a restart forgets
 * them), and answers 410 unknown_checkpoint for any other ID, after
 * which a client fetches a full bundle again.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/bundle.h"
#include "registry/codec/hex.h"
#include "registry/crypto/crypto.h"

#define SUB "http"

/* Checkpoint texts of served full bundles kept for deltas. */
#define IG_BUNDLE_BASES 32

struct bundle_slot {
	bool valid;
	uint64_t gen;
	uint64_t made_s;
	ig_buf bytes;
	uint8_t id[32]; /* of its checkpoint text */
};

struct bundle_base {
	uint8_t id[32];
	ig_buf text;
};

struct ig_bundle_cache {
	nng_mtx *mtx;
	struct bundle_slot full[2]; /* [0] fuse, [1] exact */
	struct bundle_base bases[IG_BUNDLE_BASES];
	size_t next_base;
};

ig_err
ig_api_bundle_cache_new(ig_bundle_cache **out)
{
	ig_bundle_cache *c = ig_calloc(1, sizeof(*c));
	if (c == NULL)
		return IG_ENOMEM;
	if (nng_mtx_alloc(&c->mtx) != 0) {
		ig_free(c);
		return IG_ENOMEM;
	}
	for (size_t i = 0; i < 2; i++)
		ig_buf_init(&c->full[i].bytes, IG_BUNDLE_MAX);
	for (size_t i = 0; i < IG_BUNDLE_BASES; i++)
		ig_buf_init(&c->bases[i].text, IG_NOTE_MAX);
	*out = c;
	return IG_OK;
}

void
ig_api_bundle_cache_free(ig_bundle_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < 2; i++)
		ig_buf_free(&c->full[i].bytes);
	for (size_t i = 0; i < IG_BUNDLE_BASES; i++)
		ig_buf_free(&c->bases[i].text);
	nng_mtx_free(c->mtx);
	ig_free(c);
}

/* Remembers text as a base for deltas (cache locked). */
static ig_err
base_remember(ig_bundle_cache *c, const uint8_t id[32], ig_slice text)
{
	struct bundle_base *b;
	for (size_t i = 0; i < IG_BUNDLE_BASES; i++)
		if (c->bases[i].text.len > 0
		    && memcmp(c->bases[i].id, id, 32) == 0)
			return IG_OK;
	b = &c->bases[c->next_base];
	c->next_base = (c->next_base + 1) % IG_BUNDLE_BASES;
	ig_buf_reset(&b->text);
	memcpy(b->id, id, 32);
	return ig_buf_append(&b->text, text.ptr, text.len);
}

static const struct bundle_base *
base_find(const ig_bundle_cache *c, const uint8_t id[32])
{
	for (size_t i = 0; i < IG_BUNDLE_BASES; i++)
		if (c->bases[i].text.len > 0
		    && memcmp(c->bases[i].id, id, 32) == 0)
			return &c->bases[i];
	return NULL;
}

static ig_err
member_sign(void *arg, ig_slice msg, uint8_t sig[64])
{
	ig_api *api = arg;
	return api->hooks.member_sign(api->hooks.ctx, msg, sig);
}

static void
etag_set(ig_http_res *res, const uint8_t id[32], bool delta)
{
	char hex[33];
	ig_hex_encode(id, 16, hex);
	snprintf(
	    res->etag, sizeof(res->etag), "\"%s%s\"", delta ? "d-" : "", hex);
}

void
ig_route_bundle(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	ig_bundle_cache *c = api->bundle_cache;
	const char *since = ig_http_param_get(req, "since");
	const char *rev = ig_http_param_get(req, "rev");
	const ig_root *root = ig_registry_root(api->reg);
	const ig_root_member *m = NULL;
	uint64_t now = (uint64_t) time(NULL);
	uint64_t gen = ig_registry_generation(api->reg);
	struct bundle_slot *slot;
	ig_bundle_opts o;
	ig_buf text;
	uint8_t id[32];
	bool exact = false;
	ig_err e;

	ig_buf_init(&text, IG_NOTE_MAX); /* allocates nothing yet */
	if (api->hooks.member_sign == NULL || c == NULL || root == NULL
	    || (m = ig_root_member_find(
	            root, ig_slice_make(api->self_id, strlen(api->self_id))))
	        == NULL) {
		ig_http_res_error(res, 404, "not_found",
		    "this node signs no bundles (no member key here)");
		return;
	}
	if (rev != NULL && strcmp(rev, "exact") != 0
	    && strcmp(rev, "fuse") != 0) {
		ig_http_res_error(res, 400, "bad_request",
		    "rev must be \"exact\" or \"fuse\"");
		return;
	}
	exact = rev != NULL && strcmp(rev, "exact") == 0;
	if (since != NULL
	    && (strlen(since) != 64
	        || ig_hex_decode_fixed(since, 64, id, 32) != IG_OK)) {
		ig_http_res_error(res, 400, "bad_request",
		    "since must be a checkpoint id: 64 hex digits");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.time_s = now;
	o.rev_k = exact ? IG_REVFILTER_EXACT : IG_REVFILTER_K_DEFAULT;
	o.member_id = m->id;
	o.pub = m->pub;
	o.sign = member_sign;
	o.sign_arg = api;
	ig_buf_reset(&res->body);
	nng_mtx_lock(c->mtx);
	if (since != NULL) {
		const struct bundle_base *b = base_find(c, id);
		if (b == NULL) {
			nng_mtx_unlock(c->mtx);
			ig_http_res_error(res, 410, "unknown_checkpoint",
			    "no full bundle of this checkpoint is known here "
			    "(any more): fetch a full bundle");
			return;
		}
		o.since = ig_buf_slice(&b->text);
		e = ig_bundle_build(api->reg, &o, &res->body, NULL);
		nng_mtx_unlock(c->mtx);
		if (e == IG_ESTATE) {
			ig_http_res_error(res, 409, "not_a_base",
			    "the checkpoint is not a state of this node's "
			    "logs "
			    "(a log was withdrawn since): fetch a full "
			    "bundle");
			return;
		}
		if (e != IG_OK)
			goto fail;
		res->status = 200;
		res->content_type = "application/vnd.intyg.bundle";
		res->cache_control = "no-cache";
		etag_set(res, id, true);
		return;
	}
	slot = &c->full[exact ? 1 : 0];
	if (!slot->valid || slot->gen != gen) {
		ig_buf_reset(&slot->bytes);
		slot->valid = false;
		if ((e = ig_bundle_build(api->reg, &o, &slot->bytes, &text))
		        != IG_OK
		    || (e = ig_sha256(ig_buf_slice(&text), slot->id)) != IG_OK
		    || (e = base_remember(c, slot->id, ig_buf_slice(&text)))
		        != IG_OK) {
			nng_mtx_unlock(c->mtx);
			goto fail;
		}
		slot->valid = true;
		slot->gen = gen;
		slot->made_s = now;
	}
	e = ig_buf_append(&res->body, slot->bytes.ptr, slot->bytes.len);
	memcpy(id, slot->id, 32);
	nng_mtx_unlock(c->mtx);
	if (e != IG_OK)
		goto fail;
	ig_buf_free(&text);
	res->status = 200;
	res->content_type = "application/vnd.intyg.bundle";
	res->cache_control = "no-cache";
	etag_set(res, id, false);
	return;
fail:
	ig_buf_free(&text);
	ig_buf_reset(&res->body);
	IG_WARN(SUB, "GET /v1/bundle: %s", ig_strerror(e));
	res->retry_after = true;
	ig_http_res_error(res, 503, "unavailable",
	    "no bundle can be made now: %s", ig_strerror(e));
}
