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
