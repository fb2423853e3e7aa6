/*
 * net.h - the gossip transport of a node (docs/protocol.md): nng
 * sockets and timers around the sans-IO gossip machine.
 *
 * One rep0 listener takes the peers' requests; one req0 dialer per peer
 * (every other member of the registry's current root, at its
 * gossip_url) carries the machine's requests. Both speak tls+tcp://
 * with mutual TLS: the CA chain is the set of member TLS certificates
 * from the current root, each node presents its own, and a dialer checks
 * that the listener's certificate names the peer's member id
 * (server_name). Peers and the CA chain follow the current root: when a
 * new root is accepted, the worker adds the new members, drops the
 * removed ones and restarts the listener with the new CA chain (net.c
 * has the details). With insecure_transport the same runs over plain
 * tcp:// (local demos only). Every socket has NNG_OPT_RECVMAXSZ set to
 * the gossip message limit before it listens or dials, so an oversized
 * message drops the connection before anything is buffered.
 *
 * Threads: a listener thread receives a request, hands it to the machine
 * and sends the reply; a worker thread ticks the machine, starts the
 * requests it queues (aio, one nng context per exchange) and feeds it the
 * replies and failures that the aio callbacks hand over through a queue.
 * The callbacks never block and never touch the registry. Every call into
 * the machine is made under one mutex, which also guards the set of
 * peers the operator has blocked (ig_net_block).
 */
#ifndef IG_NODE_NET_H
#define IG_NODE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/gossip.h"
#include "registry/base/buf.h"
#include "registry/registry.h"
#include "registry/root.h"

typedef struct ig_net_config {
	const char *listen_url; /* tls+tcp://host:port (tcp:// if insecure) */
	bool insecure; /* plain tcp://, no TLS */
	const char *cert_pem; /* own TLS certificate, NUL-terminated */
	const char *key_pem; /* own TLS key, NUL-terminated */
	uint32_t timeout_ms; /* a request and its reply */
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms;
	uint32_t tick_ms; /* how often the machine's timers are advanced */
	size_t msg_max; /* bytes of one gossip message */
} ig_net_config;

typedef struct ig_net ig_net;

/* Prepares the sockets for member self_id (which need not be a member
 * of the current root yet: a joining agency) of the current root of reg
 * (borrowed; must outlive the net): the listener, and one dialer per
 * other member with a non-empty gossip_url. The machine g is borrowed,
 * as are the strings of cfg for the call only (the TLS certificate and
 * key are copied; the key is wiped on close). Nothing is listening or
 * dialing yet. Returns an owned net (ig_net_close). IG_EINVAL for a bad
 * URL or TLS material, IG_ENOMEM, IG_EIO for other nng failures; why
 * says which. Must be called before fork() is no longer safe: it starts
 * nng's threads. */
IG_MUST_CHECK ig_err ig_net_open(const ig_net_config *cfg,
    const ig_registry *reg, ig_slice self_id, ig_gossip *g, ig_net **out,
    char *why, size_t why_len);

/* Starts listening (IG_EEXISTS when the address is in use, IG_EIO), then
 * dialing every peer in the background and the two threads. */
IG_MUST_CHECK ig_err ig_net_start(ig_net *n, char *why, size_t why_len);

/* Stops the threads, closes every socket and frees n. In-flight
 * exchanges are aborted. NULL is a no-op. Not from an nng callback. */
void ig_net_close(ig_net *n);

/* Stops the transport's threads (within about 200 ms): afterwards nothing
 * in the transport calls the gossip machine or the registry, though the
 * sockets stay open until ig_net_close. Idempotent. */
void ig_net_quiesce(ig_net *n);

/* Hands a signed entry applied here (published by this node) to the
 * machine for eager push, and starts the requests it queues. Thread-safe.
 */
IG_MUST_CHECK ig_err ig_net_publish(ig_net *n, ig_slice signed_entry);

/* Calls fn for every peer, under the machine's mutex (fn must not call
 * back into n). Thread-safe. */
void ig_net_peers_each(ig_net *n, ig_gossip_peer_fn fn, void *arg);

/* The machine's counters. Thread-safe. */
void ig_net_stats(ig_net *n, ig_gossip_stats *out);

/* Attaches (c copied, its ctx borrowed) or detaches (c NULL) the
 * statistics cells of the machine (ig_gossip_cells_set) under the
 * machine's mutex: after a detach returns, no hook of c runs any more.
 * Thread-safe. */
void ig_net_cells_set(ig_net *n, const ig_gossip_cells *c);

/* Blocks (block true) or unblocks the peers named by ids[0..count)
 * (borrowed for the call): an operator's cooperative partition. A
 * blocked peer is not dialled (its dialer is closed, so its connection
 * drops), the requests the machine queues for it fail at once (the
 * machine backs it off; no misbehaviour is counted), and a request that
 * claims its id gets an ERROR reply with code IG_ESTATE without reaching
 * the machine. The claim is not authenticated (see consensus/gossip.h),
 * so this is no security boundary: another member can still relay the
 * blocked peer's entries, which are self-authenticating anyway. Unblock
 * dials again; gossip resumes once the machine's back-off of the peer
 * ends (at most backoff_max_ms). Blocking a blocked peer or unblocking
 * an unblocked one does nothing. Logs one line per call. Thread-safe;
 * not from an nng callback.
 *
 * IG_EINVAL for count outside 1..IG_ROOT_MEMBERS_MAX, IG_ENOTFOUND when
 * an id is not a peer (then nothing changed); an nng error when a
 * dialer cannot be made again, in which case the peers listed before the
 * failing one are unblocked and the rest are not. why says which. */
IG_MUST_CHECK ig_err ig_net_block(ig_net *n, const ig_slice *ids, size_t count,
    bool block, char *why, size_t why_len);

/* True when the peer id is blocked. Thread-safe. */
bool ig_net_peer_blocked(ig_net *n, ig_slice id);

/* How long an identity conflict stays reported after its last sign. */
#define IG_NET_CONFLICT_HOLD_MS 60000

/* Identity conflicts: a second process running with a member's identity
 * (net.c, "Identity conflicts"). *conflicts is the number of member ids
 * (this node's own included) with a sign of a second process within the
 * last IG_NET_CONFLICT_HOLD_MS; who (cap bytes, NUL-terminated; "" when
 * none) names the first of them and the addresses seen, e.g. "se
 * (127.0.0.1:40112 and 127.0.0.1:40118)". n NULL: none. Thread-safe. */
void ig_net_identity(ig_net *n, uint64_t *conflicts, char *who, size_t cap);

#endif /* IG_NODE_NET_H */
