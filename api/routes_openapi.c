/*
 * routes_openapi.c - GET /v1/openapi.yaml: the node's own API document.
 *
 * The bytes are docs/openapi.yaml of the source tree the node was built
 * from, embedded at build time (api/CMakeLists.txt, api/embed.cmake
 * generate openapi_doc.c), so the served document cannot drift from the
 * repository's. It is about 30 KB and copied per request; the route is
 * an ordinary worker route (no registry read).
 */
#include <stddef.h>

#include "api/routes.h"

/* openapi_doc.c, generated */
extern const unsigned char ig_openapi_yaml[];
extern const size_t ig_openapi_yaml_len;

void
ig_route_openapi(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	(void) w;
	(void) req;
	ig_buf_reset(&res->body);
	if (ig_buf_append(&res->body, ig_openapi_yaml, ig_openapi_yaml_len)
	    != IG_OK) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	res->status = 200;
	res->content_type = "application/yaml";
}
