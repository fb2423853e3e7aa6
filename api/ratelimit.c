/*
 * ratelimit.c - the per-client token buckets of the HTTP listeners.
 */
#include "api/ratelimit.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"

typedef struct rate_bucket {
	uint64_t key;
	uint64_t last_ms; /* 0: never used */
	double tokens;
} rate_bucket;

struct ig_ratelimit {
	uint32_t per_s, burst;
	nng_mtx *mtx;
	rate_bucket *buckets; /* IG_HTTP_RATE_CLIENTS */
};

ig_err
ig_ratelimit_new(uint32_t per_s, uint32_t burst, ig_ratelimit **out)
{
	ig_ratelimit *rl;
	if (per_s > 0 && burst == 0)
		return IG_EINVAL;
	if ((rl = ig_calloc(1, sizeof(*rl))) == NULL)
		return IG_ENOMEM;
	rl->per_s = per_s;
	rl->burst = burst;
	if (nng_mtx_alloc(&rl->mtx) != 0
	    || (rl->buckets
	           = ig_calloc(IG_HTTP_RATE_CLIENTS, sizeof(*rl->buckets)))
	        == NULL) {
		ig_ratelimit_free(rl);
		return IG_ENOMEM;
	}
	*out = rl;
	return IG_OK;
}

void
ig_ratelimit_free(ig_ratelimit *rl)
{
	if (rl == NULL)
		return;
	ig_free(rl->buckets);
	if (rl->mtx != NULL)
		nng_mtx_free(rl->mtx);
	ig_free(rl);
}

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

bool
ig_ratelimit_allow(ig_ratelimit *rl, uint64_t key, uint64_t now)
{
	rate_bucket *b = &rl->buckets[mix64(key) % IG_HTTP_RATE_CLIENTS];
	bool ok;

	nng_mtx_lock(rl->mtx);
	if (b->key != key || b->last_ms == 0) {
		/* A new client, or another one hashed here: start full
		 * only when the slot's previous client is idle, so that a
		 * collision never refills a busy bucket. */
		double full = (double) rl->burst;
		double refill = (double) (now - b->last_ms)
		    * (double) rl->per_s / 1000.0;
		if (b->last_ms == 0 || b->tokens + refill >= full) {
			b->tokens = full;
			b->last_ms = now;
		}
		b->key = key;
	}
	b->tokens += (double) (now - b->last_ms) * (double) rl->per_s / 1000.0;
	if (b->tokens > (double) rl->burst)
		b->tokens = (double) rl->burst;
	b->last_ms = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	nng_mtx_unlock(rl->mtx);
	return ok;
}

uint64_t
ig_ratelimit_key_forwarded(const char *xff)
{
	/* The proxy appends the address it saw: take the last. */
	const char *p = strrchr(xff, ',');
	uint64_t h = 1469598103934665603ull;
	p = p != NULL ? p + 1 : xff;
	while (*p == ' ')
		p++;
	for (; *p != '\0' && *p != ' '; p++)
		h = (h ^ (uint8_t) *p) * 1099511628211ull;
	return h;
}
