/*
 * routes.c - every HTTP path the node answers, and the handler of each:
 * the route tables of the public and the admin listener, and the lookup
 * of a request's method and path in a table.
 *
 * The route functions live by subject in routes_*.c and
 * api/gateway/routes.c; docs/openapi.yaml documents every path of these
 * tables, and tests/unit/api/openapi_test.c checks that the two agree.
 */
#include <string.h>

#include "api/portal.h"
#include "api/routes.h"

/* The public listener (ig_http_start): read-only queries, verification,
 * the statistics report, health and metrics. */
const ig_route ig_routes_public[] = {
	{ "POST", "/v1/verify", false, "/v1/verify", IG_HTTP_VERIFY_BODY_MAX,
	    ig_route_verify, true },
	{ "POST", "/v1/verify/batch", false, "/v1/verify/batch",
	    IG_HTTP_BATCH_BODY_MAX, ig_route_verify_batch, false },
	{ "GET", "/v1/issuers", false, "/v1/issuers", 0, ig_route_issuers,
	    false },
	{ "GET", "/v1/issuers", true, "/v1/issuers/{kid}", 0, ig_route_issuer,
	    false },
	{ "GET", "/v1/revocations", true, "/v1/revocations/{kid}", 0,
	    ig_route_revocation, false },
	{ "GET", "/v1/trustlist", false, "/v1/trustlist", 0,
	    ig_route_gw_trustlist, false },
	{ "GET", "/v1/trustlist", true, "/v1/trustlist/{type}", 0,
	    ig_route_gw_trustlist_type, false },
	{ "GET", "/v1/trustlist/DSC", true, "/v1/trustlist/{type}/{country}",
	    0, ig_route_gw_trustlist_type_country, false },
	{ "GET", "/v1/trustlist/CSCA", true, "/v1/trustlist/{type}/{country}",
	    0, ig_route_gw_trustlist_type_country, false },
	{ "GET", "/v1/trustlist/AUTHENTICATION", true,
	    "/v1/trustlist/{type}/{country}", 0,
	    ig_route_gw_trustlist_type_country, false },
	{ "GET", "/v1/trustlist/UPLOAD", true,
	    "/v1/trustlist/{type}/{country}", 0,
	    ig_route_gw_trustlist_type_country, false },
	{ "GET", "/v1/revocation-list", false, "/v1/revocation-list", 0,
	    ig_route_gw_revocation_list, false },
	{ "GET", "/v1/revocation-list", true, "/v1/revocation-list/{batchId}",
	    0, ig_route_gw_revocation_batch, false },
	{ "GET", "/v1/federation", false, "/v1/federation", 0,
	    ig_route_federation, false },
	{ "GET", "/v1/directory", false, "/v1/directory", 0,
	    ig_route_directory, false },
	{ "GET", "/v1/bundle", false, "/v1/bundle", 0, ig_route_bundle,
	    false },
	{ "GET", "/v1/peers", false, "/v1/peers", 0, ig_route_peers, false },
	{ "GET", "/v1/stats", false, "/v1/stats", 0, ig_route_stats, false },
	{ "POST", "/v1/stats/report", false, "/v1/stats/report",
	    IG_HTTP_BODY_MAX, ig_route_stats_report, false },
	{ "GET", "/healthz", false, "/healthz", 0, ig_route_healthz, false },
	{ "GET", "/readyz", false, "/readyz", 0, ig_route_readyz, false },
	{ "GET", "/metrics", false, "/metrics", 0, ig_route_metrics, false },
	{ "GET", "/v1/openapi.yaml", false, "/v1/openapi.yaml", 0,
	    ig_route_openapi, false },
	{ "GET", "/v1/checkpoint", false, "/v1/checkpoint", 0,
	    ig_route_checkpoint, false },
	{ "GET", "/v1/checkpoint/confirmed", false, "/v1/checkpoint/confirmed",
	    0, ig_route_checkpoint_confirmed, false },
	{ "POST", "/v1/witness/add-checkpoint", false,
	    "/v1/witness/add-checkpoint", IG_NOTE_MAX, ig_route_witness_add,
	    false },
	{ "GET", "/v1/evidence/checkpoints", false, "/v1/evidence/checkpoints",
	    0, ig_route_checkpoint_evidence, false },
	/* the verification page (routes_page_verify.c) */
	{ "GET", "/verify", false, "/verify", 0, ig_route_page_verify, false },
	{ "GET", "/verify", true, "/verify/{asset}", 0,
	    ig_route_page_verify_asset, false },
	{ "POST", "/v1/scan", false, "/v1/scan", IG_SCAN_PIXELS_MAX,
	    ig_route_scan, false },
	{ "POST", "/v1/verify/holder", false, "/v1/verify/holder",
	    IG_HTTP_VERIFY_BODY_MAX, ig_route_verify_holder, false },
	/* the read path (routes_tiles.c) */
	{ "GET", "/v1/log", true, "/v1/log/{origin}/tile/{n}", 0, ig_route_log,
	    false },
	{ "GET", "/v1/log", true, "/v1/log/{origin}/tile/{n}.p/{width}", 0,
	    ig_route_log, false },
	{ "GET", "/v1/roots", true, "/v1/roots/{serial}", 0, ig_route_roots,
	    false },
	{ "GET", "/v1/evidence", false, "/v1/evidence", 0, ig_route_evidence,
	    false },
	{ NULL, NULL, false, NULL, 0, NULL, false },
};

/* The admin listener (ig_http_admin_start), behind its bearer token. */
const ig_route ig_routes_admin[] = {
	{ "POST", "/admin/v1/publish", false, "/admin/v1/publish",
	    IG_HTTP_BODY_MAX, ig_route_admin_publish, false },
	{ "POST", "/admin/v1/backup", false, "/admin/v1/backup",
	    IG_PATH_MAX + 64, ig_route_admin_backup, false },
	/* the operator portal (api/portal.c): it checks its own
	 * credentials, the session cookie or the bearer token */
	{ "GET", "/admin/portal", false, "/admin/portal", 0, ig_route_portal,
	    false },
	{ "GET", "/admin/portal/stats", false, "/admin/portal/stats", 0,
	    ig_route_portal_stats, false },
	{ "GET", "/admin/portal/drills", false, "/admin/portal/drills", 0,
	    ig_route_portal_drills, false },
	{ "GET", "/admin/portal/drills", true,
	    "/admin/portal/drills/{run}/{file}", 0, ig_route_portal_report,
	    false },
	{ "GET", "/admin/portal/login", false, "/admin/portal/login", 0,
	    ig_route_portal_login_form, false },
	{ "POST", "/admin/portal/login", false, "/admin/portal/login",
	    IG_PORTAL_FORM_MAX, ig_route_portal_login, false },
	/* a form post: its body (none today) is bounded like sign-in's */
	{ "POST", "/admin/portal/logout", false, "/admin/portal/logout",
	    IG_PORTAL_FORM_MAX, ig_route_portal_logout, false },
	{ NULL, NULL, false, NULL, 0, NULL, false },
};

/* True for a prefix route whose segment is a kid ("/{kid}" ends its
 * OpenAPI path): a kid in standard Base64 may hold a '/', so the whole
 * rest of the path is its tail. */
static bool
kid_route(const ig_route *r)
{
	size_t n = strlen(r->openapi);
	return n >= 6 && strcmp(r->openapi + n - 6, "/{kid}") == 0;
}

/* True for a prefix route whose OpenAPI path has several segments after
 * the route's own path ("/v1/log" for "/v1/log/{origin}/tile/{n}"): the
 * route parses the whole rest of the path itself. */
static bool
rest_route(const ig_route *r)
{
	size_t n = strlen(r->path);
	if (strncmp(r->openapi, r->path, n) != 0 || r->openapi[n] != '/')
		return false;
	return strchr(r->openapi + n + 1, '/') != NULL;
}

const ig_route *
ig_route_find(const ig_route *routes, const char *method, const char *path,
    const char **tail, const char **allow)
{
	const ig_route *found_path = NULL;
	for (const ig_route *r = routes; r->method != NULL; r++) {
		size_t n = strlen(r->path);
		const char *t = "";
		if (r->prefix) {
			if (strncmp(path, r->path, n) != 0 || path[n] != '/'
			    || path[n + 1] == '\0'
			    || (strchr(path + n + 1, '/') != NULL
			        && !kid_route(r) && !rest_route(r)))
				continue;
			t = path + n + 1;
		} else if (strcmp(path, r->path) != 0)
			continue;
		found_path = r;
		if (strcmp(method, r->method) == 0) {
			*tail = t;
			return r;
		}
	}
	if (found_path != NULL)
		*allow = strcmp(found_path->method, "GET") == 0
		    ? "GET, HEAD"
		    : found_path->method;
	return NULL;
}
