/*
 * routes_admin.c - POST /admin/v1/publish on the admin listener: the
 * operations of `intyg publish --node` as JSON, handed to the node's
 * publish hook, which signs them as the node's next entry, applies it
 * and pushes it to the peers.
 *
 *   {"ops": [
 *     {"op": "csca.put", "country": "SE", "der": "<Base64 DER>"},
 *     {"op": "dsc.put",  "country": "SE", "der": "<Base64 DER>",
 *      "source": "national"},
 *     {"op": "dsc.del",  "kid": "<kid>", "thumbprint": "<hex>",
 *      "reason": "key compromise"},
 *     {"op": "rev.put",  "kid": "<kid>", "hash_type": "UCI",
 *      "expires": "2030-01-01T00:00:00Z", "hashes": ["<32 hex>", ...]},
 *     {"op": "rev.del",  "kid": "<kid>", "hash_type": "UCI",
 *      "hashes": ["<32 hex>", ...]}]}
 *
 * A kid is any spelling registry/codec/kid.h reads; a rev.put's expires
 * is optional (absent or null: the revocation never expires, as with
 * `intyg publish revoke`).
 *
 * The listener has checked the bearer token before this runs. Every op is
 * decoded and bounded here (IG_ENTRY_OPS_MAX ops, the limits of the
 * entry format); the registry judges the rest when the node applies the
 * entry, and its error becomes the status.
 */
#include <string.h>

#include "api/json_body.h"
#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/codec/kid.h"
#include "registry/store.h"

#define SUB "admin"

typedef struct op_bufs {
	ig_buf der; /* decoded DER */
	ig_buf hashes; /* concatenated 16-byte hashes */
} op_bufs;

static bool
hex_decode(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0'
		    : c >= 'a' && c <= 'f'   ? c - 'a' + 10
		    : c >= 'A' && c <= 'F'   ? c - 'A' + 10
		                             : -1;
		if (d < 0)
			return false;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t) (d << 4);
		else
			out[i / 2] |= (uint8_t) d;
	}
	return true;
}

static bool
kid_get(const json_t *o, uint8_t kid[8])
{
	const char *s = json_string_value(json_object_get(o, "kid"));
	/* any spelling of codec/kid.h */
	return s != NULL && ig_kid_parse(s, strlen(s), kid) == IG_OK;
}

static bool
country_get(const json_t *o, char cc[3])
{
	const char *s = json_string_value(json_object_get(o, "country"));
	if (s == NULL || strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z'
	    || s[1] < 'A' || s[1] > 'Z')
		return false;
	memcpy(cc, s, 3);
	return true;
}

static bool
der_get(const json_t *o, ig_buf *der)
{
	const char *s = json_string_value(json_object_get(o, "der"));
	ig_buf_init(der, IG_CERT_DER_MAX);
	return s != NULL && ig_base64_decode(s, strlen(s), false, der) == IG_OK
	    && der->len > 0;
}

static bool
hashes_get(const json_t *o, ig_buf *out)
{
	const json_t *a = json_object_get(o, "hashes");
	size_t n = json_array_size(a);
	ig_buf_init(out, 16 * IG_REV_HASHES_MAX);
	if (!json_is_array(a) || n == 0 || n > IG_REV_HASHES_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		uint8_t h[16];
		if (s == NULL || !hex_decode(s, h, 16)
		    || ig_buf_append(out, h, 16) != IG_OK)
			return false;
	}
	return true;
}

/* Decodes one op; its bytes live in b. */
static bool
op_decode(const json_t *o, ig_entry_op *op, op_bufs *b, const char **why)
{
	const char *name = json_string_value(json_object_get(o, "op"));
	memset(op, 0, sizeof(*op));
	*why = "bad op";
	if (!json_is_object(o) || name == NULL) {
		*why = "each op is an object with \"op\"";
		return false;
	}
	if (strcmp(name, "csca.put") == 0 || strcmp(name, "dsc.put") == 0) {
		const char *src
		    = json_string_value(json_object_get(o, "source"));
		op->kind = name[0] == 'c' ? IG_OP_CSCA_PUT : IG_OP_DSC_PUT;
		if (!country_get(o, op->country) || !der_get(o, &b->der)) {
			*why = "needs country (2 letters) and der (Base64)";
			return false;
		}
		op->der = ig_buf_slice(&b->der);
		if (op->kind == IG_OP_DSC_PUT) {
			if (src == NULL)
				src = "national";
			if (strlen(src) == 0
			    || strlen(src) > IG_DSC_SOURCE_MAX)
				return false;
			op->source = ig_slice_make(src, strlen(src));
		}
		return true;
	}
	if (strcmp(name, "dsc.del") == 0) {
		const char *tp
		    = json_string_value(json_object_get(o, "thumbprint"));
		const char *reason
		    = json_string_value(json_object_get(o, "reason"));
		op->kind = IG_OP_DSC_DEL;
		if (!kid_get(o, op->kid) || tp == NULL
		    || !hex_decode(tp, op->thumbprint, 32)) {
			*why = "needs kid (Base64, base64url or hex) and "
			       "thumbprint (hex)";
			return false;
		}
		if (reason == NULL)
			reason = "";
		if (strlen(reason) > IG_DSC_REASON_MAX)
			return false;
		op->reason = ig_slice_make(reason, strlen(reason));
		return true;
	}
	if (strcmp(name, "rev.put") == 0 || strcmp(name, "rev.del") == 0) {
		const char *ht
		    = json_string_value(json_object_get(o, "hash_type"));
		ig_hash_type t;
		op->kind = name[4] == 'p' ? IG_OP_REV_PUT : IG_OP_REV_DEL;
		if (!kid_get(o, op->kid) || ht == NULL
		    || ig_hash_type_parse(ht, &t) != IG_OK
		    || !hashes_get(o, &b->hashes)) {
			*why = "needs kid, hash_type and hashes (hex)";
			return false;
		}
		op->hash_type = (uint8_t) t;
		op->hashes = ig_buf_slice(&b->hashes);
		if (op->kind == IG_OP_REV_PUT) {
			/* Optional, as in `intyg publish revoke`: absent
			 * or null, the revocation never expires (0). */
			const json_t *jx = json_object_get(o, "expires");
			const char *ex = json_string_value(jx);
			int64_t t_exp;
			op->expires_ms = 0;
			if (jx != NULL && !json_is_null(jx)
			    && (ex == NULL
			        || ig_isotime_parse(ex, strlen(ex), &t_exp)
			            != IG_OK
			        || t_exp <= 0 || t_exp > INT64_MAX / 1000)) {
				*why = "rev.put: expires must be an ISO 8601 "
				       "time (or absent: never expires)";
				return false;
			}
			if (ex != NULL)
				op->expires_ms = (uint64_t) t_exp * 1000;
		}
		return true;
	}
	*why = "unknown op";
	return false;
}

static uint16_t
publish_status(ig_err e, const char **code)
{
	switch (e) {
	case IG_EINVAL:
	case IG_EOPINVALID:
	case IG_ECERT:
	case IG_ECOUNTRY:
	case IG_EKIDMISMATCH:
	case IG_EUNKNOWNKID:
	case IG_ECHAIN:
		*code = "rejected";
		return 400;
	case IG_EAUTHORITY:
		*code = "forbidden";
		return 403;
	case IG_EFROZEN:
		*code = "frozen";
		return 409;
	default:
		*code = "internal";
		return 500;
	}
}

void
ig_route_admin_publish(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	json_t *body = NULL, *ops;
	ig_entry_op *v = NULL;
	op_bufs *bufs = NULL;
	size_t n = 0;
	const char *why = "", *code;
	char err[256] = "";
	uint64_t seq = 0;
	ig_err e;

	if (api->hooks.publish == NULL) {
		ig_http_res_error(
		    res, 501, "not_implemented", "this node cannot publish");
		return;
	}
	if ((body = ig_json_body_read(req, res)) == NULL)
		return;
	ops = json_object_get(body, "ops");
	n = json_array_size(ops);
	if (!json_is_array(ops) || n == 0 || n > IG_ENTRY_OPS_MAX) {
		ig_http_res_error(res, 400, "bad_request",
		    "send {\"ops\": [...]} with 1..%d ops", IG_ENTRY_OPS_MAX);
		goto out;
	}
	if ((v = ig_calloc(n, sizeof(*v))) == NULL
	    || (bufs = ig_calloc(n, sizeof(*bufs))) == NULL) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!op_decode(
		        json_array_get(ops, i), &v[i], &bufs[i], &why)) {
			ig_http_res_error(
			    res, 400, "bad_request", "op %zu: %s", i, why);
			goto out;
		}
	e = api->hooks.publish(api->hooks.ctx, v, n, &seq, err, sizeof(err));
	if (e != IG_OK) {
		uint16_t st = publish_status(e, &code);
		IG_WARN(
		    SUB, "publication refused: %s (%s)", ig_err_name(e), err);
		ig_http_res_error(res, st, code, "%s: %s", ig_err_name(e),
		    err[0] != '\0' ? err : ig_strerror(e));
		goto out;
	}
	IG_INFO(
	    SUB, "published %zu ops as seq %llu", n, (unsigned long long) seq);
	ig_http_res_json(
	    res, 200, json_pack("{s:I}", "seq", (json_int_t) seq));
out:
	for (size_t i = 0; bufs != NULL && i < n; i++) {
		ig_buf_free(&bufs[i].der);
		ig_buf_free(&bufs[i].hashes);
	}
	ig_free(bufs);
	ig_free(v);
	json_decref(body);
}

void
ig_route_admin_backup(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	json_t *body;
	const char *dir;
	ig_err e;

	if ((body = ig_json_body_read(req, res)) == NULL)
		return;
	dir = json_string_value(json_object_get(body, "dir"));
	if (dir == NULL || dir[0] != '/' || strlen(dir) >= IG_PATH_MAX) {
		ig_http_res_error(res, 400, "bad_request",
		    "send {\"dir\": \"/absolute/path\"} (a directory that "
		    "does not exist yet, under %d bytes)",
		    IG_PATH_MAX);
		json_decref(body);
		return;
	}
	e = ig_store_checkpoint(ig_registry_store(w->api->reg), dir);
	if (e == IG_EEXISTS)
		ig_http_res_error(res, 409, "exists",
		    "%s exists: name a new directory", dir);
	else if (e != IG_OK)
		ig_http_res_error(res, 500, "internal",
		    "the checkpoint failed: %s (see the node's log)",
		    ig_strerror(e));
	else {
		IG_INFO(SUB, "backup: store checkpoint written to %s", dir);
		ig_http_res_json(res, 200, json_pack("{s:s}", "dir", dir));
	}
	json_decref(body);
}
