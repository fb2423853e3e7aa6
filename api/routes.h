/*
 * routes.h - internal to api/: the service object shared by http.c,
 * routes_*.c and rpc.c, its worker pool, and the request and response
 * shapes the route functions see. Not a public contract: the node
 * includes api/http.h and api/rpc.h only.
 *
 * A route function runs with a slot held (see ig_api_run), on a worker
 * thread or, for an inline route, on the nng thread that received the
 * request, with a parsed request whose strings and body stay valid
 * during the call, and fills a response. A worker route may take long
 * (lists, batches, RocksDB scans); an inline route must be short and
 * bounded (a verification and a few point reads). Neither may keep
 * pointers into the request after returning.
 */
#ifndef IG_API_ROUTES_H
#define IG_API_ROUTES_H

#include <jansson.h>
#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "api/metrics.h"
#include "api/regsource.h"
#include "api/stats.h"
#include "api/verify.h"
#include "registry/base/buf.h"
#include "registry/base/limits.h"
#include "registry/hcert.h"
#include "registry/walk.h"

/* --- worker pool -----------------------------------------------------------
 */

/* A slot: the scratch of one running job. There are `workers` slots, so
 * at most that many jobs run at once, whichever thread runs them. */
typedef struct ig_api_worker {
	ig_api *api;
	ig_hcert *h; /* decoder for this slot's verifications */
	ig_buf body; /* the response being built, kept between jobs */
	/* the verdicts' context (routes_verify.c), for one generation */
	uint64_t ctx_gen;
	json_t *ctx_root, *ctx_heads;
} ig_api_worker;

/* A unit of work. run is called once, with a slot held; the job frees
 * itself in run. inline_ok: the job is short and bounded (one or two
 * verifications, a few RocksDB point reads, usually cached), so the nng
 * thread that received it may run it itself when a slot is free,
 * instead of waking a worker. */
typedef struct ig_api_job ig_api_job;
struct ig_api_job {
	ig_api_job *next;
	void (*run)(ig_api_job *job, ig_api_worker *w);
	bool inline_ok;
};

/* Runs or queues a job. An inline_ok job runs at once on the calling
 * thread when a slot is free, nothing waits before it and fewer than
 * ig_api.inline_max jobs run inline already; that thread then also runs
 * the inline_ok jobs queued meanwhile. Any other job is queued for the
 * worker threads. IG_ESTATE when the service is stopping, IG_ETOOBIG
 * when IG_HTTP_QUEUE_MAX jobs wait already: the job is not taken then.
 * On IG_OK the job is taken (and may be freed already). Never blocks
 * except by running the job: callable from nng callbacks. */
IG_MUST_CHECK ig_err ig_api_run(ig_api *api, ig_api_job *job);

/* --- the catalog: every kid the logs have put a DSC under ---------------- */

/* One dsc.put op seen in a log. */
typedef struct ig_catalog_put {
	uint8_t kid[IG_KID_LEN];
	uint8_t thumbprint[32];
	uint8_t origin_len;
	char origin[IG_MEMBER_ID_MAX];
	uint64_t seq;
	uint64_t time_ms;
} ig_catalog_put;

/* The current root's expiry through the node's hook (api/http.h,
 * root_expiry): seconds left (negative once expired) and whether
 * verification answers must be refused. Any thread. */
void ig_api_root_expiry(ig_api *api, int64_t *expires_in_s, bool *refuse);

/* --- the service ------------------------------------------------------------
 */

typedef struct ig_bundle_cache ig_bundle_cache; /* routes_bundle.c */

typedef struct ig_reporter {
	char name[64];
	uint8_t token_hash[32]; /* SHA-256 of the token */
} ig_reporter;

typedef struct rate_bucket {
	uint64_t key;
	uint64_t last_ms;
	double tokens;
} rate_bucket;

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
	ig_reporter *reporters;
	size_t n_reporters;

	/* slots and worker threads (http.c) */
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
	 * bodies held now (under rate_mtx) */
	uint32_t conns_max, header_ms;
	uint64_t body_budget, body_inflight;

	/* rate limiter */
	nng_mtx *rate_mtx;
	rate_bucket *buckets; /* IG_HTTP_RATE_CLIENTS */

	/* catalog (routes_registry.c) */
	nng_mtx *cat_mtx;
	ig_catalog_put *puts;
	size_t n_puts, cap_puts;
	struct cat_origin {
		uint8_t len;
		char id[IG_MEMBER_ID_MAX];
		uint64_t seq; /* scanned up to */
	} * cat_origins;
	size_t n_cat_origins;

	/* the EU gateway export index (routes_gateway.c) */
	ig_walk *walk;

	/* the last full bundles and the bases of deltas (routes_bundle.c) */
	ig_bundle_cache *bundle_cache;
};

/* --- requests and responses ---------------------------------------------- */

typedef struct ig_http_param {
	char key[32];
	char val[IG_HTTP_QUERY_VALUE_MAX + 1];
	size_t val_len;
} ig_http_param;

typedef struct ig_http_req {
	const char *method; /* "GET", "POST", ...; HEAD is given as GET */
	char path[IG_HTTP_URI_MAX + 1]; /* percent-decoded but "%2F" */
	const char *tail; /* after a prefix route's path; "" otherwise */
	size_t n_params;
	ig_http_param params[IG_HTTP_QUERY_PARAMS_MAX];
	const char *content_type; /* NULL when absent */
	const char *accept;
	const char *authorization;
	const char *if_modified_since; /* NULL when absent */
	const uint8_t *body;
	size_t body_len;
} ig_http_req;

typedef struct ig_http_res {
	uint16_t status;
	const char *content_type; /* static string */
	ig_buf body;
	const char *allow; /* Allow header for 405 */
	bool retry_after; /* Retry-After: 1 */
	const char *www_authenticate;
	char etag[48]; /* ETag header when not empty */
	const char *cache_control; /* static string; NULL: "no-store" */
} ig_http_res;

/* Splits a request target into a decoded path and query parameters.
 * Strict: the target starts with '/', percent escapes are two hex digits
 * and never decode to NUL or control characters in the path; "%2F" (a
 * '/' inside a segment, e.g. of a kid) and "%25" stay escaped in the
 * path, so that segments split only at a real '/' and the path is never
 * decoded twice; there
 * are at most IG_HTTP_QUERY_PARAMS_MAX parameters, keys are at most 31
 * bytes of [A-Za-z0-9_.-], values at most IG_HTTP_QUERY_VALUE_MAX bytes
 * without control characters. IG_EFORMAT or IG_ETOOBIG otherwise; *req's
 * path and params are written only on success. */
IG_MUST_CHECK ig_err ig_http_target_parse(
    const char *target, size_t len, ig_http_req *req);

/* The value of a query parameter (decoded, NUL-terminated), or NULL. */
const char *ig_http_param_get(const ig_http_req *req, const char *key);

/* True when the header value's media type (before any ';') is mt,
 * compared case-insensitively. */
bool ig_http_media_is(const char *value, const char *mt);

/* Sets an error response: {"error": {"code": code, "message": ...}}. */
void ig_http_res_error(ig_http_res *res, uint16_t status, const char *code,
    const char *fmt, ...) IG_PRINTF(4, 5);

/* Sets a JSON response from j (takes the reference). Falls back to a 500
 * error when it cannot be serialised. */
void ig_http_res_json(ig_http_res *res, uint16_t status, json_t *j);

/* --- routes ------------------------------------------------------------- */

typedef void (*ig_route_fn)(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);

typedef struct ig_route {
	const char *method; /* GET routes also answer HEAD */
	const char *path; /* exact, or the prefix of a prefix route */
	bool prefix; /* path + "/" + one non-empty segment; when openapi
	                ends in "/{kid}", the rest of the path (a kid in
	                standard Base64 may hold a '/': codec/kid.h) */
	const char *openapi; /* the path as docs/openapi.yaml spells it */
	size_t body_max; /* 0: no body accepted */
	ig_route_fn fn;
	bool inline_ok; /* bounded computation: see ig_api_job */
} ig_route;

/* The route tables; each ends with an entry whose method is NULL. */
extern const ig_route ig_routes_public[];
extern const ig_route ig_routes_admin[];

/* Route functions, by file. */
void ig_route_verify(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_verify_batch(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_issuers(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_issuer(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_revocation(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_federation(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_peers(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_healthz(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_readyz(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_metrics(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_stats(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_stats_report(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* routes_checkpoint.c: GET /v1/checkpoint, the signed checkpoint
 * through the checkpoint hook (api/http.h). */
void ig_route_checkpoint_confirmed(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_witness_add(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_checkpoint_evidence(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* The witnessing rows of /metrics (none without the hook). */
IG_MUST_CHECK ig_err ig_api_witness_metrics(ig_api *api, ig_buf *out);
void ig_route_checkpoint(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* routes_tiles.c: the static read path (docs/protocol.md, "Read
 * path"): log tiles, signed roots, the equivocation evidence. */
void ig_route_log(ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_roots(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_evidence(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* The mirror's freshness through the hook: false (and *out zeroed) when
 * the node is not a mirror. Its JSON for /healthz and /readyz (NULL when
 * out of memory), and its /metrics lines (nothing for a member). */
bool ig_api_mirror_get(ig_api *api, ig_api_mirror *out);
json_t *ig_api_mirror_json(const ig_api_mirror *m);
IG_MUST_CHECK ig_err ig_api_mirror_metrics(ig_api *api, ig_buf *out);

void ig_route_admin_publish(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* POST /admin/v1/backup {"dir": ABSOLUTE_PATH}: a consistent copy of the
 * store (ig_store_checkpoint) in dir, which must not exist (409). */
void ig_route_admin_backup(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* routes_openapi.c: docs/openapi.yaml as built in. */
void ig_route_openapi(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* routes_gateway.c: the EU gateway's trust-list and revocation-list
 * shapes (docs/api.md, "EU gateway formats (export)"). */
void ig_route_gw_trustlist(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_gw_trustlist_type(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_gw_trustlist_type_country(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_gw_revocation_list(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_gw_revocation_batch(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* routes_directory.c: GET /v1/directory, the members' API URLs and the
 * mirrors each lists in its log. */
void ig_route_directory(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
/* routes_bundle.c: GET /v1/bundle, the signed offline bundle, and its
 * cache (created and freed with the service). */
void ig_route_bundle(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
IG_MUST_CHECK ig_err ig_api_bundle_cache_new(ig_bundle_cache **out);
void ig_api_bundle_cache_free(ig_bundle_cache *c);

/* --- shared helpers ------------------------------------------------------ */

/* Verifies one HCERT on a worker: the verdict, its metrics and its
 * statistics count. at is the validation clock. IG_OK whenever a verdict
 * was written. */
IG_MUST_CHECK ig_err ig_api_verify_one(ig_api_worker *w, const char *text,
    size_t len, int64_t at, ig_verdict *out);

/* {"serial", "hash", "expires", "expired"} of the current root, and the
 * registry heads as [{"origin", "seq", "hash", "frozen_at"?}]. NULL when
 * out of memory or the store fails. */
json_t *ig_api_root_json(ig_api *api);
json_t *ig_api_heads_json(ig_api *api);

/* Lower-case hex of n bytes into a new JSON string. */
json_t *ig_json_hex(const uint8_t *p, size_t n);
/* Base64 (url: unpadded base64url) of n bytes into a new JSON string. */
json_t *ig_json_b64(const uint8_t *p, size_t n, bool url);
/* An ISO 8601 UTC time string of Unix seconds. */
json_t *ig_json_time(int64_t t);

/* Whether authz ("Bearer TOKEN", may be NULL) carries a reporter token
 * for POST /v1/stats/report (routes_node.c). Checked from the header,
 * before any body is read. */
bool ig_api_reporter_ok(ig_api *api, const char *authz);

/* Brings the catalog up to the registry's heads (locks cat_mtx itself).
 * IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_catalog_refresh(ig_api *api);

#endif /* IG_API_ROUTES_H */
