/*
 * checkpoint_cache.h - the member node's signed checkpoint
 * (registry/checkpoint.h), made when it is asked for and kept.
 *
 * GET /v1/checkpoint (api/routes_checkpoint.c, through the checkpoint
 * hook of api/http.h) is served from here. The signed note is cached with
 * the registry generation it was built at; a request signs a new one only
 * when the registry changed since (and the new text differs in more than
 * its time line), or when the cached one is older than
 * IG_CHECKPOINT_REFRESH_S, so that a verifier or mirror can tell a node
 * that is alive but idle from a stale copy. Nothing runs in the
 * background: an idle node that nobody asks signs nothing.
 *
 * Every signature goes through the one sign function given at creation
 * (ig_checkpoint_sign_fn): the member key held by the node
 * (ig_checkpoint_cache_sign_key), or a separate signer process.
 *
 * Thread safety: ig_checkpoint_cache_get may be called from any number
 * of threads at once (one mutex; a signature is made by one caller while
 * the others wait for it).
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
 * registry has not changed: well below a mirror's default max_lag (60 s)
 * and an Ed25519 signature every 15 s at most. */
#define IG_CHECKPOINT_REFRESH_S 15

typedef struct ig_checkpoint_cache ig_checkpoint_cache;

/* Creates the signer of member self_id (copied; a note key name, no '+')
 * with public key pub (copied, for the key hash) over reg (borrowed: it
 * must outlive the signer). sign and sign_arg (borrowed) make every
 * signature. *out is owned (ig_checkpoint_cache_free). IG_EINVAL for a
 * bad id, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_cache_new(ig_registry *reg,
    ig_slice self_id, const uint8_t pub[32], ig_checkpoint_sign_fn sign,
    void *sign_arg, ig_checkpoint_cache **out);

/* NULL is a no-op. No call to _get may be running. */
void ig_checkpoint_cache_free(ig_checkpoint_cache *s);

/* Appends the current signed checkpoint (a signed note) to out, signing
 * a new one first when needed (see the file comment). Errors: those of
 * ig_checkpoint_build and of the sign function (the signer process down:
 * IG_EIO), IG_ETOOBIG (out's maximum), IG_ENOMEM; out is unchanged then,
 * and the cached note, when there is one, is not served in its place
 * (a checkpoint older than the state would look like a rollback). */
IG_MUST_CHECK ig_err ig_checkpoint_cache_get(
    ig_checkpoint_cache *s, ig_buf *out);

/* The node's own key as an ig_checkpoint_sign_fn: arg is the 32-byte
 * Ed25519 private key (borrowed). */
ig_err ig_checkpoint_cache_sign_key(void *arg, ig_slice msg, uint8_t sig[64]);

#endif /* IG_NODE_CHECKPOINT_CACHE_H */
