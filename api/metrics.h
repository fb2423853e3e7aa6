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
} ig_metrics_extra;

/* Appends the exposition text to out. IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_metrics_render(
    const ig_metrics *m, const ig_metrics_extra *extra, ig_buf *out);

/* The count of verifications with an outcome so far (tests). */
uint64_t ig_metrics_verify_count(const ig_metrics *m, ig_reason outcome);

#endif /* IG_API_METRICS_H */
