/*
 * routes.h - internal to api/: what the route functions share. The
 * service object they run in (api/service.h), the request and response
 * they see (api/request.h, api/response.h), the shape of a route and
 * the route tables (api/routes.c: every path the node answers, in one
 * place), and each route function, by the file that holds it. Not a
 * public contract: the node includes api/http.h and api/rpc.h only.
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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "api/request.h"
#include "api/response.h"
#include "api/service.h"
#include "registry/base/buf.h"
#include "registry/base/limits.h"

/* The current root's expiry through the node's hook (api/http.h,
 * root_expiry): seconds left (negative once expired) and whether
 * verification answers must be refused. Any thread. */
void ig_api_root_expiry(ig_api *api, int64_t *expires_in_s, bool *refuse);

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

/* The route of method and path (a request's decoded path) in routes,
 * or NULL. A prefix route matches its path, a '/' and one non-empty
 * segment, or the whole rest of the path for a kid route ("/{kid}") and
 * a route whose OpenAPI path has more segments; *tail is then what
 * follows the prefix ("" for an exact route). When the path is known
 * but not for this method, *allow is set to the methods it takes (for
 * a 405). Pure; any thread. */
const ig_route *ig_route_find(const ig_route *routes, const char *method,
    const char *path, const char **tail, const char **allow);

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
/* routes_page_verify.c: the verification page (docs/verification-page.md):
 * GET /verify and its script and style, POST /v1/scan (a camera frame),
 * POST /v1/verify/holder (a verdict with the holder's name). */
void ig_route_page_verify(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_page_verify_asset(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_scan(ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_verify_holder(
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

/* routes_verify.c: appends to out the answer with proof
 * (registry/proof.h) for verdict vd, just computed by ig_api_verify_one
 * on w (whose parsed certificate it reads), at the node's newest
 * federation-confirmed checkpoint, else its current one. The one maker
 * of POST /v1/verify?proof=1 and the RPC's proof flag. IG_EUNSUPPORTED
 * when the node serves no checkpoint, the errors of ig_proof_build;
 * out unchanged on failure. */
IG_MUST_CHECK ig_err ig_api_proof_make(
    ig_api_worker *w, const ig_verdict *vd, ig_buf *out);

/* {"serial", "hash", "expires", "expired"} of the current root, and the
 * registry heads as [{"origin", "seq", "hash", "frozen_at"?}]. NULL when
 * out of memory or the store fails. */
json_t *ig_api_root_json(ig_api *api);
json_t *ig_api_heads_json(ig_api *api);

/* Whether authz ("Bearer TOKEN", may be NULL) carries a reporter token
 * for POST /v1/stats/report (routes_node.c). Checked from the header,
 * before any body is read. */
bool ig_api_reporter_ok(ig_api *api, const char *authz);

#endif /* IG_API_ROUTES_H */
