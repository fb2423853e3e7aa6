/*
 * regsource.c - an ig_verify_source over an ig_registry, with or
 * without caches (regsource.h says which to use when).
 *
 * The registry keeps DSCs as the DER bytes its entries carried; the
 * verifier wants parsed certificates. A DSC is "lent" to the verifier for
 * one callback: either a cached certificate (a reference held in its
 * slot, so it is never freed under the verifier) or one parsed for this
 * call and freed after it. Without a cache every DSC is the second kind.
 * A stored DER that no longer parses (a newer parser refusing what an
 * older one accepted) is skipped with a warning rather than failing every
 * verification of that kid.
 *
 * Thread safety: one mutex guards both tables of a cache; parsing and
 * RocksDB reads happen outside it.
 */
#include "api/regsource.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/log.h"

#define SUB "regsource"

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

struct ig_regsource {
	ig_registry *reg;
	nng_mtx *mtx;
	cache_slot slots[CACHE_SLOTS];
	kid_slot kids[KID_SLOTS];
};

ig_err
ig_regsource_new(ig_registry *reg, ig_regsource **out)
{
	ig_regsource *c = ig_calloc(1, sizeof(*c));
	if (c == NULL)
		return IG_ENOMEM;
	if (nng_mtx_alloc(&c->mtx) != 0) {
		ig_free(c);
		return IG_ENOMEM;
	}
	c->reg = reg;
	*out = c;
	return IG_OK;
}

void
ig_regsource_free(ig_regsource *c)
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
lent_release(ig_regsource *c, lent *l, size_t n)
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
lend_cached(ig_regsource *c, const uint8_t tp[32], lent *out)
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
 * call when there is no cache or its slot is busy. IG_EFORMAT when the
 * DER does not parse. */
static ig_err
lend(ig_regsource *c, const ig_registry_dsc *d, lent *out)
{
	cache_slot *s;
	ig_x509 *x;
	ig_err e;
	if (c != NULL && lend_cached(c, d->thumbprint, out))
		return IG_OK;
	if ((e = ig_x509_from_der(d->der, &x)) != IG_OK) {
		if (e == IG_ENOMEM)
			return e;
		IG_WARN(
		    SUB, "a stored DSC does not parse: %s", ig_strerror(e));
		return IG_EFORMAT;
	}
	out->x = x;
	out->s = NULL;
	if (c == NULL)
		return IG_OK;
	s = &c->slots[slot_of(d->thumbprint)];
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

/* fn for each DSC of a kid, as the registry yields them (c may be
 * NULL). */
typedef struct dsc_walk {
	ig_regsource *cache;
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
	if ((e = lend(w->cache, d, &l)) == IG_EFORMAT)
		return IG_OK;
	if (e != IG_OK)
		return e;
	e = w->fn(w->arg, l.x);
	lent_release(w->cache, &l, 1);
	return e;
}

static ig_err
walk_dsc(ig_registry *reg, ig_regsource *c, const uint8_t *kid,
    ig_verify_dsc_fn fn, void *arg)
{
	dsc_walk w = { c, fn, arg };
	return ig_registry_dsc_each(reg, kid, dsc_one, &w);
}

/* Collects a kid's DSCs from the registry, up to KID_DSCS of them. */
typedef struct collect {
	ig_regsource *cache;
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
	if ((e = lend(c->cache, d, &c->l[c->n])) == IG_EFORMAT)
		return IG_OK;
	if (e != IG_OK)
		return e;
	memcpy(c->tp[c->n], d->thumbprint, 32);
	c->n++;
	return IG_OK;
}

/* The cached walk: the kid's thumbprints from its slot when the registry
 * has not changed since they were read, the certificates from the
 * certificate cache; otherwise both from the registry, and the slot
 * refreshed. */
static ig_err
walk_dsc_cached(
    ig_regsource *c, const uint8_t *kid, ig_verify_dsc_fn fn, void *arg)
{
	kid_slot *ks = &c->kids[kid_slot_of(kid)];
	collect col;
	uint64_t gen;
	ig_err e = IG_OK;
	bool cached = false;

	memset(&col, 0, sizeof(col));
	col.cache = c;
	/* Taken before anything is read: a change after it makes the kid
	 * slot stale at the next call, never a stale answer now. */
	gen = ig_registry_generation(c->reg);
	nng_mtx_lock(c->mtx);
	if (ks->valid && ks->gen == gen
	    && memcmp(ks->kid, kid, IG_KID_LEN) == 0) {
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
		e = ig_registry_dsc_each(c->reg, kid, collect_one, &col);
		if (e != IG_OK || col.more) {
			lent_release(c, col.l, col.n);
			if (e != IG_OK)
				return e;
			return walk_dsc(c->reg, c, kid, fn, arg);
		}
		nng_mtx_lock(c->mtx);
		ks->valid = true;
		ks->gen = gen;
		memcpy(ks->kid, kid, IG_KID_LEN);
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
revoked_in(ig_registry *reg, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	ig_err e;
	/* Registry kids are the DCC's 8 bytes; any other has nothing. */
	if (kid.len != IG_KID_LEN) {
		*revoked = false;
		return IG_OK;
	}
	e = ig_registry_rev_get(reg, kid.ptr, (uint8_t) type, hash, NULL);
	if (e == IG_OK || e == IG_ENOTFOUND) {
		*revoked = e == IG_OK;
		return IG_OK;
	}
	return e;
}

/* The two forms' callbacks: ctx is the registry, or the cached source. */

static ig_err
plain_each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	if (kid.len != IG_KID_LEN)
		return IG_OK;
	return walk_dsc(ctx, NULL, kid.ptr, fn, arg);
}

static ig_err
plain_is_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	return revoked_in(ctx, kid, type, hash, revoked);
}

static ig_err
cached_each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	if (kid.len != IG_KID_LEN)
		return IG_OK;
	return walk_dsc_cached(ctx, kid.ptr, fn, arg);
}

static ig_err
cached_is_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	ig_regsource *c = ctx;
	return revoked_in(c->reg, kid, type, hash, revoked);
}

void
ig_regsource_init(ig_registry *reg, ig_verify_source *out)
{
	out->each_dsc = plain_each_dsc;
	out->is_revoked = plain_is_revoked;
	out->ctx = reg;
}

void
ig_regsource_bind(ig_regsource *rs, ig_verify_source *out)
{
	out->each_dsc = cached_each_dsc;
	out->is_revoked = cached_is_revoked;
	out->ctx = rs;
}
