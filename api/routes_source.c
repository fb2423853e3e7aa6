/*
 * routes_source.c - the verification source of the API: the registry's
 * DSCs and revocations, with the parsed certificates cached.
 *
 * api/regsource parses a DSC's DER on every lookup, which costs about
 * 150 us, more than the signature check itself. Here a certificate
 * already parsed is taken from a cache keyed by its thumbprint: a
 * thumbprint names one DER forever, so an entry is never stale. Entries
 * are reference counted so that a certificate lent to the verifier is
 * never freed under it; a slot whose certificate is in use is not
 * replaced (the new one is parsed, used and freed instead).
 *
 * Which DSCs a kid has is asked of the registry (a RocksDB iteration)
 * only when the registry changed since the kid was last asked: a second
 * table keeps, per kid, the thumbprints of its DSCs and the registry
 * generation they were read at (ig_registry_generation). A removed DSC
 * is therefore gone with the next verification, as before.
 *
 * Thread safety: one mutex guards both tables; parsing and RocksDB reads
 * happen outside it.
 */
#include <string.h>

#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"

#define SUB "http"

/* Parsed DSCs kept; a national trust list holds tens, the EU's about
 * 1,000. */
#define CACHE_SLOTS 4096

/* Kids whose DSC thumbprints are kept, and DSCs per kid kept (a kid with
 * more is always read from the registry). */
#define KID_SLOTS 4096
#define KID_DSCS  4

typedef struct cache_slot {
	uint8_t tp[32];
	ig_x509 *x;
	unsigned refs;
} cache_slot;

typedef struct kid_slot {
	bool valid;
	uint64_t gen;
	uint8_t kid[IG_KID_LEN];
	uint8_t n;
	uint8_t tp[KID_DSCS][32];
} kid_slot;

struct ig_api_dsc_cache {
	nng_mtx *mtx;
	cache_slot slots[CACHE_SLOTS];
	kid_slot kids[KID_SLOTS];
};

ig_err
ig_api_dsc_cache_new(ig_api_dsc_cache **out)
{
	ig_api_dsc_cache *c = ig_calloc(1, sizeof(*c));
	if (c == NULL)
		return IG_ENOMEM;
	if (nng_mtx_alloc(&c->mtx) != 0) {
		ig_free(c);
		return IG_ENOMEM;
	}
	*out = c;
	return IG_OK;
}

void
ig_api_dsc_cache_free(ig_api_dsc_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		ig_x509_free(c->slots[i].x);
	nng_mtx_free(c->mtx);
	ig_free(c);
}

static size_t
slot_of(const uint8_t tp[32])
{
	size_t h;
	memcpy(&h, tp, sizeof(h));
	return h % CACHE_SLOTS;
}

static size_t
kid_slot_of(const uint8_t kid[IG_KID_LEN])
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < IG_KID_LEN; i++)
		h = (h ^ kid[i]) * 1099511628211ull;
	return (size_t) (h % KID_SLOTS);
}

/* One DSC lent to the verifier: from the cache (a reference held) or
 * parsed for this call only. */
typedef struct lent {
	ig_x509 *x;
	cache_slot *s; /* NULL: owned, freed after use */
} lent;

static void
lent_release(ig_api_dsc_cache *c, lent *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (l[i].s != NULL) {
			nng_mtx_lock(c->mtx);
			l[i].s->refs--;
			nng_mtx_unlock(c->mtx);
		} else
			ig_x509_free(l[i].x);
	}
}

/* Lends the cached certificate of a thumbprint; false when not cached. */
static bool
lend_cached(ig_api_dsc_cache *c, const uint8_t tp[32], lent *out)
{
	cache_slot *s = &c->slots[slot_of(tp)];
	bool hit;
	nng_mtx_lock(c->mtx);
	hit = s->x != NULL && memcmp(s->tp, tp, 32) == 0;
	if (hit) {
		s->refs++;
		out->x = s->x;
		out->s = s;
	}
	nng_mtx_unlock(c->mtx);
	return hit;
}

/* Lends a stored DSC: cached, or parsed and cached, or parsed for this
 * call when its cache slot is busy. IG_EFORMAT when the DER does not
 * parse. */
static ig_err
lend(ig_api_dsc_cache *c, const ig_registry_dsc *d, lent *out)
{
	cache_slot *s = &c->slots[slot_of(d->thumbprint)];
	ig_x509 *x;
	ig_err e;
	if (lend_cached(c, d->thumbprint, out))
		return IG_OK;
	if ((e = ig_x509_from_der(d->der, &x)) != IG_OK)
		return e == IG_ENOMEM ? e : IG_EFORMAT;
	out->x = x;
	out->s = NULL;
	nng_mtx_lock(c->mtx);
	if (s->refs == 0) {
		ig_x509_free(s->x);
		s->x = x;
		memcpy(s->tp, d->thumbprint, 32);
		s->refs = 1;
		out->s = s;
	}
	nng_mtx_unlock(c->mtx);
	return IG_OK;
}

/* Collects a kid's DSCs from the registry, up to KID_DSCS of them. */
typedef struct collect {
	ig_api_dsc_cache *cache;
	lent l[KID_DSCS];
	uint8_t tp[KID_DSCS][32];
	size_t n;
	bool more; /* the kid has more than KID_DSCS */
} collect;

static ig_err
collect_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	collect *c = arg;
	ig_err e;
	if (c->n == KID_DSCS) {
		c->more = true;
		*stop = true;
		return IG_OK;
	}
	if ((e = lend(c->cache, d, &c->l[c->n])) == IG_EFORMAT) {
		IG_WARN(SUB, "a stored DSC does not parse");
		return IG_OK;
	}
	if (e != IG_OK)
		return e;
	memcpy(c->tp[c->n], d->thumbprint, 32);
	c->n++;
	return IG_OK;
}

/* The old path, for a kid with more than KID_DSCS DSCs: fn for each, as
 * the registry yields them. */
typedef struct dsc_walk {
	ig_api_dsc_cache *cache;
	ig_verify_dsc_fn fn;
	void *arg;
} dsc_walk;

static ig_err
dsc_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	dsc_walk *w = arg;
	lent l;
	ig_err e;
	(void) stop;
	if ((e = lend(w->cache, d, &l)) == IG_EFORMAT) {
		IG_WARN(SUB, "a stored DSC does not parse");
		return IG_OK;
	}
	if (e != IG_OK)
		return e;
	e = w->fn(w->arg, l.x);
	lent_release(w->cache, &l, 1);
	return e;
}

static ig_err
each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	ig_api *api = ctx;
	ig_api_dsc_cache *c = api->dsc_cache;
	kid_slot *ks;
	collect col;
	uint64_t gen;
	ig_err e = IG_OK;
	bool cached = false;

	if (kid.len != IG_KID_LEN)
		return IG_OK;
	memset(&col, 0, sizeof(col));
	col.cache = c;
	/* Taken before anything is read: a change after it makes the kid
	 * slot stale at the next call, never a stale answer now. */
	gen = ig_registry_generation(api->reg);
	ks = &c->kids[kid_slot_of(kid.ptr)];
	nng_mtx_lock(c->mtx);
	if (ks->valid && ks->gen == gen
	    && memcmp(ks->kid, kid.ptr, IG_KID_LEN) == 0) {
		col.n = ks->n;
		memcpy(col.tp, ks->tp, sizeof(col.tp));
		cached = true;
	}
	nng_mtx_unlock(c->mtx);
	if (cached) {
		for (size_t i = 0; i < col.n && cached; i++)
			if (!lend_cached(c, col.tp[i], &col.l[i])) {
				lent_release(c, col.l, i);
				cached = false;
			}
	}
	if (!cached) {
		memset(&col, 0, sizeof(col));
		col.cache = c;
		e = ig_registry_dsc_each(api->reg, kid.ptr, collect_one, &col);
		if (e != IG_OK || col.more) {
			lent_release(c, col.l, col.n);
			if (e != IG_OK)
				return e;
			dsc_walk w = { c, fn, arg };
			return ig_registry_dsc_each(
			    api->reg, kid.ptr, dsc_one, &w);
		}
		nng_mtx_lock(c->mtx);
		ks->valid = true;
		ks->gen = gen;
		memcpy(ks->kid, kid.ptr, IG_KID_LEN);
		ks->n = (uint8_t) col.n;
		memcpy(ks->tp, col.tp, sizeof(ks->tp));
		nng_mtx_unlock(c->mtx);
	}
	for (size_t i = 0; i < col.n && e == IG_OK; i++)
		e = fn(arg, col.l[i].x);
	lent_release(c, col.l, col.n);
	return e;
}

static ig_err
is_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	ig_api *api = ctx;
	ig_err e;
	if (kid.len != IG_KID_LEN) {
		*revoked = false;
		return IG_OK;
	}
	e = ig_registry_rev_get(api->reg, kid.ptr, (uint8_t) type, hash, NULL);
	if (e == IG_OK || e == IG_ENOTFOUND) {
		*revoked = e == IG_OK;
		return IG_OK;
	}
	return e;
}

void
ig_api_source_init(ig_api *api, ig_verify_source *out)
{
	out->each_dsc = each_dsc;
	out->is_revoked = is_revoked;
	out->ctx = api;
}
