/*
 * routes_source.c - the verification source of the API: the registry's
 * DSCs and revocations, with the parsed certificates cached.
 *
 * api/regsource parses a DSC's DER on every lookup, which costs about
 * 150 us, more than the signature check itself. Here the registry is
 * still asked on every lookup (so a removed DSC is gone at once), but a
 * certificate already parsed is taken from a cache keyed by its
 * thumbprint: a thumbprint names one DER forever, so an entry is never
 * stale. Entries are reference counted so that a certificate lent to the
 * verifier is never freed under it; a slot whose certificate is in use
 * is not replaced (the new one is parsed, used and freed instead).
 *
 * Thread safety: one mutex guards the table; parsing happens outside it.
 */
#include <string.h>

#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"

#define SUB "http"

/* Parsed DSCs kept; a national trust list holds tens, the EU's about
 * 1,000. */
#define CACHE_SLOTS 4096

typedef struct cache_slot {
	uint8_t tp[32];
	ig_x509 *x;
	unsigned refs;
} cache_slot;

struct ig_api_dsc_cache {
	nng_mtx *mtx;
	cache_slot slots[CACHE_SLOTS];
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

typedef struct dsc_walk {
	ig_api_dsc_cache *cache;
	ig_verify_dsc_fn fn;
	void *arg;
} dsc_walk;

static size_t
slot_of(const uint8_t tp[32])
{
	size_t h;
	memcpy(&h, tp, sizeof(h));
	return h % CACHE_SLOTS;
}

static ig_err
dsc_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	dsc_walk *w = arg;
	cache_slot *s = &w->cache->slots[slot_of(d->thumbprint)];
	ig_x509 *x = NULL;
	bool cached = false;
	ig_err e;
	(void) stop;

	nng_mtx_lock(w->cache->mtx);
	if (s->x != NULL && memcmp(s->tp, d->thumbprint, 32) == 0) {
		x = s->x;
		s->refs++;
		cached = true;
	}
	nng_mtx_unlock(w->cache->mtx);
	if (!cached) {
		if ((e = ig_x509_from_der(d->der, &x)) != IG_OK) {
			if (e == IG_ENOMEM)
				return e;
			IG_WARN(SUB, "a stored DSC does not parse: %s",
			    ig_strerror(e));
			return IG_OK;
		}
		nng_mtx_lock(w->cache->mtx);
		if (s->refs == 0) {
			ig_x509_free(s->x);
			s->x = x;
			memcpy(s->tp, d->thumbprint, 32);
			s->refs = 1;
			cached = true;
		}
		nng_mtx_unlock(w->cache->mtx);
	}
	e = w->fn(w->arg, x);
	if (cached) {
		nng_mtx_lock(w->cache->mtx);
		s->refs--;
		nng_mtx_unlock(w->cache->mtx);
	} else
		ig_x509_free(x);
	return e;
}

static ig_err
each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	ig_api *api = ctx;
	dsc_walk w = { api->dsc_cache, fn, arg };
	if (kid.len != IG_KID_LEN)
		return IG_OK;
	return ig_registry_dsc_each(api->reg, kid.ptr, dsc_one, &w);
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
