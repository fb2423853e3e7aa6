/*
 * routes.c - the EU gateway's download shapes (docs/api.md, "EU
 * gateway formats"), so that a national backend written for the gateway can
 * read a node instead: the trust list by type and country with the gateway's
 * paging and If-Modified-Since deltas (deletion markers included), and
 * the revocation batch list and batches. docs/api.md, "EU gateway
 * formats (export)", has the mapping and the divergences.
 *
 * Every answer reads the export index (registry/walk.h), refreshed at
 * the start of the request: it costs the entries applied since the
 * previous request plus the answer. The certificates themselves are read
 * from the registry for the items of the answer only (after paging).
 *
 * Errors where the gateway has no body of its own use the project's
 * shape ({"error": {"code", "message"}}).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/kid.h"
#include "registry/hashtype.h"
#include "registry/walk.h"

#define SUB "http"

/* The gateway's page size when only page is given (ListUtils). */
#define PAGESIZE_DEFAULT 100

/* --- request parsing -------------------------------------------------------
 */

/* A decimal number of 1..9 digits. */
static bool
number(const char *s, size_t *out)
{
	size_t v = 0, n = 0;
	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 9)
			return false;
		v = v * 10 + (size_t) (s[n] - '0');
	}
	if (n == 0)
		return false;
	*out = v;
	return true;
}

/* page and pagesize: paging applies when either is given (defaults 0 and
 * PAGESIZE_DEFAULT); pagesize 1..IG_HTTP_LIST_MAX. */
static bool
paging(const ig_http_req *req, ig_http_res *res, size_t *skip, size_t *max)
{
	const char *p = ig_http_param_get(req, "page");
	const char *ps = ig_http_param_get(req, "pagesize");
	size_t page = 0, size = PAGESIZE_DEFAULT;
	*skip = 0;
	*max = IG_HTTP_LIST_MAX;
	if (p == NULL && ps == NULL)
		return true;
	if ((p != NULL && !number(p, &page))
	    || (ps != NULL
	        && (!number(ps, &size) || size == 0
	            || size > IG_HTTP_LIST_MAX))) {
		ig_http_res_error(res, 400, "bad_request",
		    "page must be a number >= 0 and pagesize 1..%d",
		    IG_HTTP_LIST_MAX);
		return false;
	}
	*skip = page * size;
	*max = size;
	return true;
}

/* If-Modified-Since as the gateway reads it (ISO 8601). *set is false
 * when the header is absent. */
static bool
ims(const ig_http_req *req, ig_http_res *res, bool *set, uint64_t *ns)
{
	const char *v = req->if_modified_since;
	*set = false;
	if (v == NULL)
		return true;
	if (ig_walk_time_parse(v, strlen(v), ns) != IG_OK) {
		ig_http_res_error(res, 400, "bad_request",
		    "If-Modified-Since must be an ISO 8601 date-time with a "
		    "zone, e.g. 2021-06-01T00:00:00Z");
		return false;
	}
	*set = true;
	return true;
}

/* --- trust list ------------------------------------------------------------
 */

typedef struct find_ctx {
	const ig_walk_cert *it;
	json_t *raw, *sig; /* found: new references */
} find_ctx;

static bool
same_origin(ig_slice o, const ig_walk_cert *it)
{
	return o.len == it->origin_len
	    && memcmp(o.ptr, it->origin, o.len) == 0;
}

static ig_err
find_dsc(void *arg, const ig_registry_dsc *d, bool *stop)
{
	find_ctx *c = arg;
	if (memcmp(d->thumbprint, c->it->thumbprint, 32) != 0
	    || !same_origin(d->origin, c->it))
		return IG_OK;
	*stop = true;
	c->raw = ig_json_b64(d->der.ptr, d->der.len, false);
	c->sig = d->gateway_cms.len > 0
	    ? ig_json_b64(d->gateway_cms.ptr, d->gateway_cms.len, false)
	    : json_null();
	return c->raw != NULL && c->sig != NULL ? IG_OK : IG_ENOMEM;
}

static ig_err
find_csca(void *arg, const ig_registry_csca *r, bool *stop)
{
	find_ctx *c = arg;
	if (memcmp(r->thumbprint, c->it->thumbprint, 32) != 0
	    || !same_origin(r->origin, c->it))
		return IG_OK;
	*stop = true;
	c->raw = ig_json_b64(r->der.ptr, r->der.len, false);
	c->sig = json_null();
	return c->raw != NULL ? IG_OK : IG_ENOMEM;
}

/* Appends the gateway item of it to arr. A present certificate the
 * registry no longer holds (deleted after the refresh) is left out. */
static ig_err
item_append(ig_api *api, const ig_walk_cert *it, json_t *arr)
{
	find_ctx c = { it, NULL, NULL };
	json_t *o;
	ig_err e = IG_OK;

	if (it->present) {
		e = it->type == IG_WALK_DSC
		    ? ig_registry_dsc_each(api->reg, it->kid, find_dsc, &c)
		    : ig_registry_csca_each(
		        api->reg, it->country, find_csca, &c);
		if (e != IG_OK || c.raw == NULL) {
			json_decref(c.raw);
			json_decref(c.sig);
			return e;
		}
	} else {
		c.raw = json_null();
		c.sig = json_null();
	}
	o = json_pack("{s:o,s:o,s:s,s:s,s:o,s:o,s:o}", "kid",
	    json_string(it->kid_b64), "timestamp",
	    ig_json_time((int64_t) (it->put_ms / 1000)), "country",
	    it->country, "certificateType",
	    it->type == IG_WALK_DSC ? "DSC" : "CSCA", "thumbprint",
	    ig_json_hex(it->thumbprint, 32), "signature", c.sig, "rawData",
	    c.raw);
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return IG_ENOMEM;
	return IG_OK;
}

/* Answers a trust-list request for the types (bits 1 << ig_walk_type;
 * 0: the gateway types this federation has no certificates of) and
 * country ("" for all). */
static void
trustlist_answer(ig_api_worker *w, const ig_http_req *req, ig_http_res *res,
    unsigned types, const char *cc)
{
	ig_walk_cert_query q;
	ig_walk_cert *items = NULL;
	size_t skip, max, n = 0, total = 0;
	uint64_t ns = 0;
	json_t *arr;
	ig_err e = IG_OK;

	memset(&q, 0, sizeof(q));
	q.types = types;
	(void) snprintf(q.country, sizeof(q.country), "%s", cc);
	if (!paging(req, res, &skip, &max)
	    || !ims(req, res, &q.since_set, &ns))
		return;
	/* createdAt >= since, in whole milliseconds. */
	q.since_ms = ns / 1000000 + (ns % 1000000 != 0);
	if ((arr = json_array()) == NULL) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	if (types != 0
	    && ((e = ig_walk_refresh(w->api->walk, w->api->reg)) != IG_OK
	        || (e = ig_walk_certs(
	                w->api->walk, &q, skip, max, &items, &n, &total))
	            != IG_OK)) {
		json_decref(arr);
		IG_ERROR(SUB, "trust list: %s", ig_strerror(e));
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	for (size_t i = 0; i < n && e == IG_OK; i++)
		e = item_append(w->api, &items[i], arr);
	ig_free(items);
	if (e != IG_OK) {
		json_decref(arr);
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	ig_http_res_json(res, 200, arr);
}

/* The bits of a gateway type name; false when it is none. */
static bool
type_bits(const char *t, size_t n, unsigned *bits)
{
	if (n == 3 && memcmp(t, "DSC", 3) == 0)
		*bits = 1u << IG_WALK_DSC;
	else if (n == 4 && memcmp(t, "CSCA", 4) == 0)
		*bits = 1u << IG_WALK_CSCA;
	else if ((n == 6 && memcmp(t, "UPLOAD", 6) == 0)
	    || (n == 14 && memcmp(t, "AUTHENTICATION", 14) == 0))
		*bits = 0;
	else
		return false;
	return true;
}

void
ig_route_gw_trustlist(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const char *type = ig_http_param_get(req, "type");
	const char *c = ig_http_param_get(req, "country");
	unsigned bits = (1u << IG_WALK_DSC) | (1u << IG_WALK_CSCA);

	/* The node's own filters (the gateway has the path forms). */
	if (type != NULL) {
		if (strcmp(type, "DSC") == 0)
			bits = 1u << IG_WALK_DSC;
		else if (strcmp(type, "CSCA") == 0)
			bits = 1u << IG_WALK_CSCA;
		else {
			ig_http_res_error(res, 400, "bad_request",
			    "type must be DSC or CSCA");
			return;
		}
	}
	if (c != NULL && c[0] != '\0'
	    && !(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
	        && c[2] == '\0')) {
		ig_http_res_error(res, 400, "bad_request",
		    "country must be two upper-case letters");
		return;
	}
	trustlist_answer(w, req, res, bits, c != NULL ? c : "");
}

void
ig_route_gw_trustlist_type(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	unsigned bits;
	if (!type_bits(req->tail, strlen(req->tail), &bits)) {
		ig_http_res_error(res, 400, "bad_request",
		    "type must be DSC, CSCA, UPLOAD or AUTHENTICATION");
		return;
	}
	trustlist_answer(w, req, res, bits, "");
}

void
ig_route_gw_trustlist_type_country(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	static const char prefix[] = "/v1/trustlist/";
	const char *t = req->path + sizeof(prefix) - 1;
	const char *c = req->tail;
	char cc[3];
	unsigned bits;

	/* The router matched "/v1/trustlist/<TYPE>/<tail>". */
	if (strncmp(req->path, prefix, sizeof(prefix) - 1) != 0 || c <= t
	    || !type_bits(t, (size_t) (c - 1 - t), &bits)) {
		ig_http_res_error(res, 404, "not_found", "no such resource");
		return;
	}
	/* The gateway upper-cases the country. */
	if (strlen(c) != 2
	    || !((c[0] >= 'A' && c[0] <= 'Z') || (c[0] >= 'a' && c[0] <= 'z'))
	    || !((c[1] >= 'A' && c[1] <= 'Z')
	        || (c[1] >= 'a' && c[1] <= 'z'))) {
		ig_http_res_error(
		    res, 400, "bad_request", "country must be two letters");
		return;
	}
	for (int i = 0; i < 2; i++)
		cc[i] = (char) (c[i] >= 'a' ? c[i] - 'a' + 'A' : c[i]);
	cc[2] = '\0';
	trustlist_answer(w, req, res, bits, cc);
}

/* --- revocation list -------------------------------------------------------
 */

static json_t *
time_ns_json(uint64_t ns)
{
	char buf[32];
	ig_walk_time_format_ns(ns, buf, sizeof(buf));
	return buf[0] != '\0' ? json_string(buf) : json_null();
}

static json_t *
country_json(ig_api *api, const ig_walk_batch *b)
{
	char cc[IG_COUNTRY_SIZE];
	if (!ig_walk_batch_country(api->walk, api->reg, b, cc))
		return json_null();
	return json_string(cc);
}

void
ig_route_gw_revocation_list(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_walk_batch *bs = NULL;
	uint64_t since = 0, now_ms = (uint64_t) ig_time_now_ms();
	size_t n = 0;
	bool set, more = false;
	json_t *arr;
	ig_err e;

	if (!ims(req, res, &set, &since))
		return;
	if (!set) {
		ig_http_res_error(res, 400, "bad_request",
		    "If-Modified-Since is required (ISO 8601, e.g. "
		    "2021-06-01T00:00:00Z)");
		return;
	}
	if (since > now_ms * 1000000) {
		ig_http_res_error(res, 400, "bad_request",
		    "If-Modified-Since is in the future");
		return;
	}
	if ((e = ig_walk_refresh(w->api->walk, w->api->reg)) != IG_OK
	    || (e = ig_walk_batches(w->api->walk, now_ms, since,
	            IG_GW_BATCHLIST_MAX, &bs, &n, &more))
	        != IG_OK) {
		IG_ERROR(SUB, "revocation list: %s", ig_strerror(e));
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	if (n == 0) {
		/* Nothing newer: 204, no body. */
		ig_buf_reset(&res->body);
		res->status = 204;
		return;
	}
	if ((arr = json_array()) == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		char id[40];
		json_t *o;
		ig_walk_uuid_format(bs[i].id, id, sizeof(id));
		o = json_pack("{s:s,s:o,s:o,s:b}", "batchId", id, "country",
		    country_json(w->api, &bs[i]), "date",
		    time_ns_json(bs[i].date_ns), "deleted", bs[i].deleted);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			goto oom;
		}
	}
	ig_free(bs);
	ig_http_res_json(
	    res, 200, json_pack("{s:b,s:o}", "more", more, "batches", arr));
	return;
oom:
	ig_free(bs);
	ig_http_res_error(res, 500, "internal", "out of memory");
}

void
ig_route_gw_revocation_batch(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	uint8_t id[16];
	ig_walk_batch b;
	ig_buf hashes;
	json_t *entries, *o;
	const char *ht;
	char kid_text[IG_KID_TEXT_LEN + 1];
	ig_err e;

	/* Anything that is not a UUID names no batch. */
	if (ig_walk_uuid_parse(req->tail, strlen(req->tail), id) != IG_OK) {
		ig_http_res_error(res, 404, "not_found", "no such batch");
		return;
	}
	if ((e = ig_walk_refresh(w->api->walk, w->api->reg)) != IG_OK
	    || (e = ig_walk_batch_get(
	            w->api->walk, id, (uint64_t) ig_time_now_ms(), &b))
	        == IG_ENOTFOUND) {
		if (e == IG_ENOTFOUND)
			ig_http_res_error(
			    res, 404, "not_found", "no such batch");
		else
			ig_http_res_error(
			    res, 500, "internal", "cannot read the registry");
		return;
	}
	if (b.deleted) {
		ig_http_res_error(res, 410, "gone",
		    "the batch was withdrawn or has expired");
		return;
	}
	ig_buf_init(&hashes, IG_WALK_BATCH_HASHES * IG_REVOCATION_HASH_LEN);
	if ((e = ig_walk_batch_hashes(w->api->reg, &b, &hashes)) != IG_OK
	    || (entries = json_array()) == NULL) {
		ig_buf_free(&hashes);
		IG_ERROR(SUB, "revocation batch: %s", ig_strerror(e));
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	for (size_t i = 0; i < hashes.len; i += IG_REVOCATION_HASH_LEN)
		if (json_array_append_new(entries,
		        json_pack("{s:o}", "hash",
		            ig_json_b64(hashes.ptr + i, IG_REVOCATION_HASH_LEN,
		                false)))
		    != 0)
			break;
	ig_buf_free(&hashes);
	ht = ig_hash_type_name((ig_hash_type) b.hash_type);
	ig_kid_format(b.kid, kid_text);
	o = json_pack("{s:o,s:o,s:o,s:s,s:o}", "country",
	    country_json(w->api, &b), "expires",
	    b.expires_ms != 0 ? ig_json_time((int64_t) (b.expires_ms / 1000))
	                      : json_null(),
	    "kid", json_string(kid_text), "hashType",
	    ht != NULL ? ht : "UNKNOWN", "entries", entries);
	if (o == NULL || json_array_size(entries) != b.n_hashes) {
		json_decref(o);
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	ig_walk_uuid_format(b.id, res->etag, sizeof(res->etag));
	ig_http_res_json(res, 200, o);
}
