/*
 * routes_tiles.c - the static read path (docs/protocol.md, "Read path"):
 * what a mirror or any HTTP cache needs to hold a verified copy of the
 * federation's data, as plain resources addressed by index.
 *
 *   GET /v1/log/{origin}/tile/{n}          entries n*W+1 .. n*W+W
 *   GET /v1/log/{origin}/tile/{n}.p/{w}    entries n*W+1 .. n*W+w (w < W)
 *   GET /v1/roots/{serial}                 the signed root of a serial
 *   GET /v1/evidence                       every equivocation proof
 *
 * W is IG_TILE_WIDTH. Bodies are length-prefixed records (registry/tile.h)
 * of the signed bytes exactly as stored. A full tile and a root never
 * change once they exist, so they are served "immutable" with a strong
 * ETag; the only thing that can take a tile's entries back is the fork
 * rule, and a follower learns that from the evidence (self-authenticating
 * like the entries), which it applies before any tile. A partial tile's
 * bytes are fixed too, but a follower asks for the next width soon, so it
 * gets a short lifetime; the evidence list changes and is revalidated.
 * Anything not there yet is a 404 with no-store, so that no cache keeps
 * the absence.
 *
 * Also here: the mirror's freshness as the health, readiness and metrics
 * routes report it (api/http.h, the mirror_status hook).
 */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "registry/base/log.h"
#include "registry/codec/hex.h"
#include "registry/crypto/crypto.h"
#include "registry/registry.h"
#include "registry/tile.h"

#define SUB "http"

#define CC_IMMUTABLE  "public, max-age=31536000, immutable"
#define CC_PARTIAL    "public, max-age=5"
#define CC_REVALIDATE "no-cache"

/* Parses a canonical decimal (no sign, no leading zero, no junk) of at
 * most max; the segment ends at end. */
static bool
dec_parse(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == end || (s[0] == '0' && end - s > 1))
		return false;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (v > (max - (uint64_t) (*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t) (*p - '0');
	}
	*out = v;
	return true;
}

/* A member id as it may appear in a path segment. */
static bool
origin_ok(const char *s, size_t n)
{
	if (n == 0 || n > IG_MEMBER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		        || (c >= '0' && c <= '9') || c == '-' || c == '_'
		        || c == '.'))
			return false;
	}
	return true;
}

/* Sets a strong ETag from a hash. */
static void
etag_set(ig_http_res *res, const uint8_t h[32])
{
	char hex[33];
	ig_hex_encode(h, 16, hex);
	hex[32] = '\0';
	snprintf(res->etag, sizeof(res->etag), "\"%s\"", hex);
}

typedef struct tile_ctx {
	ig_buf *out;
	uint64_t last; /* the last seq to take */
	uint64_t taken;
	uint8_t last_hash[32];
	ig_err err;
} tile_ctx;

static ig_err
tile_one(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	tile_ctx *c = arg;
	ig_err err;

	if ((err = ig_tile_append(c->out, signed_entry)) != IG_OK)
		return err;
	c->taken++;
	if (seq >= c->last) {
		/* The hash of the signed bytes of the tile's last entry: it
		 * names the entry, which names every one before it through
		 * prev_hash, so it names the tile's contents. */
		if ((err = ig_sha256(signed_entry, c->last_hash)) != IG_OK)
			return err;
		*stop = true;
	}
	return IG_OK;
}

void
ig_route_log(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const char *t = req->tail, *slash, *num, *end, *dot;
	ig_registry_head head;
	uint64_t n, width = IG_TILE_WIDTH, first;
	bool partial = false;
	tile_ctx c;
	ig_err err;

	/* {origin}/tile/{n} or {origin}/tile/{n}.p/{w} */
	slash = strchr(t, '/');
	if (slash == NULL || !origin_ok(t, (size_t) (slash - t))
	    || strncmp(slash, "/tile/", 6) != 0) {
		ig_http_res_error(res, 404, "not_found",
		    "no such resource (expected /v1/log/ORIGIN/tile/N)");
		return;
	}
	num = slash + 6;
	end = num + strlen(num);
	dot = strchr(num, '.');
	if (dot != NULL) {
		if (strncmp(dot, ".p/", 3) != 0
		    || !dec_parse(dot + 3, end, IG_TILE_WIDTH - 1, &width)
		    || width == 0) {
			ig_http_res_error(res, 404, "not_found",
			    "a partial tile is N.p/W with W in 1..%d",
			    IG_TILE_WIDTH - 1);
			return;
		}
		partial = true;
		end = dot;
	}
	if (!dec_parse(num, end, (UINT64_MAX >> 8) / IG_TILE_WIDTH, &n)) {
		ig_http_res_error(res, 404, "not_found",
		    "the tile index is a decimal without leading zeros");
		return;
	}
	first = n * IG_TILE_WIDTH + 1;
	if ((err = ig_registry_head_get(
	         w->api->reg, ig_slice_make(t, (size_t) (slash - t)), &head))
	    != IG_OK) {
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	if (head.seq < first + width - 1) {
		ig_http_res_error(res, 404, "not_found",
		    "the log of %.*s holds %llu entries: tile %llu%s is not "
		    "complete",
		    (int) (slash - t), t, (unsigned long long) head.seq,
		    (unsigned long long) n, partial ? " (partial)" : "");
		return;
	}
	ig_buf_reset(&res->body);
	memset(&c, 0, sizeof(c));
	c.out = &res->body;
	c.last = first + width - 1;
	err = ig_registry_entries_each(w->api->reg,
	    ig_slice_make(t, (size_t) (slash - t)), first, tile_one, &c);
	if (err != IG_OK || c.taken != width) {
		/* A damaged log is served only up to its damage (registry.h):
		 * the tile is not complete here. */
		ig_buf_reset(&res->body);
		if (err == IG_OK)
			ig_http_res_error(res, 404, "not_found",
			    "tile %llu of %.*s cannot be served whole here",
			    (unsigned long long) n, (int) (slash - t), t);
		else
			ig_http_res_error(res, 500, "internal",
			    "cannot read the log: %s", ig_strerror(err));
		return;
	}
	res->status = 200;
	res->content_type = "application/octet-stream";
	res->cache_control = partial ? CC_PARTIAL : CC_IMMUTABLE;
	etag_set(res, c.last_hash);
}

void
ig_route_roots(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const ig_root *r;
	uint64_t serial;
	ig_slice b;
	uint8_t h[32];

	if (!dec_parse(
	        req->tail, req->tail + strlen(req->tail), UINT64_MAX, &serial)
	    || serial == 0) {
		ig_http_res_error(res, 404, "not_found",
		    "the serial is a decimal from 1, without leading zeros");
		return;
	}
	if ((r = ig_registry_root_at(w->api->reg, serial)) == NULL) {
		ig_http_res_error(res, 404, "not_found",
		    "root serial %llu is not held here (newest: %llu)",
		    (unsigned long long) serial,
		    (unsigned long long) ig_root_serial(
		        ig_registry_root(w->api->reg)));
		return;
	}
	b = ig_root_signed_bytes(r);
	ig_buf_reset(&res->body);
	if (ig_buf_append(&res->body, b.ptr, b.len) != IG_OK
	    || ig_sha256(b, h) != IG_OK) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	res->status = 200;
	res->content_type = "application/octet-stream";
	res->cache_control = CC_IMMUTABLE;
	etag_set(res, h);
}

static ig_err
evidence_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	ig_buf *out = arg;
	ig_err err;

	(void) stop;
	if ((err = ig_tile_append(out, ev->first)) != IG_OK)
		return err;
	return ig_tile_append(out, ev->second);
}

void
ig_route_evidence(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_buf b;
	uint8_t h[32];
	ig_err err;

	(void) req;
	ig_buf_init(&b, IG_EVIDENCE_BYTES_MAX);
	err = ig_registry_evidence_each(w->api->reg, evidence_one, &b);
	if (err == IG_OK)
		err = ig_sha256(ig_buf_slice(&b), h);
	ig_buf_reset(&res->body);
	if (err == IG_OK)
		err = ig_buf_append(&res->body, b.ptr, b.len);
	ig_buf_free(&b);
	if (err != IG_OK) {
		ig_http_res_error(res, 500, "internal",
		    "cannot list the evidence: %s", ig_strerror(err));
		return;
	}
	res->status = 200;
	res->content_type = "application/octet-stream";
	res->cache_control = CC_REVALIDATE;
	etag_set(res, h);
}

/* --- a mirror's freshness ------------------------------------------------ */

bool
ig_api_mirror_get(ig_api *api, ig_api_mirror *out)
{
	memset(out, 0, sizeof(*out));
	out->checkpoint_age_s = -1;
	if (api->hooks.mirror_status == NULL)
		return false;
	api->hooks.mirror_status(api->hooks.ctx, out);
	return out->mirror;
}

json_t *
ig_api_mirror_json(const ig_api_mirror *m)
{
	return json_pack("{s:b,s:I,s:I,s:s,s:I,s:s}", "fresh", m->fresh,
	    "checkpoint_age_seconds", (json_int_t) m->checkpoint_age_s,
	    "max_lag_seconds", (json_int_t) m->max_lag_s, "upstream",
	    m->upstream, "upstream_failures", (json_int_t) m->failures,
	    "last_error", m->last_error);
}

ig_err
ig_api_mirror_metrics(ig_api *api, ig_buf *out)
{
	ig_api_mirror m;

	if (!ig_api_mirror_get(api, &m))
		return IG_OK;
	return ig_buf_printf(out,
	    "# HELP intyg_mirror_checkpoint_age_seconds Age of the newest "
	    "upstream checkpoint this mirror verified and applied (-1: none "
	    "yet).\n"
	    "# TYPE intyg_mirror_checkpoint_age_seconds gauge\n"
	    "intyg_mirror_checkpoint_age_seconds %lld\n"
	    "# HELP intyg_mirror_max_lag_seconds The mirror's max_lag: older "
	    "than this, it is not ready.\n"
	    "# TYPE intyg_mirror_max_lag_seconds gauge\n"
	    "intyg_mirror_max_lag_seconds %llu\n"
	    "# HELP intyg_mirror_fresh Whether the mirror's newest verified "
	    "checkpoint is within max_lag.\n"
	    "# TYPE intyg_mirror_fresh gauge\n"
	    "intyg_mirror_fresh %d\n"
	    "# HELP intyg_mirror_upstream_failures_total Upstream rounds "
	    "that failed (unreachable, malformed or unverifiable data).\n"
	    "# TYPE intyg_mirror_upstream_failures_total counter\n"
	    "intyg_mirror_upstream_failures_total %llu\n",
	    (long long) m.checkpoint_age_s, (unsigned long long) m.max_lag_s,
	    m.fresh ? 1 : 0, (unsigned long long) m.failures);
}
