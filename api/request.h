/*
 * request.h - internal to api/: a request as the route functions see it,
 * and the strict reading of its target (the path percent-decoded, the
 * query split into parameters) and of a header's media type.
 *
 * Untrusted input: the target comes from the client's request line.
 * Every length is bounded by limits.h (IG_HTTP_URI_MAX,
 * IG_HTTP_QUERY_PARAMS_MAX, IG_HTTP_QUERY_VALUE_MAX) and nothing is
 * allocated. Every function is pure and may be called from any thread.
 */
#ifndef IG_API_REQUEST_H
#define IG_API_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"
#include "registry/base/limits.h"

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
	const char *cookie; /* NULL when absent (the portal's session) */
	/* The admin listener's SHA-256 of its token, for the routes that
	 * check credentials themselves (api/portal.h); NULL elsewhere. */
	const uint8_t *admin_key;
	const uint8_t *body;
	size_t body_len;
} ig_http_req;

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

#endif /* IG_API_REQUEST_H */
