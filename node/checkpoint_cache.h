/*
 * checkpoint_cache.h - the member node's signed checkpoint
 * (registry/checkpoint.h), made when it is asked for and kept.
 *
 * GET /v1/checkpoint (api/routes_checkpoint.c, through the checkpoint
 * hook of api/http.h) is served from here. The signed note is cached with
 * the registry generation it was built at. A request signs a new one
 *  - when the registry changed since (and the new text differs in more
 *    than its time line), but at most once per
 *    IG_CHECKPOINT_MIN_INTERVAL_MS: in between, the cached one is served
 *    (it was the node's state a moment ago), so that requests cannot make
 *    the node rebuild and sign at the rate entries arrive;
 *  - when the cached one is older than IG_CHECKPOINT_REFRESH_S, so that a
 *    verifier or mirror can tell a node that is alive but idle from a
 *    stale copy.
 * Nothing runs in the background: an idle node that nobody asks signs
 * nothing. The build (the state digest scans the store) and the
 * signature run outside the lock: meanwhile other requests get the
 * cached note at once. When a new one cannot be made (a signer process
 * that is down), the cached one is served while it is younger than
 * IG_CHECKPOINT_REFRESH_S, and an error after that; a failure is
 * remembered for IG_CHECKPOINT_MIN_INTERVAL_MS and not retried before,
 * so that a dead signer cannot tie up the API's workers.
 *
 * Every signature goes through the one sign function given at creation
 * (ig_checkpoint_sign_fn): the member key held by the node
 * (ig_checkpoint_cache_sign_key), or a separate signer process.
 *
 * Thread safety: ig_checkpoint_cache_get may be called from any number
 * of threads at once.
 */
#ifndef IG_NODE_CHECKPOINT_CACHE_H
#define IG_NODE_CHECKPOINT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/checkpoint.h"
#include "registry/registry.h"

/* Seconds after which a cached checkpoint is signed again even when the
 * registry has not changed: well below a mirror's default max_lag (60 s),
 * and one Ed25519 signature per 15 s at most. */
#define IG_CHECKPOINT_REFRESH_S 15

/* The shortest time between two signed checkpoints (and between two
 * attempts after a failure): a mirror sees an entry at most this much
 * later than it would otherwise. */
#define IG_CHECKPOINT_MIN_INTERVAL_MS 1000

typedef struct ig_checkpoint_cache ig_checkpoint_cache;

/* Creates the cache of member self_id (copied; a note key name, no '+')
 * with public key pub (copied, for the key hash) over reg (borrowed: it
 * must outlive the cache). sign and sign_arg (borrowed) make every
 * signature. *out is owned (ig_checkpoint_cache_free). IG_EINVAL for a
 * bad id or a NULL sign, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_cache_new(ig_registry *reg,
    ig_slice self_id, const uint8_t pub[32], ig_checkpoint_sign_fn sign,
    void *sign_arg, ig_checkpoint_cache **out);

/* NULL is a no-op. No call to _get may be running. */
void ig_checkpoint_cache_free(ig_checkpoint_cache *s);

/* Appends the current signed checkpoint (a signed note) to out, signing
 * a new one first when due (see the file comment). Errors, when no
 * cached note younger than IG_CHECKPOINT_REFRESH_S can stand in: those
 * of ig_checkpoint_build and of the sign function (a signer process that
 * is down: IG_EIO); IG_ETOOBIG (out's maximum), IG_ENOMEM; out is
 * unchanged on an error. */
IG_MUST_CHECK ig_err ig_checkpoint_cache_get(
    ig_checkpoint_cache *s, ig_buf *out);

/* ig_checkpoint_cache_get at the wall-clock time now_ms (milliseconds
 * since the epoch), for tests. */
IG_MUST_CHECK ig_err ig_checkpoint_cache_get_at(
    ig_checkpoint_cache *s, int64_t now_ms, ig_buf *out);

/* The node's own key as an ig_checkpoint_sign_fn: arg is the 32-byte
 * Ed25519 private key (borrowed). */
ig_err ig_checkpoint_cache_sign_key(void *arg, ig_slice msg, uint8_t sig[64]);

#endif /* IG_NODE_CHECKPOINT_CACHE_H */
