/*
 * trust.c - issuer certificates from trust files, indexed by kid, and
 * revocation hashes from revocation files.
 *
 * Each set is a sorted array; lookups are a binary search. Loading appends
 * into a scratch array and merges it only when the whole file was read, so
 * a bad file adds nothing.
 */
#include "cli/trust.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"

typedef struct slot {
	uint8_t kid[IG_KID_LEN];
	uint8_t thumb[IG_SHA256_LEN];
	ig_x509 *cert;
} slot;

struct ig_trustset {
	slot *slots;
	size_t len;
	size_t cap;
};

ig_trustset *
ig_trustset_new(void)
{
	return ig_calloc(1, sizeof(ig_trustset));
}

void
ig_trustset_free(ig_trustset *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->len; i++)
		ig_x509_free(t->slots[i].cert);
	ig_free(t->slots);
	ig_free(t);
}

size_t
ig_trustset_count(const ig_trustset *t)
{
	return t->len;
}

static int
slot_cmp(const void *a, const void *b)
{
	const slot *x = a, *y = b;
	int c = memcmp(x->kid, y->kid, IG_KID_LEN);
	return c != 0 ? c : memcmp(x->thumb, y->thumb, IG_SHA256_LEN);
}

/* Appends without sorting or de-duplicating; see normalize. */
static ig_err
push(ig_trustset *t, ig_slice der)
{
	ig_x509 *x = NULL;
	ig_err e = ig_x509_from_der(der, &x);
	if (e != IG_OK)
		return e;
	slot s;
	ig_x509_kid(x, s.kid);
	ig_x509_thumbprint(x, s.thumb);
	s.cert = x;
	if (t->len == t->cap) {
		size_t cap = t->cap == 0 ? 16 : t->cap * 2;
		if (cap > IG_TRUSTFILE_CERTS_MAX * 2) {
			ig_x509_free(x);
			return IG_ETOOBIG;
		}
		slot *p = ig_realloc(t->slots, cap * sizeof(slot));
		if (p == NULL) {
			ig_x509_free(x);
			return IG_ENOMEM;
		}
		t->slots = p;
		t->cap = cap;
	}
	t->slots[t->len++] = s;
	return IG_OK;
}

/* Sorts the set and drops duplicate certificates; returns how many of the
 * certificates beyond the first `before` survived. */
static size_t
normalize(ig_trustset *t, size_t before)
{
	qsort(t->slots, t->len, sizeof(slot), slot_cmp);
	size_t w = 0;
	for (size_t r = 0; r < t->len; r++) {
		if (w > 0 && slot_cmp(&t->slots[w - 1], &t->slots[r]) == 0)
			ig_x509_free(t->slots[r].cert);
		else
			t->slots[w++] = t->slots[r];
	}
	t->len = w;
	return w - before;
}

ig_err
ig_trustset_add_der(ig_trustset *t, ig_slice der)
{
	size_t before = t->len;
	ig_err e = push(t, der);
	if (e == IG_OK)
		(void) normalize(t, before);
	return e;
}

/* Loading state: certificates go into a scratch set first. */
typedef struct load_ctx {
	ig_trustset *scratch;
	size_t skipped;
	char *why;
	size_t why_len;
} load_ctx;

static ig_err
add_pem_cert(void *arg, ig_slice der)
{
	load_ctx *c = arg;
	return push(c->scratch, der);
}

/* Records a refused gateway entry; the first one is explained in why. */
static void
note(load_ctx *c, size_t index, const char *what)
{
	if (c->why[0] == '\0')
		snprintf(c->why, c->why_len, "entry %zu: %s", index, what);
	c->skipped++;
}

static ig_err
load_gateway_json(load_ctx *c, ig_slice text)
{
	json_error_t jerr;
	json_t *root = json_loadb(
	    (const char *) text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(c->why, c->why_len, "JSON error at line %d: %s",
		    jerr.line, jerr.text);
		return IG_EJSON;
	}
	ig_err e = IG_OK;
	ig_buf der;
	ig_buf_init(&der, IG_CERT_DER_MAX);
	if (!json_is_array(root)) {
		snprintf(c->why, c->why_len,
		    "a gateway trust list is a JSON array");
		e = IG_EJSON;
		goto out;
	}
	size_t i;
	json_t *item;
	json_array_foreach(root, i, item)
	{
		const char *type = json_string_value(
		    json_object_get(item, "certificateType"));
		const char *raw
		    = json_string_value(json_object_get(item, "rawData"));
		const char *kid
		    = json_string_value(json_object_get(item, "kid"));
		const char *thumb
		    = json_string_value(json_object_get(item, "thumbprint"));
		if (!json_is_object(item)) {
			note(c, i, "not an object");
			continue;
		}
		if (type != NULL && strcmp(type, "DSC") != 0)
			continue; /* CSCA, UPLOAD, AUTHENTICATION */
		if (raw == NULL)
			continue; /* a deletion marker of a delta */
		ig_buf_reset(&der);
		e = ig_base64_decode(raw, strlen(raw), false, &der);
		if (e == IG_ENOMEM)
			goto out;
		if (e != IG_OK) {
			note(c, i, "rawData is not base64");
			continue;
		}
		ig_x509 *x = NULL;
		e = ig_x509_from_der(ig_buf_slice(&der), &x);
		if (e == IG_ENOMEM)
			goto out;
		if (e != IG_OK) {
			note(c, i, "rawData is not a certificate");
			continue;
		}
		uint8_t k[IG_KID_LEN], tp[IG_SHA256_LEN];
		ig_x509_kid(x, k);
		ig_x509_thumbprint(x, tp);
		ig_x509_free(x);
		ig_buf kb;
		ig_buf_init(&kb, 64);
		bool bad = false;
		if (kid != NULL) {
			e = ig_base64_encode(
			    ig_slice_make(k, sizeof(k)), false, &kb);
			bad = e != IG_OK || kb.len != strlen(kid)
			    || memcmp(kb.ptr, kid, kb.len) != 0;
		}
		ig_buf_free(&kb);
		if (bad) {
			note(c, i, "kid does not match the certificate");
			continue;
		}
		if (thumb != NULL) {
			char hex[2 * IG_SHA256_LEN + 1];
			ig_hex_encode(tp, IG_SHA256_LEN, hex);
			if (strlen(thumb) != 2 * IG_SHA256_LEN
			    || strncasecmp(thumb, hex, 2 * IG_SHA256_LEN)
			        != 0) {
				note(c, i,
				    "thumbprint does not match the "
				    "certificate");
				continue;
			}
		}
		e = push(c->scratch, ig_buf_slice(&der));
		if (e != IG_OK)
			goto out;
	}
	e = IG_OK;
out:
	ig_buf_free(&der);
	json_decref(root);
	return e;
}

ig_err
ig_trustset_load_file(ig_trustset *t, const char *path, size_t *added,
    size_t *skipped, char *why, size_t why_len)
{
	ig_buf file;
	ig_err e;
	load_ctx c = { NULL, 0, why, why_len };
	size_t n_added = 0;

	why[0] = '\0';
	ig_buf_init(&file, IG_TRUSTFILE_MAX);
	c.scratch = ig_trustset_new();
	if (c.scratch == NULL)
		return IG_ENOMEM;
	if ((e = ig_buf_read_file(&file, path)) != IG_OK) {
		snprintf(
		    why, why_len, "cannot read %s: %s", path, ig_strerror(e));
		goto out;
	}
	size_t i = 0;
	while (i < file.len && isspace(file.ptr[i]))
		i++;
	if (i < file.len && (file.ptr[i] == '[' || file.ptr[i] == '{')) {
		e = load_gateway_json(&c, ig_buf_slice(&file));
	} else if (strstr((const char *) file.ptr, "-----BEGIN") != NULL) {
		e = ig_pem_each_cert(ig_buf_slice(&file), add_pem_cert, &c);
		if (e != IG_OK && why[0] == '\0')
			snprintf(why, why_len, "%s: bad PEM certificate: %s",
			    path, ig_strerror(e));
	} else {
		e = add_pem_cert(&c, ig_buf_slice(&file));
		if (e != IG_OK && why[0] == '\0')
			snprintf(why, why_len,
			    "%s: neither PEM, DER nor gateway JSON: %s", path,
			    ig_strerror(e));
	}
	if (e != IG_OK)
		goto out;
	if (c.scratch->len == 0) {
		if (why[0] == '\0')
			snprintf(why, why_len, "%s: no certificate", path);
		e = IG_ENOTFOUND;
		goto out;
	}
	/* Merge: append every new certificate, sort, drop duplicates. */
	size_t need = t->len + c.scratch->len;
	if (need > t->cap) {
		slot *p = ig_realloc(t->slots, need * sizeof(slot));
		if (p == NULL) {
			e = IG_ENOMEM;
			goto out;
		}
		t->slots = p;
		t->cap = need;
	}
	size_t before = t->len;
	memcpy(t->slots + t->len, c.scratch->slots,
	    c.scratch->len * sizeof(slot));
	t->len = need;
	c.scratch->len = 0;
	n_added = normalize(t, before);
	*added = n_added;
	*skipped = c.skipped;
out:
	ig_trustset_free(c.scratch);
	ig_buf_free(&file);
	return e;
}

ig_err
ig_trustset_each_kid(
    const ig_trustset *t, ig_slice kid, ig_trustset_fn fn, void *arg)
{
	if (kid.len != IG_KID_LEN || t->len == 0)
		return IG_OK;
	/* Lower bound of kid. */
	size_t lo = 0, hi = t->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(t->slots[mid].kid, kid.ptr, IG_KID_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo;
	     i < t->len && memcmp(t->slots[i].kid, kid.ptr, IG_KID_LEN) == 0;
	     i++) {
		ig_err e = fn(arg, t->slots[i].cert);
		if (e != IG_OK)
			return e;
	}
	return IG_OK;
}

/* --- revocation files ---------------------------------------------------- */

/* One listed hash. any_kid: an UNKNOWN_KID batch's (kid is zero). */
typedef struct rev {
	uint8_t any_kid;
	uint8_t kid[IG_KID_LEN];
	uint8_t type;
	uint8_t hash[IG_REVOCATION_HASH_LEN];
} rev;

struct ig_revset {
	rev *revs;
	size_t len;
	size_t cap;
};

ig_revset *
ig_revset_new(void)
{
	return ig_calloc(1, sizeof(ig_revset));
}

void
ig_revset_free(ig_revset *r)
{
	if (r == NULL)
		return;
	ig_free(r->revs);
	ig_free(r);
}

size_t
ig_revset_count(const ig_revset *r)
{
	return r->len;
}

static int
rev_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(rev));
}

/* Decodes s into exactly n bytes: 2n hex digits, padded standard Base64
 * or base64url (padding optional). */
static bool
bytes_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	ig_buf b;
	bool ok = false;
	if (len > 4 * n)
		return false;
	ig_buf_init(&b, 2 * n);
	if (len == 2 * n)
		ok = ig_hex_decode(s, len, &b) == IG_OK && b.len == n;
	if (!ok) {
		ig_buf_reset(&b);
		ok = ig_base64_decode(s, len, false, &b) == IG_OK
		    && b.len == n;
	}
	if (!ok) {
		ig_buf_reset(&b);
		ok = ig_base64_decode(s, len, true, &b) == IG_OK && b.len == n;
	}
	if (ok)
		memcpy(out, b.ptr, n);
	ig_buf_free(&b);
	return ok;
}

/* The string value of v, or NULL when v is not a string or holds a NUL
 * (which would end it early for strcmp). */
static const char *
cstr(const json_t *v)
{
	const char *s = json_string_value(v);
	return s != NULL && strlen(s) == json_string_length(v) ? s : NULL;
}

/* Null, or a string of two ASCII letters. */
static bool
country_ok(const json_t *v)
{
	const char *c = json_string_value(v);
	if (json_is_null(v))
		return true;
	return c != NULL && json_string_length(v) == 2
	    && isalpha((unsigned char) c[0]) && isalpha((unsigned char) c[1]);
}

/* Null, or an ISO 8601 time. */
static bool
expires_ok(const json_t *v)
{
	int64_t t;
	if (json_is_null(v))
		return true;
	return json_is_string(v)
	    && ig_isotime_parse(
	           json_string_value(v), json_string_length(v), &t)
	    == IG_OK;
}

/* Appends the hashes of one batch object to the scratch set. */
static ig_err
load_batch(
    ig_revset *sc, const json_t *b, size_t index, char *why, size_t why_len)
{
	const json_t *kid = json_object_get(b, "kid");
	const json_t *ht = json_object_get(b, "hashType");
	const json_t *ents = json_object_get(b, "entries");
	const char *bad = NULL;
	ig_hash_type type = IG_HASH_SIGNATURE;
	rev x;
	size_t n;

	memset(&x, 0, sizeof(x));
	if (!json_is_object(b))
		bad = "is not an object";
	else if (cstr(kid) == NULL)
		bad = "has no string \"kid\"";
	else if (cstr(ht) == NULL
	    || ig_hash_type_parse(cstr(ht), &type) != IG_OK)
		bad = "has no \"hashType\" SIGNATURE, UCI or COUNTRYCODEUCI";
	else if (!json_is_array(ents) || json_array_size(ents) == 0)
		bad = "has no non-empty \"entries\" array";
	else if (json_object_get(b, "country") != NULL
	    && !country_ok(json_object_get(b, "country")))
		bad = "has a \"country\" that is neither null nor two letters";
	else if (json_object_get(b, "expires") != NULL
	    && !expires_ok(json_object_get(b, "expires")))
		bad = "has an \"expires\" that is neither null nor ISO 8601";
	else if (strcmp(cstr(kid), "UNKNOWN_KID") == 0)
		x.any_kid = 1;
	else if (!bytes_decode(json_string_value(kid), json_string_length(kid),
	             x.kid, IG_KID_LEN))
		bad = "has a \"kid\" that is not 8 bytes in Base64 or hex";
	if (bad != NULL) {
		snprintf(why, why_len, "batch %zu %s", index, bad);
		return IG_EJSON;
	}
	x.type = (uint8_t) type;
	n = json_array_size(ents);
	if (n > IG_GW_BATCH_ENTRIES_MAX) {
		snprintf(why, why_len, "batch %zu has %zu entries, over %d",
		    index, n, IG_GW_BATCH_ENTRIES_MAX);
		return IG_ETOOBIG;
	}
	if (sc->len + n > IG_REVFILE_HASHES_MAX) {
		snprintf(why, why_len, "more than %d hashes",
		    IG_REVFILE_HASHES_MAX);
		return IG_ETOOBIG;
	}
	if (sc->len + n > sc->cap) {
		size_t cap = sc->cap == 0 ? 1024 : sc->cap;
		while (cap < sc->len + n)
			cap *= 2;
		rev *p = ig_realloc(sc->revs, cap * sizeof(rev));
		if (p == NULL)
			return IG_ENOMEM;
		sc->revs = p;
		sc->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(ents, i);
		const json_t *h = json_object_get(e, "hash");
		if (!json_is_object(e) || !json_is_string(h)
		    || !bytes_decode(json_string_value(h),
		        json_string_length(h), x.hash,
		        IG_REVOCATION_HASH_LEN)) {
			snprintf(why, why_len,
			    "batch %zu, entry %zu: \"hash\" is not 16 bytes "
			    "in "
			    "Base64 or hex",
			    index, i);
			return IG_EJSON;
		}
		sc->revs[sc->len++] = x;
	}
	return IG_OK;
}

ig_err
ig_revset_load_json(
    ig_revset *r, ig_slice json, size_t *added, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root;
	ig_revset sc = { NULL, 0, 0 };
	ig_err e = IG_OK;

	why[0] = '\0';
	if (json.len > IG_TRUSTFILE_MAX) {
		snprintf(why, why_len, "over %d bytes", IG_TRUSTFILE_MAX);
		return IG_ETOOBIG;
	}
	root = json_loadb(
	    (const char *) json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(why, why_len, "not JSON (line %d: %s)", jerr.line,
		    jerr.text);
		return IG_EJSON;
	}
	if (json_is_array(root)) {
		for (size_t i = 0; i < json_array_size(root) && e == IG_OK;
		     i++)
			e = load_batch(
			    &sc, json_array_get(root, i), i, why, why_len);
	} else if (json_is_object(root)) {
		e = load_batch(&sc, root, 0, why, why_len);
	} else {
		snprintf(why, why_len,
		    "neither a revocation batch (object) nor an array of "
		    "them");
		e = IG_EJSON;
	}
	json_decref(root);
	if (e != IG_OK)
		goto out;
	/* Merge: append, sort, drop duplicates. */
	if (r->len + sc.len > IG_REVFILE_HASHES_MAX) {
		snprintf(why, why_len, "more than %d hashes in all",
		    IG_REVFILE_HASHES_MAX);
		e = IG_ETOOBIG;
		goto out;
	}
	if (r->len + sc.len > r->cap) {
		rev *p = ig_realloc(r->revs, (r->len + sc.len) * sizeof(rev));
		if (p == NULL) {
			e = IG_ENOMEM;
			goto out;
		}
		r->revs = p;
		r->cap = r->len + sc.len;
	}
	size_t before = r->len, w = 0;
	if (sc.len > 0)
		memcpy(r->revs + r->len, sc.revs, sc.len * sizeof(rev));
	r->len += sc.len;
	if (r->len > 0)
		qsort(r->revs, r->len, sizeof(rev), rev_cmp);
	for (size_t i = 0; i < r->len; i++)
		if (w == 0 || rev_cmp(&r->revs[w - 1], &r->revs[i]) != 0)
			r->revs[w++] = r->revs[i];
	r->len = w;
	*added = w - before;
out:
	ig_free(sc.revs);
	return e;
}

ig_err
ig_revset_load_file(
    ig_revset *r, const char *path, size_t *added, char *why, size_t why_len)
{
	ig_buf file;
	char inner[192];
	ig_err e;

	why[0] = '\0';
	ig_buf_init(&file, IG_TRUSTFILE_MAX);
	if ((e = ig_buf_read_file(&file, path)) != IG_OK) {
		snprintf(
		    why, why_len, "cannot read %s: %s", path, ig_strerror(e));
		goto out;
	}
	e = ig_revset_load_json(
	    r, ig_buf_slice(&file), added, inner, sizeof(inner));
	if (e != IG_OK)
		snprintf(why, why_len, "%s: not a revocation file: %s", path,
		    inner);
out:
	ig_buf_free(&file);
	return e;
}

static bool
rev_find(const ig_revset *r, const rev *key)
{
	return bsearch(key, r->revs, r->len, sizeof(rev), rev_cmp) != NULL;
}

bool
ig_revset_contains(const ig_revset *r, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN])
{
	rev key;
	if (r->len == 0)
		return false;
	memset(&key, 0, sizeof(key));
	key.type = (uint8_t) type;
	memcpy(key.hash, hash, IG_REVOCATION_HASH_LEN);
	key.any_kid = 1;
	if (rev_find(r, &key))
		return true;
	if (kid.len != IG_KID_LEN)
		return false;
	key.any_kid = 0;
	memcpy(key.kid, kid.ptr, IG_KID_LEN);
	return rev_find(r, &key);
}
