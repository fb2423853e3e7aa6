/*
 * intyg/client.h - libintyg-client: verification of EU DCC health
 * certificates (HCERT, "HC1:...") at the nearest healthy node of an
 * intyg federation, with hedging and fail-over.
 *
 * A verifier application creates one client, gives it the federation's
 * signed root (the file `intyg federation init` wrote and the members
 * signed) and/or a list of node URLs, starts it, and then asks it to
 * verify certificates:
 *
 *	ig_client *c;
 *	ig_client_verdict v;
 *
 *	ig_client_new(&c);
 *	ig_client_root_load(c, "root.bin");     // members' api_url
 *	ig_client_start(c);                      // probes every endpoint
 *	if (ig_client_verify(c, hc1, strlen(hc1), &v) == IG_CLIENT_OK)
 *		printf("%s from %s\n", v.reason, v.endpoint);
 *	ig_client_verdict_clear(&v);
 *	ig_client_free(c);
 *
 * What the client does (docs/client.md has the whole story):
 *
 * * Candidates are the api_url of every member of the root, or the URLs
 *   given with ig_client_node_add (which then replace the root's: they
 *   pin the candidates), plus, when enabled, the mirror URLs of the
 *   federation's signed directory (GET /v1/directory). Only http:// and
 *   https:// URLs are accepted.
 * * Every candidate is probed: GET /healthz gives its round-trip time,
 *   GET /v1/checkpoint its signed checkpoint, which must be signed by a
 *   member of the root and name the root's federation. An endpoint
 *   whose checkpoint does not verify is never used.
 * * The IG_CLIENT_OPT_ACTIVE (3) nearest healthy endpoints form the
 *   active set. A verification goes to the nearest; when no answer has
 *   come after the hedge deadline (the 95th percentile of the last 64
 *   answers' latencies, clamped to [hedge floor, hedge ceiling]) the
 *   same request also goes to the second, and the first answer wins.
 *   An endpoint that fails (connection refused or reset, no answer
 *   within the timeout, a 5xx answer) is marked down, the request goes
 *   to the next one at once, and a background thread probes it again
 *   with a growing back-off.
 *
 * Versioning: IG_CLIENT_VERSION is the version of this header;
 * ig_client_version() the version of the library actually loaded. The
 * shared library's SONAME carries the major version
 * (libintyg-client.so.0); within one major version functions and error
 * numbers are only added, never changed or renumbered.
 *
 * Thread safety: the setup calls (ig_client_new, ig_client_root_*,
 * ig_client_node_add, ig_client_option_set, ig_client_start) are made by
 * one thread before the client is shared. After ig_client_start,
 * ig_client_verify and ig_client_endpoint_get may be called from any
 * number of threads at once. ig_client_free must not race with anything.
 * The library calls curl_global_init once, on the first ig_client_new
 * (libcurl's rule: before any other thread runs, when the application
 * uses libcurl itself too).
 *
 * Memory: every string passed in is borrowed for the call only; the
 * client copies what it keeps.
 */
#ifndef INTYG_CLIENT_H
#define INTYG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IG_CLIENT_VERSION_MAJOR 0
#define IG_CLIENT_VERSION_MINOR 1
#define IG_CLIENT_VERSION_PATCH 0
#define IG_CLIENT_VERSION       "0.1.0"
/* One number for comparisons: 0xMMmmpp. */
#define IG_CLIENT_VERSION_NUM                                                 \
	((IG_CLIENT_VERSION_MAJOR << 16) | (IG_CLIENT_VERSION_MINOR << 8)     \
	    | IG_CLIENT_VERSION_PATCH)

#if defined(__GNUC__) || defined(__clang__)
#define IG_CLIENT_API        __attribute__((visibility("default")))
#define IG_CLIENT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define IG_CLIENT_API
#define IG_CLIENT_MUST_CHECK
#endif

/* The client: an opaque handle. */
typedef struct ig_client ig_client;

/* Limits. A longer URL is refused (IG_CLIENT_EURL). */
#define IG_CLIENT_URL_MAX       512 /* bytes of an endpoint URL */
#define IG_CLIENT_ENDPOINTS_MAX 64 /* candidates a client keeps */
#define IG_CLIENT_HCERT_MAX     8192 /* characters of one HCERT */

/* Error numbers. They never change meaning; new ones are added at the
 * end. ig_client_strerror names them. */
typedef enum ig_client_err {
	IG_CLIENT_OK = 0,
	IG_CLIENT_EINVAL = 1, /* a bad argument or option value */
	IG_CLIENT_ENOMEM = 2, /* out of memory */
	IG_CLIENT_EURL = 3, /* a URL that is not http(s), too long or bad */
	IG_CLIENT_EROOT = 4, /* the root: unreadable, malformed, unsigned */
	IG_CLIENT_ENOENDPOINT = 5, /* no candidate endpoint at all */
	IG_CLIENT_EUNAVAILABLE = 6, /* no endpoint answered in time */
	IG_CLIENT_ECHECKPOINT = 7, /* an endpoint's checkpoint failed */
	IG_CLIENT_EPROTO = 8, /* an answer that is not what the API says */
	IG_CLIENT_EREQUEST = 9, /* the node refused the request (4xx) */
	IG_CLIENT_ESTATE = 10, /* a call not valid now (e.g. before start) */
	IG_CLIENT_EIO = 11, /* reading a local file failed */
	IG_CLIENT_EINTERNAL = 12, /* libcurl or a thread could not start */
	IG_CLIENT_ETOOBIG = 13, /* a certificate over IG_CLIENT_HCERT_MAX */
} ig_client_err;

/* Options of ig_client_option_set (all in milliseconds unless said). */
typedef enum ig_client_option {
	/* Give up a verification after this long (default 10000;
	 * 1..3600000). Also bounds ig_client_start's first probes. */
	IG_CLIENT_OPT_TIMEOUT_MS = 1,
	/* One probe's limit (default 2000; 1..60000). */
	IG_CLIENT_OPT_PROBE_TIMEOUT_MS = 2,
	/* Healthy endpoints are probed again this often (default 5000;
	 * 100..3600000). */
	IG_CLIENT_OPT_PROBE_INTERVAL_MS = 3,
	/* The hedge deadline's floor and ceiling (defaults 20 and 1000;
	 * 1..60000, floor <= ceiling). */
	IG_CLIENT_OPT_HEDGE_FLOOR_MS = 4,
	IG_CLIENT_OPT_HEDGE_CEILING_MS = 5,
	/* 1: also use the mirrors of the signed directory (default 1);
	 * 0: only the root's members or the pinned URLs. */
	IG_CLIENT_OPT_DIRECTORY = 6,
	/* The size of the active set (default 3; 1..8). */
	IG_CLIENT_OPT_ACTIVE = 7,
	/* 1: hedge (default); 0: never send a second request before the
	 * first has failed. */
	IG_CLIENT_OPT_HEDGE = 8,
} ig_client_option;

/* What a verification returns. Fill with ig_client_verify, release with
 * ig_client_verdict_clear. */
typedef struct ig_client_verdict {
	int valid; /* 1: the certificate is valid; 0: it is not */
	char reason[32]; /* the stable reason code (docs/verification.md) */
	char endpoint[IG_CLIENT_URL_MAX + 1]; /* the URL that answered */
	uint32_t elapsed_ms; /* the whole call, fail-over included */
	int hedged; /* 1 when a second request was sent */
	int failovers; /* endpoints that failed during this call */
	char *json; /* the node's verdict JSON (owned; NUL-terminated) */
	char error[256]; /* when the call failed: why, in a sentence */
} ig_client_verdict;

/* An endpoint's state as ig_client_endpoint_get reports it. */
typedef enum ig_client_state {
	IG_CLIENT_STATE_UNKNOWN = 0, /* not probed yet */
	IG_CLIENT_STATE_UP = 1, /* healthy, checkpoint verified */
	IG_CLIENT_STATE_DOWN = 2, /* failed; probed again after a back-off */
	IG_CLIENT_STATE_REFUSED = 3, /* its checkpoint failed: not used */
} ig_client_state;

typedef struct ig_client_endpoint {
	char url[IG_CLIENT_URL_MAX + 1];
	ig_client_state state;
	uint32_t rtt_ms; /* smoothed /healthz round trip (UP only) */
	int active; /* 1 when in the active set, 2 for its nearest */
	int source; /* 0 pinned, 1 the root, 2 the directory */
	char why[256]; /* DOWN and REFUSED: the last failure */
} ig_client_endpoint;

/* The library's version (IG_CLIENT_VERSION_NUM of the build). */
IG_CLIENT_API unsigned ig_client_version(void);

/* A static English sentence naming err (never NULL). */
IG_CLIENT_API const char *ig_client_strerror(int err);

/* Creates a client with the defaults; *out is written on success only.
 * IG_CLIENT_ENOMEM, IG_CLIENT_EINTERNAL (libcurl). */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_new(ig_client **out);

/* Frees the client: stops its thread, closes its connections. NULL is a
 * no-op. */
IG_CLIENT_API void ig_client_free(ig_client *c);

/* Reads the federation's signed root from a file (at most 1 MiB) and
 * checks it: well formed, signed by at least its threshold of its own
 * members. The root's members' api_urls become candidates unless URLs
 * are pinned; every endpoint's checkpoint is checked against it.
 * IG_CLIENT_EIO (file), IG_CLIENT_EROOT, IG_CLIENT_ESTATE after start or
 * when a root is already set, IG_CLIENT_ENOMEM. A member's api_url that
 * is not http(s) is skipped, not an error (ig_client_endpoint_get does
 * not list it; ig_client_errmsg says so). */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_root_load(
    ig_client *c, const char *path);

/* ig_client_root_load with the root's bytes (borrowed, copied). */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_root_set(
    ig_client *c, const void *root, size_t len);

/* Pins a candidate: "http://host:port" or "https://host[:port]" (a path
 * prefix is allowed; no query, fragment, user info or white space).
 * Once any URL is pinned, the root's api_urls and the directory are not
 * used. IG_CLIENT_EURL, IG_CLIENT_EINVAL (more than
 * IG_CLIENT_ENDPOINTS_MAX, or given twice), IG_CLIENT_ESTATE after
 * start, IG_CLIENT_ENOMEM. */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_node_add(
    ig_client *c, const char *url);

/* Sets an option (see ig_client_option). IG_CLIENT_EINVAL for an unknown
 * option or a value out of its range, IG_CLIENT_ESTATE after start. */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_option_set(
    ig_client *c, ig_client_option opt, long value);

/* Split views (docs/client.md, "Split views"). The client keeps, per
 * member that signed a checkpoint it accepted, the newest one. A
 * checkpoint that rolls back from that member's newest (a cache or
 * mirror replaying an old one), or that forks from any checkpoint it
 * holds (one origin's log with the same size and another head: two
 * histories shown to different verifiers), is refused: the endpoint
 * becomes IG_CLIENT_STATE_REFUSED with the reason in its why, and the
 * callback, when set, is called once per such checkpoint from the
 * client's probe thread (it must not call back into the client). */
typedef enum ig_client_split_kind {
	IG_CLIENT_SPLIT_ROLLBACK = 1, /* older than one already held */
	IG_CLIENT_SPLIT_FORK = 2, /* two histories of one log */
} ig_client_split_kind;

typedef void (*ig_client_split_fn)(
    void *arg, const char *endpoint, int kind, const char *why);

/* Sets the callback (fn NULL: none). IG_CLIENT_ESTATE after start. */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_split_view_set(
    ig_client *c, ig_client_split_fn fn, void *arg);

/* Split views detected so far. */
IG_CLIENT_API unsigned long ig_client_split_views(ig_client *c);

/* Probes every candidate at once (waiting at most the probe timeout),
 * then starts the background thread that probes again. Needs a root:
 * without one there is no way to check a checkpoint (IG_CLIENT_EROOT).
 * IG_CLIENT_ENOENDPOINT without any candidate; IG_CLIENT_EUNAVAILABLE
 * when no endpoint is usable after the first probes (the client stays
 * started: later verifications wait for the background probes);
 * IG_CLIENT_EINTERNAL. */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_start(ig_client *c);

/* Verifies one certificate text (hcert, len bytes, e.g. "HC1:...") at
 * the nearest endpoint, hedging and failing over as described above,
 * and fills *v (which the caller then clears). IG_CLIENT_OK means an
 * endpoint answered with a verdict, valid or not (v->valid says which).
 * Otherwise v->error says why: IG_CLIENT_ETOOBIG, IG_CLIENT_EINVAL,
 * IG_CLIENT_EREQUEST (the node refused this request: the same request
 * would fail everywhere), IG_CLIENT_EUNAVAILABLE (no endpoint answered
 * within the timeout), IG_CLIENT_EPROTO, IG_CLIENT_ESTATE (not started),
 * IG_CLIENT_ENOMEM. Thread-safe. */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_verify(
    ig_client *c, const char *hcert, size_t len, ig_client_verdict *v);

/* Frees what a verdict owns and zeroes it. NULL is a no-op. */
IG_CLIENT_API void ig_client_verdict_clear(ig_client_verdict *v);

/* The number of candidate endpoints. Thread-safe. */
IG_CLIENT_API size_t ig_client_endpoint_count(const ig_client *c);

/* Copies endpoint i's state into *out. IG_CLIENT_EINVAL when i is out of
 * range. Thread-safe. */
IG_CLIENT_API IG_CLIENT_MUST_CHECK int ig_client_endpoint_get(
    const ig_client *c, size_t i, ig_client_endpoint *out);

/* The last error message of a setup call (root, node_add, start), or
 * "" (valid until the next setup call). Not for ig_client_verify, whose
 * message is in the verdict. */
IG_CLIENT_API const char *ig_client_errmsg(const ig_client *c);

#ifdef __cplusplus
}
#endif

#endif /* INTYG_CLIENT_H */
