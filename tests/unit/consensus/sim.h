/*
 * sim.h - a deterministic network simulator for the gossip state machine.
 *
 * N nodes, each an ig_gossip over its own real ig_registry (a RocksDB
 * store in a temporary directory), in a federation of N members built
 * here: member i is "nII", an authority for its own made-up country, with
 * a DSC of that country. Time is virtual (milliseconds); everything
 * random comes from one seeded PRNG, so a seed replays a run exactly.
 * The network delivers each request and reply after a uniform delay,
 * loses each with a given probability, drops what crosses a partition,
 * and reports a lost exchange to its sender as a failure after an RPC
 * timeout, as node/net's req0 socket would. A crash closes a node's
 * registry and frees its machine; a restart reopens both.
 *
 * Updates are signed entries published at a node's own origin: seq 1 a
 * dsc.put, later seqs rev.put of a few random hashes. Coverage is
 * checked against the registries' heads.
 *
 * Governance: root 1 may list only the first initial_members nodes;
 * sim_root_change builds and submits later roots (signed by every member
 * of the old and the new set, threshold 1), and sim_publish puts a
 * root.ack first whenever the node's log needs one, as a node does.
 *
 * Single-threaded; everything aborts the test on failure.
 */
#ifndef IG_TEST_CONSENSUS_SIM_H
#define IG_TEST_CONSENSUS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/gossip.h"

typedef struct sim_cfg {
	size_t nodes;
	uint64_t seed;
	uint32_t delay_min_ms, delay_max_ms;
	double loss; /* probability that one message is lost */
	uint32_t tick_ms; /* how often each node's timers run */
	uint32_t rpc_timeout_ms; /* a lost exchange fails after this */
	size_t initial_members; /* members of root 1; 0: all nodes */
	ig_gossip_config gossip;
} sim_cfg;

typedef struct sim sim;

sim *sim_new(const sim_cfg *cfg);
void sim_free(sim *s);

int64_t sim_now(const sim *s);

/* Publishes the next entry of node i's origin at node i (applied there,
 * then handed to its machine). i must be up. */
void sim_publish(sim *s, size_t i);

/* Runs events until virtual time t. */
void sim_run_until(sim *s, int64_t t);

/* Runs until every up node has every published update, checking after
 * every tick; returns the virtual ms it took, or -1 after max_ms. */
int64_t sim_run_until_covered(sim *s, int64_t max_ms);

/* Nodes missing an update (counted per node and origin), up nodes only. */
size_t sim_missing(sim *s);

/* Puts node i in partition group g; messages between groups are lost.
 * sim_heal puts every node back in group 0. */
void sim_partition(sim *s, size_t i, int g);
void sim_heal(sim *s);

/* Whether node i holds the newest published update of origin o. */
bool sim_has_latest(sim *s, size_t i, size_t o);

void sim_crash(sim *s, size_t i);
void sim_restart(sim *s, size_t i);

/* True when every node's vv hash and registry state digest are equal. */
bool sim_converged(sim *s);

/* --- governance ---------------------------------------------------------
 * Nodes beyond initial_members start outside root 1 (pinned to it like
 * everyone) and join when a root adds them. */

/* Builds the next root from the current member set with node `add`
 * added and node `remove` removed (SIZE_MAX: none), signed by every
 * member of the old and the new set, and submits it at node `at` as the
 * admin endpoint would (ig_governance_root_apply). */
void sim_root_change(sim *s, size_t at, size_t add, size_t remove);

/* The root serial node i holds (i up). */
uint64_t sim_root_serial(sim *s, size_t i);

/* Publishes the next entry of node i's origin as sim_publish does (with
 * a root.ack first when its log needs one), but returns the local
 * registry's verdict instead of asserting it, and hands the entry to
 * gossip whatever the verdict (what a rogue node would do). The origin's
 * log advances only when accepted. The signed entry is copied to
 * *out when not NULL (initialised here). */
ig_err sim_publish_any(sim *s, size_t i, ig_buf *out);

/* Applies a signed entry at node i; returns the registry's verdict. */
ig_err sim_apply(sim *s, size_t i, ig_slice signed_entry);

/* The head seq of origin o at node i. */
uint64_t sim_head(sim *s, size_t i, size_t o);

/* As sim_converged, over the nodes that are up except `skip`. */
bool sim_converged_except(sim *s, size_t skip);

/* Messages and bytes the network carried. */
void sim_traffic(const sim *s, uint64_t *msgs, uint64_t *bytes);

#endif /* IG_TEST_CONSENSUS_SIM_H */
