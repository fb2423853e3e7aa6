/*
 * metrics.h - the node's counters for GET /metrics, in the Prometheus text
 * exposition format (version 0.0.4).
 *
 * Counters are lock-free atomics: any thread may count at any time. The
 * verification counters are fed by api/ itself; the node feeds the ones
 * only it sees (entries applied and rejected, by the error that rejected
 * them). Gossip message counts and the peers come from the hooks the node
 * gives api/http (ig_api_hooks) when the page is rendered.
 */
#ifndef IG_API_METRICS_H
#define IG_API_METRICS_H

#include <stdint.h>

#include "api/verify.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

typedef struct ig_metrics ig_metrics;

/* Returns an owned, zeroed set (NULL when out of memory); free with
 * ig_metrics_free. */
ig_metrics *ig_metrics_new(void);
void ig_metrics_free(ig_metrics *m);

/* One verification with its outcome and how long it took. Thread-safe. */
void ig_metrics_verify(ig_metrics *m, ig_reason outcome, uint64_t nanos);

/* One signed entry applied, or rejected with err (any ig_err; unknown
 * numbers count as "EINTERNAL"). Thread-safe. */
void ig_metrics_entry_applied(ig_metrics *m);
void ig_metrics_entry_rejected(ig_metrics *m, ig_err err);

/* Adds applied entries and rejected ones whose rule is not known: the
 * node feeds the gossip machine's counters this way (as deltas of
 * ig_gossip_stats, which counts rejections without their error); they
 * appear as reason="unknown". Thread-safe. */
void ig_metrics_entries_add(
    ig_metrics *m, uint64_t applied, uint64_t rejected_unknown);

/* One HTTP answer with its status (100..599), and one request refused by
 * the rate limiter. Thread-safe. */
void ig_metrics_http(ig_metrics *m, unsigned status);
void ig_metrics_rate_limited(ig_metrics *m);

/* One statistics cell refused because the table was full. */
void ig_metrics_stats_dropped(ig_metrics *m);

/* Gauges and counters owned by others, passed in when rendering. */
typedef struct ig_metrics_extra {
	uint64_t gossip_msgs_in, gossip_msgs_out;
	uint64_t gossip_bytes_in, gossip_bytes_out;
	uint64_t peers, peers_up;
	uint64_t root_serial;
	int root_expired; /* 0 or 1 */
	uint64_t queue_depth; /* requests waiting for a worker */
	int store_writable; /* 0 after a failed write until reopened */
	uint64_t store_damage; /* logs found damaged, not healed yet */
} ig_metrics_extra;

/* The EU gateway pull of a gateway-bridge node (node/gwpull.h). */
typedef struct ig_metrics_gateway {
	bool configured; /* false: no [gateway] url, no rows */
	uint64_t pulls, failures; /* pulls ended, and those that failed */
	uint64_t failures_in_a_row; /* since the last success */
	int64_t last_success_ms; /* 0: none yet */
} ig_metrics_gateway;

/* One peer's row. */
typedef struct ig_metrics_peer {
	char id[IG_MEMBER_ID_MAX + 1];
	bool up;
	uint64_t lag;
	int64_t last_contact_ms; /* 0: never */
} ig_metrics_peer;

/* What the alert rules (configs/alerts/) need beyond the counters: the
 * build, the root's time left, the equivocation proofs held, the data
 * directory's file system, a row per peer, the gateway pull. */
typedef struct ig_metrics_node {
	const char *version;
	int64_t root_expires_in_s;
	uint64_t evidence;
	/* Member ids seen sent from two processes at once (the hook
	 * identity_status of api/http.h). */
	uint64_t identity_conflicts;
	uint64_t disk_free_bytes, disk_size_bytes;
	const ig_metrics_peer *peers;
	size_t n_peers;
	ig_metrics_gateway gateway;
} ig_metrics_node;

/* Appends the rows of x (label values escaped) to out. IG_ETOOBIG /
 * IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_metrics_render_node(
    const ig_metrics_node *x, ig_buf *out);

/* Appends the exposition text to out. IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_metrics_render(
    const ig_metrics *m, const ig_metrics_extra *extra, ig_buf *out);

/* The count of verifications with an outcome so far (tests). */
uint64_t ig_metrics_verify_count(const ig_metrics *m, ig_reason outcome);

#endif /* IG_API_METRICS_H */
