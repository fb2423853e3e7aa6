/*
 * http.h - the node's query API (docs/api.md): the service that answers
 * it, and the HTTP listeners that expose it.
 *
 * An ig_api is the shared part (api/service.h defines it, api/service.c
 * builds and frees it): a verifier over the node's registry, a pool of
 * worker threads that do every piece of real work (verification, RocksDB
 * reads, JSON building; api/slots.c), the statistics (api/stats.h) and
 * the metrics (api/metrics.h). Listeners attach to it:
 *
 *   ig_http_start        the public, read-only routes (/v1/..., /healthz,
 *                        /readyz, /metrics); nothing a client sends there
 *                        changes the node's state, except that
 *                        POST /v1/stats/report adds counts when it carries
 *                        a reporter token
 *   ig_http_admin_start  POST /admin/v1/publish on its own address,
 *                        behind a bearer token
 *   ig_rpc_start         (api/rpc.h) the same verification over nng rep0
 *
 * The listeners run on api/httpd.c, a small HTTP/1.1 layer over nng's
 * TCP streams (nng's own HTTP server cannot bound connections, header
 * time or its error pages). Its callbacks run on nng's few task threads,
 * which must never block (docs/libraries.md). A callback here only checks
 * the request line and credentials, applies the rate limit and the body
 * budget, starts reading the body and queues a job; a worker finishes
 * the request later. A full queue is answered with 503.
 *
 * Embedding, in order: ig_api_new, ig_http_start (and the others), ...,
 * ig_http_stop for each listener, ig_api_free. Every function may be
 * called from any thread, but start/stop/free of one object must not
 * overlap.
 */
#ifndef IG_API_HTTP_H
#define IG_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/metrics.h"
#include "api/stats.h"
#include "consensus/gossip.h"
#include "registry/base/err.h"
#include "registry/entry.h"
#include "registry/registry.h"

/* A mirror's freshness, as the mirror_status hook reports it. */
typedef struct ig_api_mirror {
	bool mirror; /* false: not a mirror (the rest is unused) */
	bool fresh; /* the checkpoint's age is within max_lag */
	int64_t checkpoint_age_s; /* of the newest verified one; -1: none */
	uint64_t max_lag_s;
	uint64_t failures; /* upstream rounds that failed */
	char upstream[IG_URL_MAX + 1]; /* the last one that served it */
	char last_error[256]; /* "" when the last round succeeded */
} ig_api_mirror;

/* A member's witnessing (node/witness.h), as the witness_status hook
 * reports it. */
typedef struct ig_api_witness {
	uint64_t cosignatures; /* on the own newest checkpoint */
	int64_t confirmed_age_s; /* of the newest confirmed one; -1: none */
	uint64_t cosigned; /* other members' checkpoints cosigned here */
	uint64_t refused_ahead, refused_rollback, refused_fork,
	    refused_conflict;
	uint64_t evidence; /* checkpoint evidence records held */
} ig_api_witness;

/* One record of checkpoint evidence (witness_evidence_each). */
typedef void (*ig_api_evidence_fn)(void *arg, const char *kind,
    ig_slice signer, ig_slice origin, ig_slice a, ig_slice b);

/* What the node provides. Every hook may be NULL; each is called from a
 * worker thread (never an nng thread), possibly from several at once, and
 * must not call back into the API. */
typedef struct ig_api_hooks {
	void *ctx;
	/* Calls fn for every peer: the node takes its gossip mutex and calls
	 * ig_gossip_peers_each. NULL: a node without peers. */
	void (*peers_each)(void *ctx, ig_gossip_peer_fn fn, void *arg);
	/* Copies the gossip counters (ig_gossip_stats_get under the mutex).
	 * NULL: zeros. */
	void (*gossip_stats)(void *ctx, ig_gossip_stats *out);
	/* Signs the ops as this node's next entry, applies it and pushes it
	 * to the peers (the operations of `intyg publish --node`). The ops
	 * and their slices are borrowed for the call. On success *seq is the
	 * new entry's seq. On failure why (NUL-terminated) says why; the
	 * error decides the status: IG_EINVAL, IG_EOPINVALID, IG_ECERT,
	 * IG_ECOUNTRY, IG_EKIDMISMATCH, IG_EUNKNOWNKID, IG_ECHAIN -> 400,
	 * IG_EAUTHORITY -> 403, IG_EFROZEN -> 409, others -> 500. NULL: the
	 * admin listener answers 501. */
	ig_err (*publish)(void *ctx, const ig_entry_op *ops, size_t nops,
	    uint64_t *seq, char *why, size_t why_len);
	/* Signs msg with this node's member key (the key of its entries and
	 * checkpoints), for GET /v1/bundle: the Ed25519 signature in sig.
	 * NULL: the node signs no bundles (a mirror, or a member whose key
	 * is kept in a separate signer), and /v1/bundle answers 404. */
	ig_err (*member_sign)(void *ctx, ig_slice msg, uint8_t sig[64]);
	/* The current root's expiry (consensus/governance.h): seconds until
	 * it expires in *expires_in_s (negative once expired) and, in
	 * *refuse, whether verification answers must be refused (expired
	 * and on_root_expiry = refuse). Health and every verification
	 * answer carry the first as root_expires_in. NULL: computed from
	 * the root's expiry, never refused. */
	void (*root_expiry)(void *ctx, int64_t *expires_in_s, bool *refuse);
	/* The EU gateway pull's counters for /metrics. NULL: a node that
	 * does not pull (no rows). */
	void (*gateway_status)(void *ctx, ig_metrics_gateway *out);
	/* Identity conflicts (a second process running with a member's
	 * identity, node/net.h ig_net_identity): their count in *conflicts
	 * and, in who (cap bytes, NUL-terminated, "" when none), the first
	 * of them. /metrics, /healthz and /readyz report them; a conflict
	 * makes the node not ready. NULL: none. */
	void (*identity_status)(
	    void *ctx, uint64_t *conflicts, char *who, size_t cap);
	/* A mirror's freshness (node/mirror.h): fills *out (zeroed and
	 * checkpoint_age_s -1 before the call). /healthz, /readyz and
	 * /metrics report it; a mirror past its max_lag is neither healthy
	 * nor ready. NULL: not a mirror. */
	void (*mirror_status)(void *ctx, ig_api_mirror *out);
	/* The signed checkpoint GET /v1/checkpoint serves (a signed note,
	 * registry/checkpoint.h), appended to out: a member's own
	 * (node/checkpoint_cache.h), a mirror's newest verified one. An
	 * error is answered 503. NULL: 404, no checkpoint here. */
	ig_err (*checkpoint)(void *ctx, ig_buf *out);
	/* POST /v1/witness/add-checkpoint (node/witness.h ig_witness_add):
	 * the cosigned note in out on status 200, else a short code and a
	 * sentence. NULL: 404, this node witnesses nothing. */
	void (*witness_add)(void *ctx, ig_slice note, ig_buf *out, int *status,
	    char *code, size_t code_len, char *why, size_t why_len);
	/* GET /v1/checkpoint/confirmed: the newest federation-confirmed
	 * own checkpoint appended to out; IG_ENOTFOUND: none yet (404).
	 * NULL: 404. */
	ig_err (*checkpoint_confirmed)(void *ctx, ig_buf *out);
	/* Witnessing counters for /metrics; NULL: no rows. */
	void (*witness_status)(void *ctx, ig_api_witness *out);
	/* GET /v1/evidence/checkpoints: calls fn per record (fn must not
	 * call back). NULL: an empty list. */
	void (*witness_evidence_each)(
	    void *ctx, ig_api_evidence_fn fn, void *arg);
} ig_api_hooks;

typedef struct ig_api_config {
	/* This node's member id (statistics are counted under it). */
	const char *self_id;
	/* Worker threads; 0: one per CPU (at most IG_HTTP_WORKERS_MAX). */
	uint32_t workers;
	/* HCERTs in one batch request; 0 or above IG_HTTP_BATCH_MAX: the
	 * limit. */
	uint32_t batch_max;
	/* Per-client token bucket: requests per second and burst; 0: off. */
	uint32_t rate_per_s;
	uint32_t rate_burst;
	/* Apply the rate limit on loopback listeners too (default off:
	 * loopback clients are the operator's own). */
	bool rate_loopback;
	/* Key clients by the last X-Forwarded-For address (only behind a
	 * reverse proxy that sets it). Otherwise each connection is its own
	 * client: nng 1.5 does not show an HTTP handler the peer address. */
	bool trust_forwarded;
	/* readyz does not ask for a reachable peer. */
	bool single_node;
	/* Statistics release rules (defaults 10 and 10). */
	uint32_t stats_k;
	uint32_t stats_rounding;
	/* Tokens of verifier apps allowed to POST /v1/stats/report: a file
	 * of "name token" lines, mode 0600 or stricter. NULL or "": reports
	 * are refused (403). */
	const char *report_tokens_file;
	/* Storage of the statistics (borrowed; NULL: memory only). */
	const ig_stats_store *stats_store;
	/* Connections of the public listener; 0: IG_API_CONNS_DEFAULT.
	 * ig_http_start lowers it to what the descriptor limit leaves
	 * after IG_HTTP_FD_RESERVE and the admin listener. */
	uint32_t conns_max;
	/* Milliseconds a connection may take to send a complete request
	 * header (from its start, or from the previous answer); 0:
	 * IG_API_HEADER_TIMEOUT_DEFAULT_MS. */
	uint32_t header_timeout_ms;
	/* Bytes all request bodies being read or processed may hold
	 * together; a request whose body does not fit is answered 503. 0:
	 * IG_API_BODY_BUDGET_DEFAULT; at least IG_HTTP_BODY_MAX. */
	uint64_t body_budget;
	/* The operator portal's directory of drill reports (one directory
	 * per run with report.json and report.html, docs/portal.md); NULL
	 * or "": none. At most IG_PATH_MAX - 1 bytes. */
	const char *drill_reports;
} ig_api_config;

/* The defaults of the three settings above. */
#define IG_API_CONNS_DEFAULT             1000
#define IG_API_HEADER_TIMEOUT_DEFAULT_MS 10000
#define IG_API_BODY_BUDGET_DEFAULT       (64u * 1024 * 1024)

/* Fills c with the defaults (all zero but stats_k = stats_rounding = 10). */
void ig_api_config_default(ig_api_config *c);

typedef struct ig_api ig_api;

/* Creates the service over reg (borrowed: it must outlive the service)
 * and starts its workers. cfg and hooks are copied (the strings of cfg
 * are read during the call only; hooks->ctx is borrowed). Returns an
 * owned service in *out (free with ig_api_free). IG_EINVAL for a bad
 * config, IG_EIO / IG_EINVAL when the report tokens file cannot be read
 * or is group/world readable, IG_ENOMEM, errors of ig_stats_new. */
IG_MUST_CHECK ig_err ig_api_new(ig_registry *reg, const ig_api_config *cfg,
    const ig_api_hooks *hooks, ig_api **out);

/* Stops the workers (finishing what is queued) and frees the service.
 * Every listener must have been stopped first. NULL is a no-op. */
void ig_api_free(ig_api *api);

/* Stops the worker threads after the jobs they run: from then on every
 * request is answered 503 without a job and nothing reads the registry
 * (the node closes its store next, and the listeners after it).
 * Idempotent; ig_api_free does it too. */
void ig_api_quiesce(ig_api *api);

/* Borrowed views, valid while api lives. */
ig_metrics *ig_api_metrics(ig_api *api);
ig_stats *ig_api_stats(ig_api *api);

/* A listener. */
typedef struct ig_http ig_http;

/* Starts the public routes on url ("http://127.0.0.1:8443"; port 0 picks
 * a free port, see ig_http_port). Returns an owned listener in *out (stop
 * with ig_http_stop). IG_EEXISTS when the address is in use, IG_EINVAL
 * for a bad URL, IG_EIO, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_http_start(
    ig_api *api, const char *url, ig_http **out);

/* Starts the admin routes on url, accepting the bearer token held in
 * token_file (its first line; the file must not be readable by group or
 * others, and the token is 16..IG_ADMIN_TOKEN_MAX printable bytes).
 * Same errors as ig_http_start, plus IG_EIO / IG_EINVAL for the token
 * file. The token is kept in memory and wiped on stop. */
IG_MUST_CHECK ig_err ig_http_admin_start(
    ig_api *api, const char *url, const char *token_file, ig_http **out);

/* The TCP port the listener is bound to. */
int ig_http_port(const ig_http *h);

/* The most connections the listener holds at once (after the descriptor
 * limit was applied), and those open now. */
size_t ig_http_conns_max(const ig_http *h);
size_t ig_http_conns(ig_http *h);

/* Bytes of request bodies held now (ig_api_config.body_budget bounds
 * them). */
uint64_t ig_api_body_inflight(ig_api *api);

/* Stops the listener: closes its connections, waits for its requests in
 * the workers to finish, and frees it. NULL is a no-op. */
void ig_http_stop(ig_http *h);

/* Puts every thread of the process, and so every thread they create
 * afterwards (nng's and RocksDB's among them), under Linux's SCHED_BATCH
 * policy: a thread that wakes up does not preempt a running one. A
 * verification then runs to its end instead of being interrupted by each
 * of nng's hand-offs, which on a busy node raised the verified requests
 * per CPU by 15-20% (docs/api.md, Performance). CPU shares are unchanged
 * (the nice value stays). IG_EIO when the kernel refuses (the threads
 * already switched keep the policy). The node calls it at start unless
 * node.sched_batch = false. */
IG_MUST_CHECK ig_err ig_api_sched_batch(void);

/* The one translation of nng errors in the tree (node/nng_util.c calls
 * it too): NNG_ENOMEM -> IG_ENOMEM, NNG_EADDRINUSE -> IG_EEXISTS,
 * NNG_EADDRINVAL / NNG_EINVAL / NNG_ENOTSUP -> IG_EINVAL, NNG_ECRYPTO /
 * NNG_EPEERAUTH -> IG_ECRYPTO, NNG_EMSGSIZE -> IG_ETOOBIG, others IG_EIO. */
ig_err ig_api_nng_err(int rv);

#endif /* IG_API_HTTP_H */
