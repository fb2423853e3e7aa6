/*
 * node.h - one running node: the object that owns everything a node has
 * (docs/architecture.md).
 *
 * ig_node_open reads what the config names: the signed root (its SHA-256
 * must equal the pinned root_hash), the member's signing key (its public
 * half must be the member's key in the root) and TLS key pair (the
 * certificate must be the member's certificate in the root), the admin
 * token; then opens the registry and creates the gossip machine, the
 * gossip transport, the admin endpoint and, when [api] names a
 * listener, the query API (api/http.h). ig_node_start makes them listen
 * and dial; ig_node_close stops and frees everything in reverse order:
 * the API's listeners (RPC, HTTP admin, public HTTP), a last statistics
 * flush and the API service, then the admin endpoint, the transport,
 * the gossip machine and the registry.
 *
 * Thread safety: open, start and close are called by one thread (the
 * command's main thread); the parts run their own threads inside.
 */
#ifndef IG_NODE_NODE_H
#define IG_NODE_NODE_H

#include <stddef.h>

#include "node/config.h"
#include "registry/base/err.h"

typedef struct ig_node ig_node;

/* Builds a node from cfg (borrowed for the call). Returns an owned node
 * in *out (ig_node_close). On failure why (NUL-terminated) names the file
 * or part that failed: IG_EIO (a file cannot be read), IG_EFEDERATION
 * (root hash, member or key mismatch), IG_EINVAL (bad settings), the
 * errors of ig_registry_open, IG_ENOMEM. Starts nng: fork before this. */
IG_MUST_CHECK ig_err ig_node_open(
    const ig_config *cfg, ig_node **out, char *why, size_t why_len);

/* Starts the admin endpoint, the gossip listener and dialers, then the
 * API's listeners ([api] listen, admin_listen, rpc_listen). IG_EEXISTS
 * when an address is in use; why names the listener. */
IG_MUST_CHECK ig_err ig_node_start(ig_node *n, char *why, size_t why_len);

/* Stops everything and frees n; the signing key is wiped. NULL is a
 * no-op. */
void ig_node_close(ig_node *n);

#endif /* IG_NODE_NODE_H */
