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
	    || (e = help(out, "intyg_store_writable", "gauge",
	            "1 while the store accepts writes; 0 after a failed "
	            "write (a full disk) until it is reopened."))
	        != IG_OK
	    || (e = ig_buf_printf(
	            out, "intyg_store_writable %d\n", x->store_writable))
	        != IG_OK
	    || (e = help(out, "intyg_store_damage", "gauge",
	            "Logs found damaged in the store and not healed yet "
	            "(their records are not served)."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_store_damage %llu\n",
	            (unsigned long long) x->store_damage))
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

/* Appends s as a Prometheus label value: \ " and newline escaped. */
static ig_err
label_value(ig_buf *out, const char *s)
{
	ig_err e = IG_OK;
	for (; *s != '\0' && e == IG_OK; s++) {
		if (*s == '\\' || *s == '"')
			e = ig_buf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			e = ig_buf_printf(out, "\\n");
		else
			e = ig_buf_append_u8(out, (uint8_t) *s);
	}
	return e;
}

/* name{peer="id"} value */
static ig_err
peer_row(ig_buf *out, const char *name, const char *id, long long v)
{
	ig_err e;
	if ((e = ig_buf_printf(out, "%s{peer=\"", name)) != IG_OK
	    || (e = label_value(out, id)) != IG_OK
	    || (e = ig_buf_printf(out, "\"} ")) != IG_OK)
		return e;
	return ig_buf_printf(out, "%lld\n", v);
}

ig_err
ig_metrics_render_node(const ig_metrics_node *x, ig_buf *out)
{
	const ig_metrics_gateway *g = &x->gateway;
	ig_err e;

	if ((e = help(out, "intyg_build_info", "gauge",
	         "The running build; the value is 1."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_build_info{version=\"")) != IG_OK
	    || (e = label_value(out, x->version != NULL ? x->version : ""))
	        != IG_OK
	    || (e = ig_buf_printf(out, "\"} 1\n")) != IG_OK
	    || (e = help(out, "intyg_root_expires_in_seconds", "gauge",
	            "Seconds until the federation root expires (negative "
	            "once expired)."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_root_expires_in_seconds %lld\n",
	            (long long) x->root_expires_in_s))
	        != IG_OK
	    || (e = help(out, "intyg_equivocation_proofs", "gauge",
	            "Equivocation proofs held (forked logs; each freezes "
	            "its origin)."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_equivocation_proofs %llu\n",
	            (unsigned long long) x->evidence))
	        != IG_OK
	    || (e = help(out, "intyg_identity_conflict", "gauge",
	            "Member identities (this node's own included) seen in "
	            "use by two processes at once in the last minute; 0 "
	            "when none."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_identity_conflict %llu\n",
	            (unsigned long long) x->identity_conflicts))
	        != IG_OK
	    || (e = help(out, "intyg_store_disk_free_bytes", "gauge",
	            "Bytes free for the node on the data directory's file "
	            "system."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_store_disk_free_bytes %llu\n",
	            (unsigned long long) x->disk_free_bytes))
	        != IG_OK
	    || (e = help(out, "intyg_store_disk_size_bytes", "gauge",
	            "Size of the data directory's file system."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_store_disk_size_bytes %llu\n",
	            (unsigned long long) x->disk_size_bytes))
	        != IG_OK)
		return e;
	if (x->n_peers > 0) {
		if ((e = help(out, "intyg_peer_up", "gauge",
		         "1 when the last gossip exchange with the peer "
		         "succeeded."))
		    != IG_OK)
			return e;
		for (size_t i = 0; i < x->n_peers; i++)
			if ((e = peer_row(out, "intyg_peer_up", x->peers[i].id,
			         x->peers[i].up ? 1 : 0))
			    != IG_OK)
				return e;
		if ((e = help(out, "intyg_peer_lag_entries", "gauge",
		         "Entries the peer is known to lack or to have "
		         "beyond this node."))
		    != IG_OK)
			return e;
		for (size_t i = 0; i < x->n_peers; i++)
			if ((e = peer_row(out, "intyg_peer_lag_entries",
			         x->peers[i].id, (long long) x->peers[i].lag))
			    != IG_OK)
				return e;
		if ((e = help(out, "intyg_peer_last_contact_timestamp_seconds",
		         "gauge",
		         "Unix time of the last successful exchange (0: "
		         "never)."))
		    != IG_OK)
			return e;
		for (size_t i = 0; i < x->n_peers; i++)
			if ((e = peer_row(out,
			         "intyg_peer_last_contact_timestamp_seconds",
			         x->peers[i].id,
			         (long long) (x->peers[i].last_contact_ms
			             / 1000)))
			    != IG_OK)
				return e;
	}
	if (!g->configured)
		return IG_OK;
	if ((e = help(out, "intyg_gateway_pulls_total", "counter",
	         "EU gateway pulls ended (successful or not)."))
	        != IG_OK
	    || (e = ig_buf_printf(out, "intyg_gateway_pulls_total %llu\n",
	            (unsigned long long) g->pulls))
	        != IG_OK
	    || (e = help(out, "intyg_gateway_pull_failures_total", "counter",
	            "EU gateway pulls that failed."))
	        != IG_OK
	    || (e = ig_buf_printf(out,
	            "intyg_gateway_pull_failures_total %llu\n",
	            (unsigned long long) g->failures))
	        != IG_OK
	    || (e = help(out, "intyg_gateway_pull_failures_in_a_row", "gauge",
	            "EU gateway pulls failed since the last success."))
	        != IG_OK
	    || (e = ig_buf_printf(out,
	            "intyg_gateway_pull_failures_in_a_row %llu\n",
	            (unsigned long long) g->failures_in_a_row))
	        != IG_OK
	    || (e = help(out, "intyg_gateway_last_success_timestamp_seconds",
	            "gauge",
	            "Unix time of the last successful EU gateway pull (0: "
	            "none yet)."))
	        != IG_OK)
		return e;
	return ig_buf_printf(out,
	    "intyg_gateway_last_success_timestamp_seconds %lld\n",
	    (long long) (g->last_success_ms / 1000));
}
