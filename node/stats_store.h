/*
 * stats_store.h - the statistics' storage (api/stats.h, ig_stats_store)
 * in the registry's RocksDB store, column family "stats" (IG_CF_STATS,
 * registry/store.h), and the carriage of the node's own statistics cells
 * by gossip (consensus/gossip.h, ig_gossip_cells), signed with the
 * member's key.
 *
 * Storage: api/stats's key and value bytes are written as they are;
 * the puts of a flush go into one store batch, committed (synced) by the
 * store's commit hook every IG_STATS_FLUSH_BATCH cells and at the end
 * (ig_stats_flush writes only the cells changed since the last flush,
 * once a minute and at shutdown); scan walks the column family in key
 * order. Nothing else writes that column
 * family, and the registry never reads it.
 *
 * Gossip: a CELLS message carries one of api/stats's messages of this
 * node's own cells and an Ed25519 signature with the node's member
 * signing key over
 *
 *   "intyg-stats-v1" 0x00 len(fed_id) (1 byte) fed_id cells
 *
 * A received message is merged only when its signature verifies with the
 * key that the registry's current root lists for the claimed sender and
 * the cells are the sender's own (ig_stats_merge_as): no member can raise
 * another member's counts, whatever it claims to be (TLS shows only that
 * a peer is some member; docs/libraries.md). A replayed message changes
 * nothing (a count never goes down, an old one is not larger).
 *
 * Thread safety: the store adapter is called under the stats mutex; the
 * gossip hooks under the node's gossip mutex; both may run at once (the
 * store serialises its batches, ig_stats has its own mutex).
 */
#ifndef IG_NODE_STATS_STORE_H
#define IG_NODE_STATS_STORE_H

#include "api/stats.h"
#include "consensus/gossip.h"
#include "registry/crypto/crypto.h"
#include "registry/registry.h"

/* The adapter's context: reg borrowed (it must outlive every use, which
 * the node guarantees by freeing the API before it closes the registry),
 * the batch of puts not yet committed. */
typedef struct ig_stats_rocks {
	ig_registry *reg;
	struct ig_store_batch *batch;
} ig_stats_rocks;

/* Fills *ctx and *out with the adapter over reg's store. */
void ig_stats_store_init(
    ig_registry *reg, ig_stats_rocks *ctx, ig_stats_store *out);

/* Discards a batch left uncommitted (a failed flush); ctx stays usable.
 * NULL is a no-op. */
void ig_stats_store_fini(ig_stats_rocks *ctx);

/* The gossip hooks' context: every pointer borrowed. */
typedef struct ig_stats_gossip {
	ig_stats *stats;
	ig_registry *reg;
	const uint8_t *priv; /* IG_ED25519_PRIV_LEN bytes; NULL w/ signer */
	/* When set, the cells are signed by the separate signer process
	 * (node/signer.h) instead of priv; a signer that is down or slow
	 * costs this round's cells (logged by gossip), nothing else. */
	struct ig_signer_client *signer;
} ig_stats_gossip;

/* Fills *out with hooks over ctx (which must outlive their attachment:
 * detach with ig_gossip_cells_set(g, NULL), or ig_net_cells_set). */
void ig_stats_gossip_hooks(ig_stats_gossip *ctx, ig_gossip_cells *out);

/* The bytes signed for cells of federation fed_id, appended to out.
 * IG_ETOOBIG / IG_ENOMEM from out. For the hooks and the tests. */
IG_MUST_CHECK ig_err ig_stats_gossip_tbs(
    ig_slice fed_id, ig_slice cells, ig_buf *out);

#endif /* IG_NODE_STATS_STORE_H */
