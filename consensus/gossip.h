/*
 * gossip.h - the gossip protocol of docs/protocol.md as a sans-IO state
 * machine.
 *
 * The machine owns no socket and no timer. node/net feeds it the current
 * time, the requests that arrive on the node's rep0 listener and the
 * replies (or failures) of the requests it asked to send; it returns reply
 * bytes and a queue of requests to send to named peers. The transport is
 * request/reply: every exchange is one request from the machine that
 * starts it and one reply from the peer. Peers are members of the root,
 * named by member id; the node maps ids to gossip URLs.
 *
 * What it does: anti-entropy (one random live peer every period: hash of
 * the version vector first; on a difference the vectors, then the exact
 * missing suffix of each origin's log in chunks bounded by the message
 * limit, repeated at once while behind), eager push of new entries to
 * `fanout` random peers with one forward, equivocation evidence spread to
 * all (and, for a forked log, the prefix below the fork exchanged as any
 * log, the fork point carried in the vector and its hash), the root
 * serial carried in every digest and the roots fetched
 * from a peer that reports a higher one (ROOTS / ROOTS_REPLY, applied
 * with consensus/governance's rules, every intermediate serial in
 * order), and per-peer misbehaviour counts with exponential back-off.
 *
 * It also carries the node's own verification statistics cells (a
 * grow-only CRDT, api/stats.h) when the node attaches them
 * (ig_gossip_cells_set): every IG_GOSSIP_CELLS_PERIODS periods, each peer
 * that lacks some of this node's changes gets a CELLS request with the
 * cells changed since the version it acknowledged (in chunks), and every
 * IG_GOSSIP_CELLS_PROBE_PERIODS an idle peer gets an empty one, whose
 * CELLS_ACK tells how much of this node's counts it holds; a peer that
 * holds less (it lost them in a crash) gets all of them again. Cells are
 * sent only by the node they belong to, signed with its member key, and
 * accepted only so (the hooks sign and check; docs/protocol.md). The
 * anti-entropy exchange is unchanged by them. Trouble with cells never
 * backs a peer off from the registry's gossip: a refused CELLS request is
 * retried at the next probe.
 *
 * Peers are the members of the registry's current root, followed as it
 * changes: a member a new root adds becomes a peer, one it removes is no
 * longer contacted or answered (but for ROOTS and DIGEST). The machine
 * may run for a member id outside the current root: an agency that
 * joins starts with root 1 and fetches the root that adds it.
 *
 * The wire formats are in consensus/gossip_msg.h and docs/protocol.md.
 * Entries are applied with ig_registry_apply exactly as received and are
 * self-authenticating (signatures), so a peer can delay but not forge.
 * The sender id a request carries is a claim: TLS proves that the peer
 * is a member, not which one. Misbehaviour counts and back-off are kept
 * under the claimed id, so a member can get another member backed off by
 * sending garbage in its name; back-off only changes whom this machine
 * contacts, never what it accepts, and is bounded by backoff_max_ms.
 *
 * Thread safety: one machine per node; calls must not overlap (the node
 * holds a mutex around them). The registry is borrowed and may be queried
 * by other threads meanwhile.
 */
#ifndef IG_CONSENSUS_GOSSIP_H
#define IG_CONSENSUS_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/registry.h"

typedef struct ig_gossip_config {
	uint32_t period_ms; /* anti-entropy period; default 1000 */
	uint32_t fanout; /* eager-push peers; default 3 */
	size_t msg_max; /* bytes of one message; default IG_GOSSIP_MSG_MAX */
	uint32_t backoff_min_ms; /* first back-off of a failing peer; 1000 */
	uint32_t backoff_max_ms; /* longest back-off; 60000 */
	uint32_t timeout_ms; /* an exchange without reply or failure by
	                      * then counts as failed; 10000 */
} ig_gossip_config;

/* Fills c with the defaults above. */
void ig_gossip_config_default(ig_gossip_config *c);

/* A request the machine wants sent. The bytes are owned by the machine
 * until the next call into it; the caller copies them into its message. */
typedef struct ig_gossip_send {
	uint64_t exchange; /* pass back to on_reply / on_failure */
	ig_slice peer; /* member id */
	ig_slice msg;
} ig_gossip_send;

/* Per-peer view for /v1/peers and logs. */
typedef struct ig_gossip_peer_info {
	ig_slice id;
	bool up; /* last exchange succeeded */
	int64_t last_contact_ms; /* 0: never */
	uint64_t lag; /* entries the peer is known to lack or have extra */
	uint64_t misbehaviour; /* invalid messages or entries from it */
	int64_t backoff_until_ms;
	uint64_t root_serial; /* highest root serial it reported; 0: none */
} ig_gossip_peer_info;

typedef struct ig_gossip ig_gossip;

/* Creates the machine for member self_id over reg (borrowed; must outlive
 * the machine). seed makes peer choice reproducible (the simulator);
 * a node passes random bits. cfg NULL means the defaults. Returns an
 * owned machine in *out (free with ig_gossip_free). IG_EINVAL when
 * self_id is empty or too long or cfg is out of range (msg_max outside
 * IG_GOSSIP_MSG_MIN..IG_GOSSIP_MSG_MAX, period or fanout 0), IG_ESTORE
 * when the registry cannot be read, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gossip_new(ig_registry *reg, ig_slice self_id,
    const ig_gossip_config *cfg, uint64_t seed, ig_gossip **out);
void ig_gossip_free(ig_gossip *g);

/* Advances timers to now_ms: expires exchanges past timeout_ms and, once
 * per period, queues an anti-entropy digest to one random peer that is
 * neither backed off nor already in an exchange with us. IG_ESTORE,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gossip_tick(ig_gossip *g, int64_t now_ms);

/* Handles one request received on the listener and appends the reply to
 * reply (borrowed; its max bounds the reply, and should be at least the
 * configured msg_max). A malformed or hostile request gets an ERROR reply
 * and, when it names a peer, is counted against that peer; the registry
 * is not changed by anything invalid. Returns IG_OK whenever a reply was
 * written; IG_ESTORE / IG_ENOMEM / IG_ETOOBIG (reply too small) when not:
 * the node then drops the request. */
IG_MUST_CHECK ig_err ig_gossip_on_request(
    ig_gossip *g, ig_slice req, int64_t now_ms, ig_buf *reply);

/* Handles the reply to an earlier request (reply borrowed for the call).
 * May queue follow-up requests (the next chunk while either side is
 * behind, evidence). An unknown or expired exchange is ignored (IG_OK);
 * a malformed reply counts as the peer's misbehaviour (IG_OK). Errors are
 * local failures only: IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gossip_on_reply(
    ig_gossip *g, uint64_t exchange, ig_slice reply, int64_t now_ms);

/* The request could not be delivered or timed out: the peer is marked
 * down and backed off. */
void ig_gossip_on_failure(ig_gossip *g, uint64_t exchange, int64_t now_ms);

/* A signed entry was applied locally (published here): push it to fanout
 * peers. signed_entry is borrowed (copied into the queued requests).
 * IG_ETOOBIG when it exceeds IG_ENTRY_SIGNED_MAX or msg_max, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gossip_publish(
    ig_gossip *g, ig_slice signed_entry, int64_t now_ms);

/* Takes the next queued request; false when none is queued. The message
 * bytes stay valid until the next call of ig_gossip_next_send or
 * ig_gossip_free. */
bool ig_gossip_next_send(ig_gossip *g, ig_gossip_send *out);

/* Calls fn for every peer (not self). */
typedef void (*ig_gossip_peer_fn)(void *arg, const ig_gossip_peer_info *p);
void ig_gossip_peers_each(ig_gossip *g, ig_gossip_peer_fn fn, void *arg);

/* Counters for /metrics and the benches. */
typedef struct ig_gossip_stats {
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	uint64_t entries_applied, entries_rejected;
	uint64_t exchanges_in_sync; /* digest matched */
	uint64_t entries_sent; /* in SYNC, SYNC_REPLY and PUSH messages */
	uint64_t sync_rounds; /* SYNC request/reply pairs completed */
	uint64_t evidence_spread; /* equivocation proofs flooded */
	uint64_t misbehaviour; /* invalid messages or entries, all peers */
	uint64_t root_serial_seen; /* highest root serial of any peer */
	uint64_t cells_in; /* CELLS requests merged */
	uint64_t cells_refused; /* CELLS requests refused (bad signature,
	                         * another node's cells, malformed) */
	uint64_t cells_out; /* CELLS requests acknowledged by peers */
} ig_gossip_stats;
void ig_gossip_stats_get(const ig_gossip *g, ig_gossip_stats *out);

/* --- statistics cells ------------------------------------------------------
 * The carriage of the node's own statistics cells, opaque to the machine
 * (consensus does not know api/stats). All hooks are called from inside
 * the machine's functions, under the node's gossip mutex. */

/* Periods between two rounds of CELLS, and between two probes of an idle
 * peer (an empty CELLS request). */
#define IG_GOSSIP_CELLS_PERIODS       5
#define IG_GOSSIP_CELLS_PROBE_PERIODS 60

typedef struct ig_gossip_cells {
	void *ctx;
	/* The version of the node's own cells (it grows with every change)
	 * and the sum of their counts. */
	void (*version)(void *ctx, uint64_t *version, uint64_t *sum);
	/* Appends to cells (max bytes: its max) a message of the own cells
	 * changed after version since (0: all), from *cursor (0: the
	 * first), sets *cursor to the next message's start or 0 after the
	 * last, and writes the signature over it to sig. */
	ig_err (*encode)(void *ctx, uint64_t since, size_t *cursor,
	    ig_buf *cells, uint8_t sig[64]);
	/* Checks that cells are from's own, signed by from, and merges
	 * them; *held = the sum of from's counts held here after. An
	 * error is the reply's code; IG_ENOMEM, IG_ETOOBIG (table full),
	 * IG_ESTORE and IG_ECRYPTO are local failures, the others count as
	 * from's misbehaviour. */
	ig_err (*merge)(void *ctx, ig_slice from, ig_slice cells,
	    const uint8_t sig[64], uint64_t *held);
} ig_gossip_cells;

/* Attaches the cells (copied; its ctx borrowed until detached) or
 * detaches them (c NULL): the node detaches them before it frees what
 * ctx points to. Without cells, CELLS requests get ERROR
 * IG_EUNSUPPORTED and none are sent. */
void ig_gossip_cells_set(ig_gossip *g, const ig_gossip_cells *c);

/* The vv hash of the local registry as this machine last computed it
 * (reloaded when stale). For tests, health and logs. IG_ESTORE. */
IG_MUST_CHECK ig_err ig_gossip_vv_hash_get(ig_gossip *g, uint8_t out[32]);

#endif /* IG_CONSENSUS_GOSSIP_H */
