/*
 * admin.h - the client side of a running node's admin endpoint, used by
 * `intyg publish --node ADDR`.
 *
 * The node signs the ops with its own key, appends the entry to its log,
 * acknowledges after the synced write and pushes the entry to its peers.
 * The endpoint also answers `status` (the node's version vector, state
 * digest, peers and gossip counters: what tests and operators watch),
 * `verify` (HCERTs checked against the node's registry) and
 * `block`/`unblock` (an operator's cooperative partition: the node stops
 * gossiping with the named peers). The wire format is in docs/protocol.md
 * ("## Admin").
 *
 * Every call opens its own nng socket, so the functions are thread-safe;
 * a process that forks must fork before its first call (nng's rule).
 */
#ifndef IG_NODE_ADMIN_H
#define IG_NODE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

#include "node/admin_link.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"
#include "registry/entry.h"

/* Sends the ops to the node's admin endpoint at addr (an nng URL) and
 * waits for the acknowledgement. token is the admin bearer token (NULL if
 * the endpoint needs none). On success *seq is the seq of the new entry.
 * why (NUL-terminated) explains a failure. */
IG_MUST_CHECK ig_err ig_admin_publish(const char *addr, const char *token,
    const ig_entry_op *ops, size_t nops, uint64_t *seq, char *why,
    size_t why_len);

/* One head of a node's version vector. */
typedef struct ig_admin_head {
	char origin[IG_MEMBER_ID_MAX + 1];
	uint64_t seq;
	uint8_t hash[32];
	uint64_t frozen_at; /* 0 when the origin is not frozen */
} ig_admin_head;

/* One peer as the node's gossip sees it. */
typedef struct ig_admin_peer {
	char id[IG_MEMBER_ID_MAX + 1];
	bool up;
	uint64_t lag;
	uint64_t misbehaviour;
	bool blocked; /* by the operator (ig_admin_block) */
} ig_admin_peer;

/* What `status` reports. Large (about 60 KB): allocate it. */
typedef struct ig_admin_status {
	char id[IG_MEMBER_ID_MAX + 1];
	uint8_t digest[32]; /* ig_registry_state_digest */
	uint64_t evidence; /* equivocation proofs stored */
	size_t n_heads;
	ig_admin_head heads[IG_ROOT_MEMBERS_MAX];
	size_t n_peers;
	ig_admin_peer peers[IG_ROOT_MEMBERS_MAX];
	/* the gossip machine's counters (ig_gossip_stats) */
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	uint64_t entries_applied, entries_rejected, exchanges_in_sync;
} ig_admin_status;

/* Asks the node at addr for its status; fills *out on success. Errors
 * as ig_admin_publish. */
IG_MUST_CHECK ig_err ig_admin_status_get(const char *addr, const char *token,
    ig_admin_status *out, char *why, size_t why_len);

/* The verdict on one HCERT. */
typedef struct ig_admin_verdict {
	bool valid;
	char reason[32]; /* ig_reason_name: "valid", "revoked", ... */
	char detail[192];
} ig_admin_verdict;

/* Has the node at addr verify n (1..IG_ADMIN_VERIFY_MAX) HCERT texts
 * (NUL-terminated) at the clock `at` (Unix seconds; 0: the node's now)
 * against its registry; out[i] is the verdict on texts[i]. */
IG_MUST_CHECK ig_err ig_admin_verify(const char *addr, const char *token,
    const char *const *texts, size_t n, int64_t at, ig_admin_verdict *out,
    char *why, size_t why_len);

/* Has the node at addr block (block true) or unblock the peers named by
 * ids[0..n) (NUL-terminated member ids, 1..IG_ROOT_MEMBERS_MAX of them):
 * a blocked peer is not dialled and the requests claiming its id are
 * refused (node/net.h, ig_net_block). The claim is not authenticated, so
 * this is a cooperative partition or a quick quarantine, not a security
 * boundary. Errors as ig_admin_publish; the node's IG_ENOTFOUND when an
 * id is not its peer (nothing changed), IG_ESTATE when it runs without
 * gossip, IG_EINVAL for a missing or wrong token. */
IG_MUST_CHECK ig_err ig_admin_block(const char *addr, const char *token,
    const char *const *ids, size_t n, bool block, char *why, size_t why_len);

/* The same calls through a link (node/admin_link.h): bounded by
 * link->timeout_ms, and link->unreachable tells a failure of the
 * transport from the node's refusal. The commands use these. */
IG_MUST_CHECK ig_err ig_admin_publish_via(ig_admin_link *link,
    const ig_entry_op *ops, size_t nops, uint64_t *seq, char *why,
    size_t why_len);
IG_MUST_CHECK ig_err ig_admin_status_get_via(
    ig_admin_link *link, ig_admin_status *out, char *why, size_t why_len);
IG_MUST_CHECK ig_err ig_admin_verify_via(ig_admin_link *link,
    const char *const *texts, size_t n, int64_t at, ig_admin_verdict *out,
    char *why, size_t why_len);
IG_MUST_CHECK ig_err ig_admin_block_via(ig_admin_link *link,
    const char *const *ids, size_t n, bool block, char *why, size_t why_len);

#endif
