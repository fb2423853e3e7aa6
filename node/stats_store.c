/*
 * stats_store.c - api/stats's cells in the registry's store (column
 * family "stats") and signed on gossip (contract in stats_store.h).
 */
#include "node/stats_store.h"

#include "node/signer.h"
#include "registry/base/log.h"

#include <string.h>

#include "registry/base/limits.h"
#include "registry/root.h"
#include "registry/store.h"

#define TBS_CONTEXT "intyg-stats-v1"

/* --- storage --------------------------------------------------------- */

static ig_err
store_put(void *ctx, ig_slice key, ig_slice val)
{
	ig_stats_rocks *c = ctx;
	ig_err e;

	if (c->batch == NULL
	    && (e = ig_store_batch_new(ig_registry_store(c->reg), &c->batch))
	        != IG_OK)
		return e;
	ig_store_batch_put(c->batch, IG_CF_STATS, key, val);
	return IG_OK;
}

static ig_err
store_commit(void *ctx)
{
	ig_stats_rocks *c = ctx;

	/* The batch is empty after commit, also on failure. */
	return c->batch == NULL ? IG_OK : ig_store_batch_commit(c->batch);
}

typedef struct scan_ctx {
	ig_stats_scan_fn fn;
	void *arg;
} scan_ctx;

static ig_err
scan_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	scan_ctx *c = arg;

	(void) stop;
	return c->fn(c->arg, key, val);
}

static ig_err
store_scan(void *ctx, ig_stats_scan_fn fn, void *arg)
{
	ig_stats_rocks *c = ctx;
	scan_ctx sc = { fn, arg };

	return ig_store_scan(ig_registry_store(c->reg), IG_CF_STATS,
	    ig_slice_make(NULL, 0), ig_slice_make(NULL, 0), scan_one, &sc);
}

void
ig_stats_store_init(ig_registry *reg, ig_stats_rocks *ctx, ig_stats_store *out)
{
	ctx->reg = reg;
	ctx->batch = NULL;
	memset(out, 0, sizeof(*out));
	out->put = store_put;
	out->scan = store_scan;
	out->commit = store_commit;
	out->ctx = ctx;
}

void
ig_stats_store_fini(ig_stats_rocks *ctx)
{
	if (ctx == NULL)
		return;
	ig_store_batch_free(ctx->batch);
	ctx->batch = NULL;
}

/* --- gossip ------------------------------------------------------------ */

ig_err
ig_stats_gossip_tbs(ig_slice fed_id, ig_slice cells, ig_buf *out)
{
	uint8_t len = (uint8_t) (fed_id.len > 255 ? 255 : fed_id.len);
	ig_err e;

	if ((e = ig_buf_append(out, TBS_CONTEXT, sizeof(TBS_CONTEXT))) != IG_OK
	    || (e = ig_buf_append(out, &len, 1)) != IG_OK
	    || (len > 0 && (e = ig_buf_append(out, fed_id.ptr, len)) != IG_OK))
		return e;
	return cells.len == 0 ? IG_OK
	                      : ig_buf_append(out, cells.ptr, cells.len);
}

/* Signs or checks cells; sign: priv set, sig written. */
static ig_err
tbs_sign_or_verify(ig_stats_gossip *c, const uint8_t *pub, ig_slice cells,
    const uint8_t *priv, uint8_t sig[IG_ED25519_SIG_LEN])
{
	ig_buf tbs;
	ig_err e;

	ig_buf_init(&tbs, IG_STATS_MSG_MAX + 512);
	e = ig_stats_gossip_tbs(
	    ig_root_fed_id(ig_registry_root(c->reg)), cells, &tbs);
	if (e == IG_OK && pub == NULL && c->signer != NULL) {
		char why[256];
		if ((e = ig_signer_client_sign_stats(
		         c->signer, ig_buf_slice(&tbs), sig, why, sizeof(why)))
		    != IG_OK)
			IG_WARN("stats", "statistics not signed: %s", why);
	} else if (e == IG_OK)
		e = priv != NULL
		    ? ig_ed25519_sign(priv, ig_buf_slice(&tbs), sig)
		    : ig_ed25519_verify(pub, ig_buf_slice(&tbs), sig);
	ig_buf_free(&tbs);
	return e;
}

static void
hook_version(void *ctx, uint64_t *version, uint64_t *sum)
{
	ig_stats_gossip *c = ctx;

	ig_stats_own_version(c->stats, version, sum);
}

/* The most cells whose message fits in max bytes: a cell takes at most
 * 21 bytes (array 1, hour 5, country 3, type 2, outcome 1, count 9), the
 * header at most 10 + IG_MEMBER_ID_MAX. */
static size_t
cells_fit(size_t max)
{
	size_t head = 10 + IG_MEMBER_ID_MAX;

	return max > head + 21 ? (max - head) / 21 : 1;
}

static ig_err
hook_encode(
    void *ctx, uint64_t since, size_t *cursor, ig_buf *cells, uint8_t sig[64])
{
	ig_stats_gossip *c = ctx;
	ig_err e;

	if ((e = ig_stats_encode_own(
	         c->stats, since, cells_fit(cells->max), cursor, cells))
	    != IG_OK)
		return e;
	return tbs_sign_or_verify(c, NULL, ig_buf_slice(cells), c->priv, sig);
}

static ig_err
hook_merge(void *ctx, ig_slice from, ig_slice cells, const uint8_t sig[64],
    uint64_t *held)
{
	ig_stats_gossip *c = ctx;
	const ig_root_member *m
	    = ig_root_member_find(ig_registry_root(c->reg), from);
	uint8_t s[IG_ED25519_SIG_LEN];
	ig_err e;

	if (m == NULL)
		return IG_EUNKNOWNORIGIN;
	memcpy(s, sig, sizeof(s));
	if ((e = tbs_sign_or_verify(c, m->pub, cells, NULL, s)) != IG_OK)
		return e;
	return ig_stats_merge_as(c->stats, from, cells, held);
}

void
ig_stats_gossip_hooks(ig_stats_gossip *ctx, ig_gossip_cells *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = ctx;
	out->version = hook_version;
	out->encode = hook_encode;
	out->merge = hook_merge;
}
