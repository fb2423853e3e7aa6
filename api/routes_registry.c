/*
 * routes_registry.c - the registry's contents over HTTP: issuers by
 * country and by kid, revocation lookups, the EU gateway trust-list
 * shape, and the federation (root, heads, equivocation evidence).
 *
 * The issuers are the DSCs the registry holds, read from its records
 * (ig_registry_dsc_all_each, ig_registry_dsc_each; no log is read for
 * them). Their "published" time is the one thing the records lack: it
 * comes from the log index of registry/walk.h (ig_walk_dsc_put_time),
 * the index the gateway export reads, brought up to the registry's
 * heads before each listing. A certificate published and later removed
 * is therefore listed only while the registry holds it.
 */
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/codec/kid.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/walk.h"

#define SUB "http"

/* The canonical spelling of a kid (standard Base64) as a JSON string. */
static json_t *
kid_json(const uint8_t kid[8])
{
	char t[IG_KID_TEXT_LEN + 1];
	ig_kid_format(kid, t);
	return json_string(t);
}

/* --- certificate JSON -------------------------------------------------------
 */

static bool
country_param(const ig_http_req *req, ig_http_res *res, char cc[3])
{
	const char *c = ig_http_param_get(req, "country");
	cc[0] = '\0';
	if (c == NULL || c[0] == '\0')
		return true;
	if (!(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
	        && c[2] == '\0')) {
		ig_http_res_error(res, 400, "bad_request",
		    "country must be two upper-case letters");
		return false;
	}
	memcpy(cc, c, 3);
	return true;
}

/* The issuer view of one DSC. */
static json_t *
issuer_json(ig_api *api, const ig_registry_dsc *d)
{
	ig_x509 *x = NULL;
	json_t *o;
	char subj[256], iss[256], key[64];
	int64_t nb = 0, na = 0;
	uint64_t t = 0;

	if (ig_x509_from_der(d->der, &x) != IG_OK)
		return NULL;
	ig_x509_subject(x, subj, sizeof(subj));
	ig_x509_issuer(x, iss, sizeof(iss));
	ig_x509_key_desc(x, key, sizeof(key));
	ig_x509_validity(x, &nb, &na);
	if (ig_walk_dsc_put_time(
	        api->walk, d->thumbprint, d->origin, d->seq, &t)
	    != IG_OK)
		t = 0;
	o = json_pack("{s:o,s:s,s:o,s:s,s:s,s:o,s:o,s:s,s:s%,s:s%,s:I,s:o,"
	              "s:o}",
	    "kid", kid_json(d->kid), "country", d->country, "thumbprint",
	    ig_json_hex(d->thumbprint, 32), "subject", subj, "issuer", iss,
	    "not_before", ig_json_time(nb), "not_after", ig_json_time(na),
	    "key", key, "source", (const char *) d->source.ptr, d->source.len,
	    "origin", (const char *) d->origin.ptr, d->origin.len, "seq",
	    (json_int_t) d->seq, "published",
	    t != 0 ? ig_json_time((int64_t) (t / 1000)) : json_null(),
	    "rawData", ig_json_b64(d->der.ptr, d->der.len, false));
	ig_x509_free(x);
	return o;
}

typedef struct list_ctx {
	ig_api *api;
	json_t *out;
	char cc[3];
	size_t n;
} list_ctx;

static ig_err
list_dsc(void *arg, const ig_registry_dsc *d, bool *stop)
{
	list_ctx *c = arg;
	json_t *o;
	if (c->cc[0] != '\0' && strcmp(c->cc, d->country) != 0)
		return IG_OK;
	if (c->n >= IG_HTTP_LIST_MAX) {
		*stop = true;
		return IG_OK;
	}
	o = issuer_json(c->api, d);
	if (o == NULL) {
		IG_WARN(SUB, "a stored DSC cannot be listed");
		return IG_OK;
	}
	c->n++;
	return json_array_append_new(c->out, o) == 0 ? IG_OK : IG_ENOMEM;
}

void
ig_route_issuers(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	list_ctx c;
	memset(&c, 0, sizeof(c));
	c.api = w->api;
	if (!country_param(req, res, c.cc))
		return;
	if ((c.out = json_array()) == NULL
	    || ig_walk_refresh(w->api->walk, w->api->reg) != IG_OK
	    || ig_registry_dsc_all_each(w->api->reg, list_dsc, &c) != IG_OK) {
		json_decref(c.out);
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	ig_http_res_json(res, 200, json_pack("{s:o}", "issuers", c.out));
}

/* Decodes a path kid: any spelling codec/kid.h takes (standard Base64
 * or base64url, padded or not, 16 hex digits, '/' raw or as "%2F"). */
static bool
kid_decode(const char *s, uint8_t kid[8])
{
	return ig_kid_parse(s, strlen(s), kid) == IG_OK;
}

void
ig_route_issuer(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	uint8_t kid[8];
	list_ctx c;

	if (!kid_decode(req->tail, kid)) {
		ig_http_res_error(res, 400, "bad_kid",
		    "the kid must be 8 bytes: Base64 or base64url (a '/' "
		    "raw or as %%2F) or 16 hex digits");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.api = w->api;
	if ((c.out = json_array()) == NULL
	    || ig_walk_refresh(w->api->walk, w->api->reg) != IG_OK
	    || ig_registry_dsc_each(w->api->reg, kid, list_dsc, &c) != IG_OK) {
		json_decref(c.out);
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	if (json_array_size(c.out) == 0) {
		json_decref(c.out);
		ig_http_res_error(
		    res, 404, "not_found", "no issuer with this kid");
		return;
	}
	ig_http_res_json(res, 200,
	    json_pack("{s:o,s:o}", "kid", kid_json(kid), "issuers", c.out));
}

/* --- revocations ------------------------------------------------------------
 */

static bool
hash_decode(const char *s, uint8_t out[16])
{
	size_t n = strlen(s);
	ig_buf b;
	bool ok = false;
	if (n == 32) {
		for (size_t i = 0; i < 16; i++) {
			int v = 0;
			for (int k = 0; k < 2; k++) {
				char ch = s[2 * i + (size_t) k];
				int d = ch >= '0' && ch <= '9' ? ch - '0'
				    : ch >= 'a' && ch <= 'f'   ? ch - 'a' + 10
				    : ch >= 'A' && ch <= 'F'   ? ch - 'A' + 10
				                               : -1;
				if (d < 0)
					return false;
				v = v * 16 + d;
			}
			out[i] = (uint8_t) v;
		}
		return true;
	}
	ig_buf_init(&b, 32);
	if (n <= 24
	    && (ig_base64_decode(s, n, false, &b) == IG_OK
	        || ig_base64_decode(s, n, true, &b) == IG_OK)
	    && b.len == 16) {
		memcpy(out, b.ptr, 16);
		ok = true;
	}
	ig_buf_free(&b);
	return ok;
}

static ig_err
count_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	(void) d;
	*(bool *) arg = true;
	*stop = true;
	return IG_OK;
}

void
ig_route_revocation(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	static const ig_hash_type all[]
	    = { IG_HASH_SIGNATURE, IG_HASH_UCI, IG_HASH_COUNTRYCODEUCI };
	const char *type = ig_http_param_get(req, "type");
	const char *hash = ig_http_param_get(req, "hash");
	uint8_t kid[8], h[16];
	ig_hash_type one;
	bool known = false;
	json_t *matches;
	size_t nt = 3;
	const ig_hash_type *types = all;

	if (!kid_decode(req->tail, kid)) {
		ig_http_res_error(res, 400, "bad_kid",
		    "the kid must be 8 bytes: Base64 or base64url (a '/' "
		    "raw or as %%2F) or 16 hex digits");
		return;
	}
	if (hash == NULL || !hash_decode(hash, h)) {
		ig_http_res_error(res, 400, "bad_hash",
		    "hash (16 bytes: 32 hex digits or Base64) is required");
		return;
	}
	if (type != NULL) {
		if (ig_hash_type_parse(type, &one) != IG_OK) {
			ig_http_res_error(res, 400, "bad_type",
			    "type must be SIGNATURE, UCI or COUNTRYCODEUCI");
			return;
		}
		types = &one;
		nt = 1;
	}
	if (ig_registry_dsc_each(w->api->reg, kid, count_one, &known) != IG_OK
	    || (matches = json_array()) == NULL) {
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	for (size_t i = 0; i < nt; i++) {
		uint64_t exp = 0;
		ig_err e = ig_registry_rev_get(
		    w->api->reg, kid, (uint8_t) types[i], h, &exp);
		if (e == IG_ENOTFOUND)
			continue;
		if (e != IG_OK) {
			json_decref(matches);
			ig_http_res_error(
			    res, 500, "internal", "cannot read the registry");
			return;
		}
		(void) json_array_append_new(matches,
		    json_pack("{s:s,s:o}", "type", ig_hash_type_name(types[i]),
		        "expires", ig_json_time((int64_t) (exp / 1000))));
	}
	ig_http_res_json(res, 200,
	    json_pack("{s:o,s:o,s:b,s:b,s:o}", "kid", kid_json(kid), "hash",
	        ig_json_hex(h, 16), "kid_known", known, "revoked",
	        json_array_size(matches) > 0, "matches", matches));
}

/* --- federation
 * --------------------------------------------------------------- */

static json_t *
member_json(const ig_root_member *m)
{
	json_t *cc = json_array(), *roles = json_array(), *o;
	for (size_t i = 0; i < m->n_countries; i++)
		(void) json_array_append_new(cc, json_string(m->countries[i]));
	if (m->roles & IG_ROLE_AUTHORITY)
		(void) json_array_append_new(roles, json_string("authority"));
	if (m->roles & IG_ROLE_GATEWAY_BRIDGE)
		(void) json_array_append_new(
		    roles, json_string("gateway-bridge"));
	if (m->roles & IG_ROLE_MIRROR)
		(void) json_array_append_new(roles, json_string("mirror"));
	o = json_pack("{s:s%,s:s%,s:o,s:o,s:o,s:s%,s:s%}", "id",
	    (const char *) m->id.ptr, m->id.len, "name",
	    (const char *) m->name.ptr, m->name.len, "ed25519_pub",
	    ig_json_b64(m->pub, 32, false), "countries", cc, "roles", roles,
	    "gossip_url", (const char *) m->gossip_url.ptr, m->gossip_url.len,
	    "api_url", (const char *) m->api_url.ptr, m->api_url.len);
	return o;
}

static ig_err
evidence_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	json_t *a = arg;
	(void) stop;
	if (json_array_size(a) >= IG_GOSSIP_EVIDENCE_SEEN_MAX)
		return IG_OK;
	return json_array_append_new(a,
	           json_pack("{s:s%,s:I,s:o,s:o}", "origin",
	               (const char *) ev->origin.ptr, ev->origin.len, "seq",
	               (json_int_t) ev->seq, "first",
	               ig_json_b64(ev->first.ptr, ev->first.len, false),
	               "second",
	               ig_json_b64(ev->second.ptr, ev->second.len, false)))
	        == 0
	    ? IG_OK
	    : IG_ENOMEM;
}

void
ig_route_federation(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const ig_root *r = ig_registry_root(w->api->reg);
	json_t *root, *members = json_array(), *sigs = json_array();
	json_t *heads, *evidence = json_array();
	(void) req;

	for (size_t i = 0; i < ig_root_member_count(r); i++)
		(void) json_array_append_new(
		    members, member_json(ig_root_member_at(r, i)));
	for (size_t i = 0; i < ig_root_sig_count(r); i++) {
		const ig_root_sig *s = ig_root_sig_at(r, i);
		(void) json_array_append_new(sigs,
		    json_stringn(
		        (const char *) s->member_id.ptr, s->member_id.len));
	}
	root = ig_api_root_json(w->api);
	heads = ig_api_heads_json(w->api);
	if (root == NULL || heads == NULL || members == NULL || sigs == NULL
	    || evidence == NULL
	    || ig_registry_evidence_each(w->api->reg, evidence_one, evidence)
	        != IG_OK) {
		json_decref(root);
		json_decref(heads);
		json_decref(members);
		json_decref(sigs);
		json_decref(evidence);
		ig_http_res_error(
		    res, 500, "internal", "cannot read the registry");
		return;
	}
	(void) json_object_set_new(root, "fed_id",
	    json_stringn(
	        (const char *) ig_root_fed_id(r).ptr, ig_root_fed_id(r).len));
	(void) json_object_set_new(root, "threshold",
	    json_integer((json_int_t) ig_root_threshold(r)));
	(void) json_object_set_new(root, "signed_by", sigs);
	ig_http_res_json(res, 200,
	    json_pack("{s:o,s:o,s:o,s:o}", "root", root, "members", members,
	        "heads", heads, "evidence", evidence));
}
