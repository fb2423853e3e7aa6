/*
 * nng_util.h - the one place where nng's errors become ig_err, and small
 * helpers shared by the node's nng users (node/net, the admin endpoint
 * and its client).
 */
#ifndef IG_NODE_NNG_UTIL_H
#define IG_NODE_NNG_UTIL_H

#include <nng/nng.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"

/* Translates an nng error: NNG_ENOMEM -> IG_ENOMEM, NNG_EADDRINUSE ->
 * IG_EEXISTS, NNG_EADDRINVAL / NNG_EINVAL / NNG_ENOTSUP -> IG_EINVAL,
 * NNG_ECRYPTO / NNG_EPEERAUTH -> IG_ECRYPTO, NNG_EMSGSIZE -> IG_ETOOBIG,
 * anything else (timeouts, refused or closed connections) -> IG_EIO. */
ig_err ig_nng_err(int rv);

/* Copies s into a new nng message (*out, owned by the caller: send it or
 * nng_msg_free it). IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_nng_msg_from(ig_slice s, nng_msg **out);

/* A view of m's body, valid while m lives. */
ig_slice ig_nng_msg_slice(nng_msg *m);

#endif /* IG_NODE_NNG_UTIL_H */
