/*
 * routes_test.c - the route tables and their lookup (api/routes.c):
 * which handler each method and path reach, prefix routes and their
 * tails (kids with a '/', the read path's several segments), 404 and 405
 * with the Allow methods, hostile paths, and the shape of every entry of
 * both tables. (tests/unit/api/openapi_test.c checks the tables against
 * docs/openapi.yaml.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "api/routes.h"

/* The route of method and path in table t, its tail and the Allow of a
 * miss (NULL when none). */
static const ig_route *
find(const ig_route *t, const char *method, const char *path,
    const char **tail, const char **allow)
{
	*tail = NULL;
	*allow = NULL;
	return ig_route_find(t, method, path, tail, allow);
}

static void
test_public(void **state)
{
	static const struct {
		const char *method, *path;
		ig_route_fn fn;
		const char *tail;
	} hit[] = {
		{ "POST", "/v1/verify", ig_route_verify, "" },
		{ "POST", "/v1/verify/batch", ig_route_verify_batch, "" },
		{ "GET", "/v1/issuers", ig_route_issuers, "" },
		{ "GET", "/v1/issuers/AbCd", ig_route_issuer, "AbCd" },
		/* a kid in standard Base64 may hold a '/' (and "%2F") */
		{ "GET", "/v1/issuers/ab/cd+ef=", ig_route_issuer,
		    "ab/cd+ef=" },
		{ "GET", "/v1/issuers/ab%2Fcd", ig_route_issuer, "ab%2Fcd" },
		{ "GET", "/v1/revocations/a/b", ig_route_revocation, "a/b" },
		{ "GET", "/v1/trustlist", ig_route_gw_trustlist, "" },
		{ "GET", "/v1/trustlist/DSC", ig_route_gw_trustlist_type,
		    "DSC" },
		{ "GET", "/v1/trustlist/DSC/SE",
		    ig_route_gw_trustlist_type_country, "SE" },
		{ "GET", "/v1/trustlist/UPLOAD/DE",
		    ig_route_gw_trustlist_type_country, "DE" },
		{ "GET", "/v1/revocation-list", ig_route_gw_revocation_list,
		    "" },
		{ "GET", "/v1/revocation-list/b1",
		    ig_route_gw_revocation_batch, "b1" },
		{ "GET", "/v1/federation", ig_route_federation, "" },
		{ "GET", "/v1/directory", ig_route_directory, "" },
		{ "GET", "/v1/bundle", ig_route_bundle, "" },
		{ "GET", "/v1/peers", ig_route_peers, "" },
		{ "GET", "/v1/stats", ig_route_stats, "" },
		{ "POST", "/v1/stats/report", ig_route_stats_report, "" },
		{ "GET", "/healthz", ig_route_healthz, "" },
		{ "GET", "/readyz", ig_route_readyz, "" },
		{ "GET", "/metrics", ig_route_metrics, "" },
		{ "GET", "/v1/openapi.yaml", ig_route_openapi, "" },
		{ "GET", "/v1/checkpoint", ig_route_checkpoint, "" },
		/* the read path parses the rest of its path itself */
		{ "GET", "/v1/log/se/tile/0", ig_route_log, "se/tile/0" },
		{ "GET", "/v1/log/se/tile/3.p/7", ig_route_log,
		    "se/tile/3.p/7" },
		{ "GET", "/v1/roots/2", ig_route_roots, "2" },
		{ "GET", "/v1/evidence", ig_route_evidence, "" },
	};
	const ig_route *r;
	const char *tail, *allow;
	(void) state;
	for (size_t i = 0; i < sizeof(hit) / sizeof(hit[0]); i++) {
		r = find(ig_routes_public, hit[i].method, hit[i].path, &tail,
		    &allow);
		if (r == NULL || r->fn != hit[i].fn)
			fail_msg(
			    "%s %s: wrong route", hit[i].method, hit[i].path);
		assert_string_equal(tail, hit[i].tail);
		assert_null(allow);
		/* the admin listener answers none of them */
		assert_null(find(ig_routes_admin, hit[i].method, hit[i].path,
		    &tail, &allow));
	}
}

static void
test_misses(void **state)
{
	static const struct {
		const char *method, *path, *allow; /* NULL: 404 */
	} miss[] = {
		{ "GET", "/v1/verify", "POST" },
		{ "PUT", "/v1/verify", "POST" },
		{ "POST", "/v1/issuers", "GET, HEAD" },
		{ "DELETE", "/v1/issuers/AbCd", "GET, HEAD" },
		{ "POST", "/healthz", "GET, HEAD" },
		{ "GET", "/", NULL },
		{ "GET", "/v1", NULL },
		{ "GET", "/v1/", NULL },
		{ "GET", "/healthz/", NULL },
		{ "GET", "/healthzz", NULL },
		{ "GET", "/HEALTHZ", NULL },
		{ "GET", "/v1/verifyx", NULL },
		/* a prefix route wants a non-empty segment */
		{ "GET", "/v1/issuers/", NULL },
		{ "GET", "/v1/roots/", NULL },
		/* one segment only where the route is not a kid's or the
		 * read path's */
		{ "GET", "/v1/roots/2/3", NULL },
		{ "GET", "/v1/revocation-list/a/b", NULL },
		{ "GET", "/v1/trustlist/FOO/SE", NULL },
		{ "GET", "/v1/trustlist/DSC/SE/x", NULL },
		{ "GET", "/v1/issuersX/a", NULL },
		{ "GET", "/admin/v1/publish", NULL },
		{ "GET", "//healthz", NULL },
		{ "GET", "/./healthz", NULL },
		{ "GET", "/v1/../healthz", NULL },
		{ "GET", "", NULL },
		{ "", "/healthz", "GET, HEAD" },
	};
	const char *tail, *allow;
	(void) state;
	for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
		if (find(ig_routes_public, miss[i].method, miss[i].path, &tail,
		        &allow)
		    != NULL)
			fail_msg("%s %s: found", miss[i].method, miss[i].path);
		assert_null(tail);
		if (miss[i].allow == NULL)
			assert_null(allow);
		else {
			assert_non_null(allow);
			assert_string_equal(allow, miss[i].allow);
		}
	}
}

static void
test_admin(void **state)
{
	const ig_route *r;
	const char *tail, *allow;
	(void) state;
	r = find(ig_routes_admin, "POST", "/admin/v1/publish", &tail, &allow);
	assert_non_null(r);
	assert_true(r->fn == ig_route_admin_publish);
	r = find(ig_routes_admin, "POST", "/admin/v1/backup", &tail, &allow);
	assert_non_null(r);
	assert_true(r->fn == ig_route_admin_backup);
	assert_null(
	    find(ig_routes_admin, "GET", "/admin/v1/backup", &tail, &allow));
	assert_string_equal(allow, "POST");
	assert_null(
	    find(ig_routes_admin, "POST", "/v1/verify", &tail, &allow));
	assert_null(allow);
}

/* Every entry: a GET or a POST, a path under '/', a handler, the OpenAPI
 * path (an exact route's own, a prefix route's with parameters); a body limit
 * exactly for POST; computed inline only when bounded (POST /v1/verify alone
 * today). */
static void
test_table_shape(void **state)
{
	const ig_route *tables[] = { ig_routes_public, ig_routes_admin };
	size_t inline_n = 0, n = 0;
	(void) state;
	for (size_t t = 0; t < 2; t++)
		for (const ig_route *r = tables[t]; r->method != NULL; r++) {
			bool post = strcmp(r->method, "POST") == 0;
			n++;
			assert_true(post || strcmp(r->method, "GET") == 0);
			assert_non_null(r->path);
			assert_int_equal(r->path[0], '/');
			assert_non_null(r->fn);
			assert_non_null(r->openapi);
			/* an exact route is documented under its path, a
			 * prefix route with its parameters */
			if (r->prefix)
				assert_non_null(strchr(r->openapi, '{'));
			else
				assert_string_equal(r->openapi, r->path);
			assert_true(post ? r->body_max > 0 : r->body_max == 0);
			if (r->inline_ok) {
				inline_n++;
				assert_true(r->fn == ig_route_verify);
				assert_true(t == 0);
			}
		}
	assert_int_equal(inline_n, 1);
	assert_true(n > 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_misses),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_table_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
