/*
 * admin_root.h - submitting a signed root N+1 to a running node's admin
 * endpoint (`intyg federation submit --node ADDR`).
 *
 * Request and reply (docs/protocol.md, "## Admin" and "## Governance"):
 *
 *   [1, "root", token, signed_root]   signed_root: binary, the file
 *                                     `intyg federation propose|sign`
 *                                     writes, at most IG_ROOT_SIGNED_MAX
 *   [true, serial, changed]           the node's root serial after the
 *                                     call; changed: whether this root
 *                                     was newly accepted (false: held)
 *   [false, code, name, message]      the rule the root breaks
 *                                     (ETHRESHOLD, EROOTSERIAL,
 *                                     EROOTEXPIRED, EFEDERATION, ...)
 *
 * The node applies the root with ig_governance_root_apply (expiry
 * checked) and gossip carries it to every peer from the next exchange
 * on (peers see the higher root_serial in DIGEST and fetch it).
 *
 * Every call opens its own nng socket (thread-safe); a process that
 * forks must fork before its first call (nng's rule).
 */
#ifndef IG_NODE_ADMIN_ROOT_H
#define IG_NODE_ADMIN_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/codec/msgpack_util.h"
#include "registry/registry.h"

/* The server side, for node/admin_server.c's dispatch: serves the
 * arguments after [1, "root", token] (args[0..n), borrowed from the
 * decoded request) against reg at now_ms, and writes the whole reply,
 * success or failure, to reply (reset first; bounded by its max). The
 * token has been checked by the caller. Returns the result of the
 * root's application (IG_OK or the refusal written in the reply), so
 * that the caller may log or count it. Thread safety as
 * ig_governance_root_apply. */
ig_err ig_admin_root_serve(ig_registry *reg, const msgpack_object *args,
    size_t n, int64_t now_ms, ig_buf *reply);

#endif /* IG_NODE_ADMIN_ROOT_H */
