/*
 * service.h - internal to api/: the service object, struct ig_api,
 * everything the routes, the listeners and the RPC share: the registry
 * and the node's hooks, the verifier and its DSC source, the metrics and
 * statistics, the configured limits, the slots and worker threads
 * (api/slots.h), the rate limiter (api/ratelimit.h), the reporters'
 * tokens (api/tokens.h), the body budget of the listeners, and the
 * routes' caches (the index of the logs, the bundles).
 *
 * It is built by ig_api_new and freed by ig_api_free (api/service.c,
 * the contract in api/http.h); the fields are set there and read
 * everywhere in api/, each under the lock its comment names. Not a
 * public contract: the node includes api/http.h and api/rpc.h only.
 */
#ifndef IG_API_SERVICE_H
#define IG_API_SERVICE_H

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "api/metrics.h"
#include "api/ratelimit.h"
#include "api/regsource.h"
#include "api/slots.h"
#include "api/stats.h"
#include "api/tokens.h"
#include "api/verify.h"
#include "registry/base/limits.h"
#include "registry/walk.h"

/* --- the service ------------------------------------------------------------
 */

typedef struct ig_bundle_cache ig_bundle_cache; /* routes_bundle.c */

struct ig_api {
	ig_registry *reg;
	ig_api_hooks hooks;
	char self_id[IG_MEMBER_ID_MAX + 1];
	uint32_t batch_max;
	uint32_t rate_per_s, rate_burst;
	bool rate_loopback, trust_forwarded, single_node;
	uint64_t stats_k, stats_rounding;

	ig_verifier *verifier;
	ig_regsource *dsc_source; /* the registry's DSCs, cached */
	ig_metrics *metrics;
	ig_stats *stats;
	ig_reporter *reporters; /* tokens.c */
	size_t n_reporters;

	/* slots and worker threads (slots.c) */
	nng_mtx *mtx;
	nng_cv *cv; /* worker threads: a job and a slot to run it */
	nng_cv *idle_cv; /* quiesce: no job running inline */
	ig_api_job *head, *tail;
	size_t queued;
	bool stopping;
	size_t n_threads;
	nng_thread *threads[IG_HTTP_WORKERS_MAX];
	size_t n_slots;
	ig_api_worker workers[IG_HTTP_WORKERS_MAX]; /* the slots */
	ig_api_worker *free_slots[IG_HTTP_WORKERS_MAX];
	size_t n_free;
	size_t inline_running, inline_max;
	/* observed, for tests: the most slots held at once, and jobs run
	 * inline and by worker threads */
	size_t slots_peak;
	uint64_t ran_inline, ran_queued;

	/* HTTP listeners (http.c): their settings, and the bytes of request
	 * bodies held now (under body_mtx) */
	uint32_t conns_max, header_ms;
	uint64_t body_budget, body_inflight;
	nng_mtx *body_mtx;

	/* the per-client rate limit of the listeners (ratelimit.c) */
	ig_ratelimit *rate;

	/* the index of the logs (registry/walk.h): the EU gateway export
	 * (gateway/routes.c) and the issuers' publication times
	 * (routes_registry.c) */
	ig_walk *walk;

	/* the last full bundles and the bases of deltas (routes_bundle.c) */
	ig_bundle_cache *bundle_cache;

	/* the operator portal's drill reports directory ("": none) */
	char drill_reports[IG_PATH_MAX];
};

#endif /* IG_API_SERVICE_H */
