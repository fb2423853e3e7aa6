/*
 * gateway.c - the EU gateway's download formats and the bridge's checks
 * (gateway.h). JSON is read with jansson (duplicate keys refused); the
 * Base64, hex and time fields through our strict decoders; certificates
 * and CMS through registry/crypto.
 */
#include "api/gateway/gateway.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"
#include "registry/crypto/cms.h"
#include "registry/hashtype.h"

struct slot {
	ig_gw_item it;
	uint8_t *raw; /* owned */
	uint8_t *cms; /* owned */
};

struct ig_gw_list {
	struct slot *slots;
	size_t n;
};

static const char *const skip_names[IG_GW_SKIP_N_] = {
	[IG_GW_SKIP_MALFORMED] = "malformed",
	[IG_GW_SKIP_CMS] = "cms",
	[IG_GW_SKIP_COUNTRY] = "country",
	[IG_GW_SKIP_CHAIN] = "chain",
	[IG_GW_SKIP_VALIDITY] = "validity",
	[IG_GW_SKIP_KEY_USAGE] = "key_usage",
	[IG_GW_SKIP_EXPIRED] = "expired",
	[IG_GW_SKIP_UNSUPPORTED] = "unsupported",
};

const char *
ig_gw_skip_name(ig_gw_skip s)
{
	return (unsigned) s < IG_GW_SKIP_N_ ? skip_names[s] : "?";
}

/* --- field readers ------------------------------------------------------- */

/* A two-letter country code, upper-cased (the gateway upper-cases it). */
static bool
read_country(json_t *v, char cc[IG_COUNTRY_SIZE])
{
	const char *s = json_string_value(v);
	if (s == NULL || json_string_length(v) != 2)
		return false;
	for (int i = 0; i < 2; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char) (c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return false;
		cc[i] = c;
	}
	cc[2] = '\0';
	return true;
}

/* A Base64 kid of 8 bytes: 12 characters padded or 11 without. */
static bool
read_kid(const char *s, size_t len, uint8_t kid[IG_KID_LEN])
{
	char tmp[IG_GW_KID_B64_MAX + 1];
	ig_buf b;
	bool ok;

	if (len != 11 && len != 12)
		return false;
	memcpy(tmp, s, len);
	if (len == 11)
		tmp[len++] = '=';
	ig_buf_init(&b, IG_KID_LEN);
	ok = ig_base64_decode(tmp, len, false, &b) == IG_OK
	    && b.len == IG_KID_LEN;
	if (ok)
		memcpy(kid, b.ptr, IG_KID_LEN);
	ig_buf_free(&b);
	return ok;
}

static bool
read_time(json_t *v, int64_t *out)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	return s != NULL && len > 0 && len <= IG_GW_DATE_MAX
	    && ig_isotime_parse(s, len, out) == IG_OK;
}

/* Decodes a Base64 string field of at most max decoded bytes into an
 * owned copy. IG_ENOTFOUND for JSON null, IG_EFORMAT for anything else
 * that is not Base64, IG_ETOOBIG, IG_ENOMEM. */
static ig_err
read_b64(json_t *v, size_t max, uint8_t **out, size_t *len)
{
	ig_buf b;
	ig_err e;

	if (json_is_null(v))
		return IG_ENOTFOUND;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (s == NULL || n == 0)
		return IG_EFORMAT;
	if (n / 4 * 3 > max + 2)
		return IG_ETOOBIG;
	ig_buf_init(&b, max);
	e = ig_base64_decode(s, n, false, &b);
	if (e == IG_OK) {
		*out = b.ptr;
		*len = b.len;
		return IG_OK;
	}
	ig_buf_free(&b);
	return e == IG_ENOMEM || e == IG_ETOOBIG ? e : IG_EFORMAT;
}

/* --- trust list ---------------------------------------------------------- */

void
ig_gw_list_free(ig_gw_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		ig_free(l->slots[i].raw);
		ig_free(l->slots[i].cms);
	}
	ig_free(l->slots);
	ig_free(l);
}

size_t
ig_gw_list_count(const ig_gw_list *l)
{
	return l->n;
}

const ig_gw_item *
ig_gw_list_at(const ig_gw_list *l, size_t i)
{
	return i < l->n ? &l->slots[i].it : NULL;
}

/* Fills s from one item; a malformed item gets s->it.bad. Returns only
 * IG_OK or IG_ENOMEM. */
static ig_err
item_read(json_t *o, struct slot *s)
{
	ig_gw_item *it = &s->it;
	const char *t;
	size_t len = 0;
	ig_err e;

	if (!json_is_object(o)) {
		it->bad = "item is not an object";
		return IG_OK;
	}
	t = json_string_value(json_object_get(o, "certificateType"));
	if (t == NULL) {
		it->bad = "certificateType missing";
		return IG_OK;
	}
	if (strcmp(t, "DSC") == 0)
		it->type = IG_GW_DSC;
	else if (strcmp(t, "CSCA") == 0)
		it->type = IG_GW_CSCA;
	else if (strcmp(t, "UPLOAD") == 0)
		it->type = IG_GW_UPLOAD;
	else if (strcmp(t, "AUTHENTICATION") == 0)
		it->type = IG_GW_AUTHENTICATION;
	else {
		it->bad = "unknown certificateType";
		return IG_OK;
	}
	if (!read_country(json_object_get(o, "country"), it->country)) {
		it->bad = "country is not a two-letter code";
		return IG_OK;
	}
	json_t *k = json_object_get(o, "kid");
	if (!json_is_string(k)
	    || !read_kid(
	        json_string_value(k), json_string_length(k), it->kid)) {
		it->bad = "kid is not Base64 of 8 bytes";
		return IG_OK;
	}
	json_t *tp = json_object_get(o, "thumbprint");
	if (!json_is_string(tp) || json_string_length(tp) != 2 * IG_SHA256_LEN
	    || ig_hex_decode_fixed(json_string_value(tp), 2 * IG_SHA256_LEN,
	           it->thumbprint, IG_SHA256_LEN)
	        != IG_OK) {
		it->bad = "thumbprint is not 64 hex digits";
		return IG_OK;
	}
	if (!read_time(json_object_get(o, "timestamp"), &it->timestamp)) {
		it->bad = "timestamp is not an ISO 8601 time";
		return IG_OK;
	}
	e = read_b64(
	    json_object_get(o, "rawData"), IG_CERT_DER_MAX, &s->raw, &len);
	if (e == IG_ENOMEM)
		return e;
	if (e == IG_OK)
		it->raw = ig_slice_make(s->raw, len);
	else if (e != IG_ENOTFOUND) {
		it->bad = "rawData is not Base64 of a certificate";
		return IG_OK;
	}
	e = read_b64(json_object_get(o, "signature"), IG_GATEWAY_CMS_MAX,
	    &s->cms, &len);
	if (e == IG_ENOMEM)
		return e;
	if (e == IG_OK)
		it->cms = ig_slice_make(s->cms, len);
	else if (e != IG_ENOTFOUND) {
		it->bad = "signature is not Base64 of a CMS";
		return IG_OK;
	}
	if (it->raw.len == 0 && it->type != IG_GW_DSC)
		it->bad = "rawData is null";
	else if (it->raw.len == 0 && it->cms.len != 0)
		it->bad = "a deletion marker with a signature";
	else if (it->raw.len != 0 && it->cms.len == 0)
		it->bad = "signature is null";
	return IG_OK;
}

ig_err
ig_gw_list_parse(ig_slice json, ig_gw_list **out, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = NULL;
	ig_gw_list *l = NULL;
	ig_err e;

	why[0] = '\0';
	if (json.len > IG_GW_LIST_BODY_MAX) {
		snprintf(why, why_len, "trust list over %zu bytes",
		    (size_t) IG_GW_LIST_BODY_MAX);
		return IG_ETOOBIG;
	}
	root = json_loadb(
	    (const char *) json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(why, why_len, "trust list: JSON error at line %d: %s",
		    jerr.line, jerr.text);
		return IG_EJSON;
	}
	if (!json_is_array(root)) {
		snprintf(why, why_len, "trust list: not a JSON array");
		e = IG_EJSON;
		goto out;
	}
	size_t n = json_array_size(root);
	if (n > IG_GW_PAGE_ITEMS_MAX) {
		snprintf(why, why_len, "trust list: %zu items, over %d", n,
		    IG_GW_PAGE_ITEMS_MAX);
		e = IG_ETOOBIG;
		goto out;
	}
	if ((l = ig_calloc(1, sizeof(*l))) == NULL
	    || (n > 0
	        && (l->slots = ig_calloc(n, sizeof(*l->slots))) == NULL)) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		l->n = i + 1;
		if ((e = item_read(json_array_get(root, i), &l->slots[i]))
		    != IG_OK)
			goto out;
	}
	*out = l;
	l = NULL;
	e = IG_OK;
out:
	ig_gw_list_free(l);
	json_decref(root);
	return e;
}

/* --- revocation batch list ----------------------------------------------- */

static bool
batch_id_ok(const char *s, size_t len)
{
	if (len == 0 || len > IG_GW_BATCH_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		        || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

ig_err
ig_gw_batchlist_parse(ig_slice json, bool *more, ig_gw_batch_ref **refs,
    size_t *n, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = NULL, *m, *bs;
	ig_gw_batch_ref *r = NULL;
	size_t count;
	ig_err e = IG_EJSON;

	why[0] = '\0';
	if (json.len > IG_GW_BATCHLIST_BODY_MAX) {
		snprintf(why, why_len, "batch list over %d bytes",
		    IG_GW_BATCHLIST_BODY_MAX);
		return IG_ETOOBIG;
	}
	root = json_loadb(
	    (const char *) json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(why, why_len, "batch list: JSON error at line %d: %s",
		    jerr.line, jerr.text);
		return IG_EJSON;
	}
	m = json_object_get(root, "more");
	bs = json_object_get(root, "batches");
	if (!json_is_object(root) || !json_is_boolean(m)
	    || !json_is_array(bs)) {
		snprintf(why, why_len,
		    "batch list: not an object with \"more\" (boolean) and "
		    "\"batches\" (array)");
		goto out;
	}
	count = json_array_size(bs);
	if (count > IG_GW_BATCHLIST_MAX) {
		snprintf(why, why_len, "batch list: %zu batches, over %d",
		    count, IG_GW_BATCHLIST_MAX);
		e = IG_ETOOBIG;
		goto out;
	}
	if (count > 0 && (r = ig_calloc(count, sizeof(*r))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		json_t *b = json_array_get(bs, i);
		json_t *id = json_object_get(b, "batchId");
		json_t *date = json_object_get(b, "date");
		json_t *del = json_object_get(b, "deleted");
		const char *bad = NULL;
		if (!json_is_object(b))
			bad = "not an object";
		else if (!json_is_string(id)
		    || !batch_id_ok(
		        json_string_value(id), json_string_length(id)))
			bad = "batchId is not an id";
		else if (!read_country(
		             json_object_get(b, "country"), r[i].country))
			bad = "country is not a two-letter code";
		else if (!read_time(date, &r[i].date_s))
			bad = "date is not an ISO 8601 time";
		else if (!json_is_boolean(del))
			bad = "deleted is not a boolean";
		if (bad != NULL) {
			snprintf(
			    why, why_len, "batch list: batch %zu: %s", i, bad);
			goto out;
		}
		memcpy(r[i].id, json_string_value(id), json_string_length(id));
		memcpy(r[i].date, json_string_value(date),
		    json_string_length(date));
		r[i].deleted = json_is_true(del);
	}
	*more = json_is_true(m);
	*refs = r;
	*n = count;
	r = NULL;
	e = IG_OK;
out:
	ig_free(r);
	json_decref(root);
	return e;
}

/* --- revocation batch ---------------------------------------------------- */

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

ig_err
ig_gw_batch_parse(ig_slice json, ig_gw_batch *out, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = NULL, *ents, *kid, *ht;
	ig_gw_batch *b = NULL;
	const char *bad = NULL;
	ig_err e = IG_EJSON;

	why[0] = '\0';
	if (json.len > IG_GW_BATCH_BODY_MAX) {
		snprintf(
		    why, why_len, "batch over %d bytes", IG_GW_BATCH_BODY_MAX);
		return IG_ETOOBIG;
	}
	/* jansson refuses trailing tokens unless told otherwise, as the
	 * gateway's parser does. */
	root = json_loadb(
	    (const char *) json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(why, why_len, "batch: JSON error at line %d: %s",
		    jerr.line, jerr.text);
		return IG_EJSON;
	}
	if ((b = ig_calloc(1, sizeof(*b))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	ents = json_object_get(root, "entries");
	kid = json_object_get(root, "kid");
	ht = json_object_get(root, "hashType");
	if (!json_is_object(root))
		bad = "not an object";
	else if (!read_country(json_object_get(root, "country"), b->country))
		bad = "country is not a two-letter code";
	else if (!read_time(json_object_get(root, "expires"), &b->expires))
		bad = "expires is not an ISO 8601 time";
	else if (!json_is_string(kid))
		bad = "kid is not a string";
	else if (!json_is_string(ht))
		bad = "hashType is not a string";
	else if (!json_is_array(ents) || json_array_size(ents) == 0)
		bad = "entries is not a non-empty array";
	if (bad != NULL)
		goto bad;
	if (strcmp(json_string_value(kid), "UNKNOWN_KID") == 0)
		b->unknown_kid = true;
	else if (!read_kid(json_string_value(kid), json_string_length(kid),
	             b->kid)) {
		bad = "kid is not Base64 of 8 bytes";
		goto bad;
	}
	if (strcmp(json_string_value(ht), "SIGNATURE") == 0)
		b->hash_type = IG_HASH_SIGNATURE;
	else if (strcmp(json_string_value(ht), "UCI") == 0)
		b->hash_type = IG_HASH_UCI;
	else if (strcmp(json_string_value(ht), "COUNTRYCODEUCI") == 0)
		b->hash_type = IG_HASH_COUNTRYCODEUCI;
	else {
		bad = "hashType is not SIGNATURE, UCI or COUNTRYCODEUCI";
		goto bad;
	}
	if (json_array_size(ents) > IG_GW_BATCH_ENTRIES_MAX) {
		snprintf(why, why_len, "batch: %zu entries, over %d",
		    json_array_size(ents), IG_GW_BATCH_ENTRIES_MAX);
		e = IG_ETOOBIG;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(ents); i++) {
		json_t *h = json_object_get(json_array_get(ents, i), "hash");
		ig_buf hb;
		bool ok;
		/* ^[A-Za-z0-9+/]{22}==$: 16 bytes, padded. */
		if (!json_is_string(h) || json_string_length(h) != 24) {
			bad = "an entry's hash is not Base64 of 16 bytes";
			goto bad;
		}
		ig_buf_init(&hb, 16);
		ok = ig_base64_decode(json_string_value(h), 24, false, &hb)
		        == IG_OK
		    && hb.len == 16;
		if (ok)
			memcpy(b->hashes[b->n++], hb.ptr, 16);
		ig_buf_free(&hb);
		if (!ok) {
			bad = "an entry's hash is not Base64 of 16 bytes";
			goto bad;
		}
	}
	/* Sort and drop duplicates: a rev.put of the same hash twice says
	 * nothing more. */
	qsort(b->hashes, b->n, 16, hash_cmp);
	size_t k = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (k == 0 || memcmp(b->hashes[k - 1], b->hashes[i], 16) != 0)
			memmove(b->hashes[k++], b->hashes[i], 16);
	}
	b->n = k;
	memcpy(out, b, sizeof(*b));
	e = IG_OK;
	goto out;
bad:
	snprintf(why, why_len, "batch: %s", bad);
	e = IG_EJSON;
out:
	ig_free(b);
	json_decref(root);
	return e;
}

/* --- checks -------------------------------------------------------------- */

/* Parses the item's certificate and checks kid, thumbprint and C=. */
static bool
cert_of(const ig_gw_item *it, ig_x509 **out, ig_gw_skip *why)
{
	uint8_t kid[IG_KID_LEN], tp[IG_SHA256_LEN];
	char cc[IG_COUNTRY_SIZE];
	ig_x509 *x = NULL;

	if (it->bad != NULL || it->raw.len == 0 || it->cms.len == 0
	    || ig_x509_from_der(it->raw, &x) != IG_OK) {
		*why = IG_GW_SKIP_MALFORMED;
		return false;
	}
	ig_x509_kid(x, kid);
	ig_x509_thumbprint(x, tp);
	if (memcmp(kid, it->kid, IG_KID_LEN) != 0
	    || memcmp(tp, it->thumbprint, IG_SHA256_LEN) != 0) {
		*why = IG_GW_SKIP_MALFORMED;
		goto fail;
	}
	if (ig_x509_country(x, cc) != IG_OK || strcmp(cc, it->country) != 0) {
		*why = IG_GW_SKIP_COUNTRY;
		goto fail;
	}
	*out = x;
	return true;
fail:
	ig_x509_free(x);
	return false;
}

bool
ig_gw_check_party(
    const ig_gw_item *it, const ig_x509 *ta, ig_x509 **cert, ig_gw_skip *why)
{
	ig_x509 *x = NULL;

	if (!cert_of(it, &x, why))
		return false;
	if (ig_cms_verify(it->cms, it->raw, &ta, 1, NULL, NULL) != IG_OK) {
		*why = IG_GW_SKIP_CMS;
		ig_x509_free(x);
		return false;
	}
	*cert = x;
	return true;
}

bool
ig_gw_check_dsc(const ig_gw_item *it, const ig_x509 *const *uploads, size_t nu,
    const ig_x509 *const *cscas, size_t nc, int64_t now, ig_gw_skip *why)
{
	ig_x509 *x = NULL;
	int64_t nb, na;
	bool ok = false;

	if (it->type != IG_GW_DSC) {
		*why = IG_GW_SKIP_MALFORMED;
		return false;
	}
	if (!cert_of(it, &x, why))
		return false;
	if (nu == 0
	    || ig_cms_verify(it->cms, it->raw, uploads, nu, NULL, NULL)
	        != IG_OK) {
		*why = IG_GW_SKIP_CMS;
		goto out;
	}
	*why = IG_GW_SKIP_CHAIN;
	for (size_t i = 0; i < nc && !ok; i++)
		ok = ig_x509_check_issued_by(x, cscas[i]) == IG_OK;
	if (!ok)
		goto out;
	ok = false;
	ig_x509_validity(x, &nb, &na);
	if (now < nb || now > na) {
		*why = IG_GW_SKIP_VALIDITY;
		goto out;
	}
	if (!ig_x509_signs_documents(x)) {
		*why = IG_GW_SKIP_KEY_USAGE;
		goto out;
	}
	ok = true;
out:
	ig_x509_free(x);
	return ok;
}
