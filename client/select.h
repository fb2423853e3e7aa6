/*
 * select.h - the client's decisions, without I/O: the window of recent
 * answer latencies and the hedge deadline drawn from it, each endpoint's
 * state (up, down with a back-off, refused), its smoothed round-trip
 * time, which endpoints form the active set and which are due for a
 * probe. client.c owns the sockets, threads and clock and feeds these
 * functions; tests/unit/client/select_test.c drives them with a made-up
 * clock.
 *
 * Nothing here locks: the caller holds the client's mutex.
 */
#ifndef IG_CLIENT_SELECT_H
#define IG_CLIENT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intyg/client.h"

/* Answers kept for the hedge deadline. */
#define IG_CLIENT_LAT_WINDOW 64
/* Fewer answers than this: the deadline is IG_CLIENT_HEDGE_COLD_MS
 * (clamped), not a percentile of too few. */
#define IG_CLIENT_LAT_MIN_SAMPLES 8
/* The hedge deadline before enough answers are known. */
#define IG_CLIENT_HEDGE_COLD_MS 100
/* The percentile of the window the deadline is, in per mille. */
#define IG_CLIENT_HEDGE_PERMILLE 950

/* Back-off of a failed endpoint: first retry after this, doubling per
 * consecutive failure up to the maximum. */
#define IG_CLIENT_RETRY_MIN_MS 250
#define IG_CLIENT_RETRY_MAX_MS 5000
/* An endpoint whose checkpoint failed is checked again this late (an
 * operator may fix it; it is not used meanwhile). */
#define IG_CLIENT_REFUSED_RETRY_MS 60000
/* The active set's largest size (IG_CLIENT_OPT_ACTIVE). */
#define IG_CLIENT_ACTIVE_MAX 8

/* The latency window: a ring of the last IG_CLIENT_LAT_WINDOW answers. */
typedef struct ig_client_latwin {
	uint32_t ms[IG_CLIENT_LAT_WINDOW];
	size_t n; /* samples held, <= IG_CLIENT_LAT_WINDOW */
	size_t next; /* where the next sample goes */
} ig_client_latwin;

void ig_client_latwin_init(ig_client_latwin *w);
void ig_client_latwin_add(ig_client_latwin *w, uint32_t ms);

/* The nearest-rank percentile (permille 1..1000) of the samples held;
 * 0 when there are none. */
uint32_t ig_client_latwin_quantile(
    const ig_client_latwin *w, unsigned permille);

/* The hedge deadline: the IG_CLIENT_HEDGE_PERMILLE percentile of the
 * window once it holds IG_CLIENT_LAT_MIN_SAMPLES answers, else
 * IG_CLIENT_HEDGE_COLD_MS; either clamped to [floor_ms, ceiling_ms]. */
uint32_t ig_client_hedge_deadline(
    const ig_client_latwin *w, uint32_t floor_ms, uint32_t ceiling_ms);

/* One candidate endpoint as the selection sees it. */
typedef struct ig_client_ep {
	char url[IG_CLIENT_URL_MAX + 1];
	int source; /* 0 pinned, 1 root, 2 directory */
	ig_client_state state;
	uint32_t rtt_ms; /* smoothed round trip of the probes */
	uint32_t fails; /* consecutive failures */
	int64_t next_probe_ms; /* when it is due for a probe */
	bool probing; /* a probe is in flight */
	char why[256];
} ig_client_ep;

/* Initialises ep for url (copied; the caller checked it). */
void ig_client_ep_init(ig_client_ep *ep, const char *url, int source);

/* A probe of ep succeeded at now with a round trip of rtt_ms: ep is up;
 * its smoothed rtt moves a quarter of the way to the sample (the first
 * sample is taken as it is); its next probe is interval_ms away. */
void ig_client_ep_probe_ok(
    ig_client_ep *ep, uint32_t rtt_ms, int64_t now, uint32_t interval_ms);

/* ep failed at now (a probe or a request: refused, reset, timed out, a
 * 5xx): it is down and due again after the back-off of its failure
 * count (IG_CLIENT_RETRY_MIN_MS doubling to IG_CLIENT_RETRY_MAX_MS).
 * why (may be NULL) is kept. */
void ig_client_ep_fail(ig_client_ep *ep, int64_t now, const char *why);

/* ep's checkpoint failed at now: refused until IG_CLIENT_REFUSED_RETRY_MS
 * later. */
void ig_client_ep_refuse(ig_client_ep *ep, int64_t now, const char *why);

/* The back-off after `fails` consecutive failures (fails >= 1). */
uint32_t ig_client_retry_ms(uint32_t fails);

/* Writes to idx[0..k) the indexes of the k = min(want, up) endpoints that
 * are up, nearest (smallest rtt) first; ties keep the candidates' order.
 * Returns k. want <= IG_CLIENT_ACTIVE_MAX. */
size_t ig_client_pick(
    const ig_client_ep *eps, size_t n, size_t want, size_t *idx);

/* Writes to idx[0..k) the endpoints due for a probe at now (not probing,
 * next_probe_ms <= now; UNKNOWN ones always), at most max; returns k. */
size_t ig_client_due(
    const ig_client_ep *eps, size_t n, int64_t now, size_t max, size_t *idx);

/* The earliest next_probe_ms of an endpoint not probing (INT64_MAX when
 * none), for the prober's sleep. */
int64_t ig_client_next_due(const ig_client_ep *eps, size_t n);

/* Checks a candidate URL: http:// or https:// (either case), a host,
 * an optional port and path; at most IG_CLIENT_URL_MAX bytes; no
 * white space, control bytes, user info ('@'), query or fragment.
 * Writes to out (size IG_CLIENT_URL_MAX + 1) the URL with the scheme in
 * lower case and without a trailing '/'. Returns false, with why filled,
 * when it is refused. */
bool ig_client_url_check(const char *url, char out[IG_CLIENT_URL_MAX + 1],
    char *why, size_t why_len);

#endif /* IG_CLIENT_SELECT_H */
