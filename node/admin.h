/*
 * admin.h - what a running node's admin endpoint says: the shapes of its
 * answers, shared by the server (node/admin_server.c) and the command-line
 * client (cli/admin_client.h, used by `intyg publish --node ADDR`).
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

#include "registry/base/err.h"
#include "registry/base/limits.h"
#include "registry/entry.h"

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

/* The verdict on one HCERT. */
typedef struct ig_admin_verdict {
	bool valid;
	char reason[32]; /* ig_reason_name: "valid", "revoked", ... */
	char detail[192];
} ig_admin_verdict;

#endif
