/*
 * metrics.c - atomic counters and their Prometheus rendering.
 *
 * Every counter is a C11 atomic updated with relaxed ordering: /metrics
 * needs each number to be a value it really had, not a consistent
 * snapshot across numbers. The latency histogram keeps one counter per
 * bucket (non-cumulative) and adds them up when rendering, so that
 * counting is one increment.
 */
#include "api/metrics.h"

#include <stdatomic.h>

#include "registry/base/alloc.h"

#define HTTP_CODES 600

/* Upper bounds of the verify latency buckets, in nanoseconds. */
static const uint64_t buckets_ns[] = { 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000, 10000000, 25000000, 100000000 };
#define NBUCKETS (sizeof(buckets_ns) / sizeof(buckets_ns[0]))

struct ig_metrics {
	_Atomic uint64_t verify[IG_REASON_COUNT_];
	_Atomic uint64_t verify_bucket[NBUCKETS + 1]; /* last: +Inf */
	_Atomic uint64_t verify_ns_sum;
	_Atomic uint64_t applied;
	_Atomic uint64_t rejected[IG_ERR_LAST_];
	_Atomic uint64_t rejected_unknown; /* from gossip counter deltas */
	_Atomic uint64_t http[HTTP_CODES];
	_Atomic uint64_t rate_limited;
	_Atomic uint64_t stats_dropped;
};

ig_metrics *
ig_metrics_new(void)
{
	ig_metrics *m = ig_calloc(1, sizeof(*m));
	return m;
}

void
ig_metrics_free(ig_metrics *m)
{
	ig_free(m);
}

static void
inc(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void
ig_metrics_verify(ig_metrics *m, ig_reason outcome, uint64_t nanos)
{
	size_t b = 0;
	if ((unsigned) outcome < IG_REASON_COUNT_)
		inc(&m->verify[outcome], 1);
	while (b < NBUCKETS && nanos > buckets_ns[b])
		b++;
	inc(&m->verify_bucket[b], 1);
	inc(&m->verify_ns_sum, nanos);
}

uint64_t
ig_metrics_verify_count(const ig_metrics *m, ig_reason outcome)
{
	if ((unsigned) outcome >= IG_REASON_COUNT_)
		return 0;
	return get(&m->verify[outcome]);
}

void
ig_metrics_entry_applied(ig_metrics *m)
{
	inc(&m->applied, 1);
}

void
ig_metrics_entry_rejected(ig_metrics *m, ig_err err)
{
	if ((unsigned) err >= IG_ERR_LAST_ || err == IG_OK)
		err = IG_EINTERNAL;
	inc(&m->rejected[err], 1);
}

void
ig_metrics_entries_add(
    ig_metrics *m, uint64_t applied, uint64_t rejected_unknown)
{
	inc(&m->applied, applied);
	inc(&m->rejected_unknown, rejected_unknown);
}

void
ig_metrics_http(ig_metrics *m, unsigned status)
{
	if (status >= 100 && status < HTTP_CODES)
		inc(&m->http[status], 1);
}

void
ig_metrics_rate_limited(ig_metrics *m)
{
	inc(&m->rate_limited, 1);
}

void
ig_metrics_stats_dropped(ig_metrics *m)
{
	inc(&m->stats_dropped, 1);
}

static ig_err
help(ig_buf *out, const char *name, const char *type, const char *text)
{
	return ig_buf_printf(
	    out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

ig_err
ig_metrics_render(const ig_metrics *m, const ig_metrics_extra *x, ig_buf *out)
{
	ig_err e;
	uint64_t cum = 0;

	if ((e = help(out, "intyg_verifications_total", "counter",
	         "HCERT verifications by outcome (reason code)."))
	    != IG_OK)
		return e;
	for (int r = 0; r < IG_REASON_COUNT_; r++)
		if ((e = ig_buf_printf(out,
		         "intyg_verifications_total{outcome=\"%s\"} %llu\n",
		         ig_reason_name((ig_reason) r),
		         (unsigned long long) get(&m->verify[r])))
		    != IG_OK)
			return e;

	if ((e = help(out, "intyg_verify_duration_seconds", "histogram",
	         "Time to verify one HCERT, decoding included."))
	    != IG_OK)
		return e;
	for (size_t b = 0; b <= NBUCKETS; b++) {
		cum += get(&m->verify_bucket[b]);
		if (b < NBUCKETS)
			e = ig_buf_printf(out,
			    "intyg_verify_duration_seconds_bucket{le=\"%g\"} "
			    "%llu\n",
			    (double) buckets_ns[b] / 1e9,
			    (unsigned long long) cum);
		else
			e = ig_buf_printf(out,
			    "intyg_verify_duration_seconds_bucket{le=\"+Inf\"}"
			    " %llu\n",
			    (unsigned long long) cum);
		if (e != IG_OK)
			return e;
	}
	if ((e = ig_buf_printf(out,
	         "intyg_verify_duration_seconds_sum %.9f\n"
	         "intyg_verify_duration_seconds_count %llu\n",
	         (double) get(&m->verify_ns_sum) / 1e9,
	         (unsigned long long) cum))
	    != IG_OK)
		return e;

	if ((e = help(out, "intyg_gossip_messages_total", "counter",
	         "Gossip messages by direction."))
	        != IG_OK
	    || (e = ig_buf_printf(out,
	            "intyg_gossip_messages_total{direction=\"in\"} %llu\n"
	            "intyg_gossip_messages_total{direction=\"out\"} %llu\n",
	            (unsigned long long) x->gossip_msgs_in,
	            (unsigned long long) x->gossip_msgs_out))
	        != IG_OK
	    || (e = help(out, "intyg_gossip_bytes_total", "counter",
	            "Gossip bytes by direction."))
	        != IG_OK
	    || (e = ig_buf_printf(out,
	            "intyg_gossip_bytes_total{direction=\"in\"} %llu\n"
	            "intyg_gossip_bytes_total{direction=\"out\"} %llu\n",
	            (unsigned long long) x->gossip_bytes_in,
	            (unsigned long long) x->gossip_bytes_out))
	        != IG_OK)
		return e;

	if ((e = help(out, "intyg_entries_applied_total", "counter",
	         "Signed entries applied to the registry."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_entries_applied_total %llu\n",
	            (unsigned long long) get(&m->applied)))
	        != IG_OK
	    || (e = help(out, "intyg_entries_rejected_total", "counter",
	            "Signed entries rejected, by the rule they broke."))
	        != IG_OK)
		return e;
	for (int r = 1; r < IG_ERR_LAST_; r++) {
		uint64_t n = get(&m->rejected[r]);
		if (n == 0)
			continue;
		if ((e = ig_buf_printf(out,
		         "intyg_entries_rejected_total{reason=\"%s\"} %llu\n",
		         ig_err_name((ig_err) r), (unsigned long long) n))
		    != IG_OK)
			return e;
	}
	if (get(&m->rejected_unknown) > 0
	    && (e = ig_buf_printf(out,
	            "intyg_entries_rejected_total{reason=\"unknown\"} %llu\n",
	            (unsigned long long) get(&m->rejected_unknown)))
	        != IG_OK)
		return e;

	if ((e = help(out, "intyg_peers", "gauge",
	         "Peers of this node (members of the root but itself)."))
	        != IG_OK
	    || (e = ig_buf_printf(
	            out, "intyg_peers %llu\n", (unsigned long long) x->peers))
	        != IG_OK
	    || (e = help(out, "intyg_peers_up", "gauge",
	            "Peers whose last exchange succeeded."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_peers_up %llu\n",
	            (unsigned long long) x->peers_up))
	        != IG_OK
	    || (e = help(out, "intyg_root_serial", "gauge",
	            "Serial of the current federation root."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_root_serial %llu\n",
	            (unsigned long long) x->root_serial))
	        != IG_OK
	    || (e = help(out, "intyg_root_expired", "gauge",
	            "1 when the current root has expired."))
	        != IG_OK
	    || (e = ig_buf_printf(
	            out, "intyg_root_expired %d\n", x->root_expired))
	        != IG_OK
	    || (e = help(out, "intyg_api_queue_depth", "gauge",
	            "Requests waiting for a worker."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_api_queue_depth %llu\n",
	            (unsigned long long) x->queue_depth))
	        != IG_OK
	    || (e = help(out, "intyg_http_responses_total", "counter",
	            "HTTP responses by status code."))
	        != IG_OK)
		return e;
	for (unsigned c = 100; c < HTTP_CODES; c++) {
		uint64_t n = get(&m->http[c]);
		if (n == 0)
			continue;
		if ((e = ig_buf_printf(out,
		         "intyg_http_responses_total{code=\"%u\"} %llu\n", c,
		         (unsigned long long) n))
		    != IG_OK)
			return e;
	}
	if ((e = help(out, "intyg_http_rate_limited_total", "counter",
	         "Requests refused by the per-client rate limit."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_http_rate_limited_total %llu\n",
	            (unsigned long long) get(&m->rate_limited)))
	        != IG_OK
	    || (e = help(out, "intyg_stats_cells_dropped_total", "counter",
	            "Statistics counts refused because the table was full."))
	        != IG_OK
	    || (e = ig_buf_printf(out,
	            "intyg_stats_cells_dropped_total %llu\n",
	            (unsigned long long) get(&m->stats_dropped)))
	        != IG_OK)
		return e;
	return IG_OK;
}
