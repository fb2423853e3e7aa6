/*
 * admin.h - the client side of a running node's admin endpoint, used by
 * `intyg publish --node ADDR`.
 *
 * The node signs the ops with its own key, appends the entry to its log,
 * acknowledges after the synced write and pushes the entry to its peers.
 * The wire format is in docs/protocol.md.
 */
#ifndef IG_NODE_ADMIN_H
#define IG_NODE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"
#include "registry/entry.h"

/* Sends the ops to the node's admin endpoint at addr (an nng URL) and
 * waits for the acknowledgement. token is the admin bearer token (NULL if
 * the endpoint needs none). On success *seq is the seq of the new entry.
 * why (NUL-terminated) explains a failure. */
IG_MUST_CHECK ig_err ig_admin_publish(const char *addr, const char *token,
    const ig_entry_op *ops, size_t nops, uint64_t *seq, char *why,
    size_t why_len);

#endif
