/*
 * stats.h - aggregated verification statistics (docs/api.md).
 *
 * A cell is (hour, issuing country, certificate type, outcome) and holds
 * a count. Every node keeps one set of cells per node id of the
 * federation: its own, which it increments for every verification and
 * every verifier report it accepts, and copies of the others', received
 * by gossip. The sets form a grow-only CRDT: merging takes, per node id
 * and cell, the larger count, so that any order and any repetition of
 * merges converges to the same state. A node only ever increments its
 * own set. Since a larger count always wins, a node's cells must be
 * accepted from that node only: the gossip carriage signs each message
 * with the sender's member key and merges it with ig_stats_merge_as
 * (docs/protocol.md, "Statistics").
 *
 * Queries aggregate over node ids (scope federation) or read the node's
 * own set (scope node), over an hour range, grouped by any subset of
 * hour, country, type and outcome. Released cells below k are suppressed
 * and the rest rounded to a multiple of `rounding`; a per-node breakdown
 * of the federation is never released.
 *
 * Persistence goes through a small storage interface (ig_stats_store) so
 * that the registry's RocksDB store can hold the cells in its "stats"
 * column family. Counts are kept in memory and written back by
 * ig_stats_flush (the node calls it on a timer and at shutdown): a crash
 * loses at most the counts since the last flush, never the store's
 * consistency. Without a store the counts live in memory only.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * guards the set (increments are short).
 */
#ifndef IG_API_STATS_H
#define IG_API_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/verify.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"

/* The storage of the cells: keys and values are opaque bytes of this
 * module (key = idlen(1) node_id hour(4, big-endian) country(2) type(1)
 * outcome(1), value = count(8, big-endian)). put overwrites; scan calls
 * fn for every stored key in order. Both may be called from any thread
 * but never concurrently with each other (the stats mutex is held). */
typedef ig_err (*ig_stats_scan_fn)(void *arg, ig_slice key, ig_slice val);
typedef struct ig_stats_store {
	ig_err (*put)(void *ctx, ig_slice key, ig_slice val);
	ig_err (*scan)(void *ctx, ig_stats_scan_fn fn, void *arg);
	/* Optional (NULL: every put is durable by itself): makes the puts
	 * since the last commit durable, all or none. ig_stats_flush calls
	 * it after at most IG_STATS_FLUSH_BATCH puts and at the end; when
	 * it fails, the cells of those puts stay marked. */
	ig_err (*commit)(void *ctx);
	void *ctx;
} ig_stats_store;

#define IG_STATS_FLUSH_BATCH 4096

/* One cell. country is "" when the certificate named none (it did not
 * decode); type is 'v', 't', 'r' or 0 for the same reason. */
typedef struct ig_stats_cell {
	uint32_t hour; /* Unix time / 3600 */
	char country[3];
	char type;
	ig_reason outcome;
	uint64_t count;
} ig_stats_cell;

typedef struct ig_stats ig_stats;

/* Creates the set of node self_id (borrowed, copied), loading what store
 * holds (store borrowed, may be NULL: memory only; it must outlive the
 * set). Returns an owned set in *out (free with ig_stats_free). IG_EINVAL
 * for an id that is empty, too long or not printable, the store's errors,
 * IG_EFORMAT when a stored record is malformed, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_stats_new(
    ig_slice self_id, const ig_stats_store *store, ig_stats **out);

/* Does not flush; NULL is a no-op. */
void ig_stats_free(ig_stats *st);

/* True when the cell fields are acceptable: country "" or two upper-case
 * letters, type 0 or v/t/r, outcome a reason. */
bool ig_stats_cell_valid(const ig_stats_cell *c);

/* Adds c->count to the node's own cell c (c->count may be 0..2^63).
 * IG_EINVAL for an invalid cell, IG_ETOOBIG when the table holds
 * IG_STATS_CELLS_MAX cells and c is new, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_stats_add(ig_stats *st, const ig_stats_cell *c);

/* Counts one verification at Unix time t (its hour) with the verdict's
 * country, type and reason. Same errors as ig_stats_add. */
IG_MUST_CHECK ig_err ig_stats_count_verdict(
    ig_stats *st, int64_t t, const ig_verdict *v);

/* Writes every cell changed since the last flush to the store. IG_OK
 * without a store; the store's error otherwise (the cells stay marked
 * and are written by the next flush). */
IG_MUST_CHECK ig_err ig_stats_flush(ig_stats *st);

/* --- CRDT carriage (gossip) ----------------------------------------------
 * A message holds cells of one node id:
 *   [1, node_id(str), [[hour, country(str), type(str), outcome, count]...]]
 * with at most IG_STATS_MSG_CELLS_MAX cells (a large set travels in
 * several messages; each merges on its own). */

/* Appends to out a message of node_id's cells starting at *cursor (0 for
 * the first) and sets *cursor to where the next message starts, or 0
 * when this one held the last cells. IG_ENOTFOUND when node_id has no
 * cells at all, IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_stats_encode(
    ig_stats *st, ig_slice node_id, size_t *cursor, ig_buf *out);

/* Decodes a message (borrowed, untrusted) and merges it: each cell count
 * becomes the larger of the stored and the received one. Cells of the
 * node's own id are merged the same way: a larger count from a peer is
 * the copy of a store this node lost, and taking it keeps its counts
 * from going backwards. Strict: IG_EFORMAT, IG_ETRUNC,
 * IG_EDEPTH, IG_ETOOBIG for any flaw, and then nothing is merged; also
 * IG_ETOOBIG when the table is full, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_stats_merge(ig_stats *st, ig_slice msg);

/* As ig_stats_merge, but accepts only a message of node_id's cells
 * (IG_EAUTHORITY for another node's, nothing merged) and sets *held
 * (may be NULL) to the sum of node_id's counts after the merge. The
 * caller has authenticated node_id (gossip: the message is signed with
 * node_id's key, node/stats_gossip.c). IG_EINVAL for an invalid id, the
 * errors of ig_stats_merge. */
IG_MUST_CHECK ig_err ig_stats_merge_as(
    ig_stats *st, ig_slice node_id, ig_slice msg, uint64_t *held);

/* --- delta carriage of the node's own cells --------------------------------
 * Every change of an own cell takes a new version from a counter that
 * starts at 1 when the set is created; cells loaded from the store are
 * version 1. A sender remembers, per peer, the version up to which the
 * peer has everything, and sends only the cells changed since. */

/* The present version and the sum of the node's own counts (read
 * together, under the mutex). */
void ig_stats_own_version(ig_stats *st, uint64_t *version, uint64_t *sum);

/* As ig_stats_encode for the node's own id, but with only the cells whose
 * version is above since (0: every own cell) and at most max_cells (0 or
 * above IG_STATS_MSG_CELLS_MAX: IG_STATS_MSG_CELLS_MAX) in one message.
 * A message may hold no cell (nothing changed since). IG_ETOOBIG /
 * IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_stats_encode_own(ig_stats *st, uint64_t since,
    size_t max_cells, size_t *cursor, ig_buf *out);

/* Calls fn for every node id with cells (for the gossip engineer's
 * round-robin). The id is valid during the call only. */
typedef void (*ig_stats_node_fn)(void *arg, ig_slice node_id, uint64_t sum);
void ig_stats_nodes_each(ig_stats *st, ig_stats_node_fn fn, void *arg);

/* --- queries --------------------------------------------------------- */

#define IG_STATS_BY_HOUR    0x1u
#define IG_STATS_BY_COUNTRY 0x2u
#define IG_STATS_BY_TYPE    0x4u
#define IG_STATS_BY_OUTCOME 0x8u

typedef struct ig_stats_query {
	uint32_t from_hour; /* inclusive */
	uint32_t to_hour; /* exclusive */
	unsigned by; /* IG_STATS_BY_* */
	bool federation; /* false: this node's own cells only */
	uint64_t k; /* suppress released counts below k (0: none) */
	uint64_t rounding; /* round to a multiple (0 or 1: exact) */
} ig_stats_query;

/* A row of a result: the grouped fields are set, the others are
 * hour = UINT32_MAX, country "*", type '*', outcome IG_REASON_COUNT_. */
typedef struct ig_stats_result {
	size_t n;
	ig_stats_cell *rows; /* sorted by hour, country, type, outcome */
	size_t suppressed; /* rows withheld because below k */
} ig_stats_result;

/* Runs q and returns an owned result in *out (free with
 * ig_stats_result_free). IG_EINVAL when from > to or the range exceeds
 * IG_STATS_QUERY_HOURS_MAX, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_stats_query_run(
    ig_stats *st, const ig_stats_query *q, ig_stats_result **out);
void ig_stats_result_free(ig_stats_result *r);

#endif /* IG_API_STATS_H */
